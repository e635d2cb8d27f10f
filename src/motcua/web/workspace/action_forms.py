"""One form per engine action. A form only parses what the official typed into the action's
input (the names the engine's handlers read: ``reason``, ``items``, ``assignee``…) and offers
the choices that make sense; the engine validates the meaning and the transition, and its
field errors come back next to these fields (``web.forms.add_domain_errors``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import ResultKind
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import ReturnMethod

from . import options

NOTE_MAX = 5000  # as the API's bodies (dossiers.schemas.Note)
ITEM_MAX = 1000
MAX_ITEMS = 50


def note_field(*, required: bool = False, label: Any = None, help_text: Any = "") -> Any:
    return forms.CharField(
        label=label or _("Note"),
        required=required,
        max_length=NOTE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def reason_field(help_text: Any = "") -> Any:
    return note_field(required=True, label=_("Reason"), help_text=help_text)


class ActionForm(forms.Form):
    """The version of the dossier the official saw travels with every action: a decision
    taken on a stale page is refused by the engine (409) instead of applied to a newer state."""

    expected_version = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )

    def __init__(self, data: QueryDict | None = None, *, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.dossier = dossier
        if data is None:
            self.initial.setdefault("expected_version", dossier.version)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("expected_version") is None and "expected_version" not in self.errors:
            self.add_error(None, _("The page is incomplete: reload the dossier and try again."))
        return cleaned

    def payload(self) -> dict[str, Any]:
        """The engine's input: every field filled in, the version apart."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "expected_version" and value not in (None, "", [])
        }


class ItemsField(forms.Field):
    """A list of texts typed one per row (``items`` repeated in the form data)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    def validate(self, value: list[str]) -> None:
        # Whether the list may be empty is the engine's rule ("List at least one item.").
        if len(value) > MAX_ITEMS:
            raise forms.ValidationError(
                _("At most %(n)s items."), params={"n": MAX_ITEMS}, code="max_items"
            )
        if any(len(v) > ITEM_MAX for v in value):
            raise forms.ValidationError(
                _("Each item has at most %(n)s characters."), params={"n": ITEM_MAX}
            )


class ItemsForm(ActionForm):
    """Forms with a list of items: rows are added and removed by posting the form with the
    "add" or "remove" button (no script needed; htmx swaps the form in place)."""

    items = ItemsField(label=_("Items"), required=False)

    def rows(self) -> list[str]:
        """The rows as typed (empty ones kept, so that a row just added stays on the page)."""
        if not self.is_bound:
            return [""]
        values = [str(v) for v in self.data.getlist("items")][:MAX_ITEMS]  # type: ignore[attr-defined]
        if "add_item" in self.data and len(values) < MAX_ITEMS:
            values.append("")
        remove = self.data.get("remove_item")
        if remove is not None and str(remove).isdigit() and 0 < int(remove) <= len(values):
            del values[int(remove) - 1]
        return values or [""]

    def editing_rows(self) -> bool:
        """Whether the post only adds or removes a row (nothing is performed)."""
        return self.is_bound and ("add_item" in self.data or "remove_item" in self.data)


class NoteForm(ActionForm):
    note = note_field()


class CommentForm(ActionForm):
    note = note_field(required=True)


class ReasonForm(ActionForm):
    reason = reason_field()


class SuspendForm(ActionForm):
    reason = reason_field(
        help_text=_(
            "What the applicant must do or what is awaited (a tax payment, a verification). "
            "Printed on the suspension notice (form 05)."
        )
    )


class RefuseForm(ActionForm):
    reason = reason_field(
        help_text=_("The legal ground of the refusal. Printed on the refusal notice (form 03).")
    )


class AssignForm(ActionForm):
    assignee = forms.ChoiceField(label=_("Official"))
    note = note_field()

    def __init__(self, data: QueryDict | None = None, *, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(data, dossier=dossier, **kwargs)
        step = dossier.current_step
        people: list[options.Choice] = []
        if step is not None:
            people = options.officials([(step.agency_id, step.role)]).get(
                (step.agency_id, step.role), []
            )
            self.fields["assignee"].help_text = _(
                "Officials with the role %(role)s at %(agency)s."
            ) % {"role": step.get_role_display(), "agency": step.agency.name}
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Choose an official")),
            *people,
        ]


class ForwardForm(ActionForm):
    to_step = forms.ChoiceField(label=_("Step"), required=False)
    agency = forms.ChoiceField(
        label=_("Agency"),
        required=False,
        help_text=_("Only for a step that runs at an agency of a kind (e.g. the tax office)."),
    )
    assignee = forms.ChoiceField(
        label=_("Hand it to"),
        required=False,
        help_text=_("Optional: an official with the step's role there."),
    )
    note = note_field()

    def __init__(self, data: QueryDict | None = None, *, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(data, dossier=dossier, **kwargs)
        targets = options.workflow(dossier)
        self.targets = {t.step.code: t for t in targets}
        self.next = options.next_target(dossier, targets)
        default = (
            _("The next step: %(step)s") % {"step": _where(self.next)}
            if self.next
            else _("The next step (there is none: this is the last step)")
        )
        cast(forms.ChoiceField, self.fields["to_step"]).choices = [
            ("", default),
            *[(t.step.code, f"{t.step.position}. {_where(t)}") for t in targets],
        ]
        kinds = {t.step.agency_kind for t in targets if t.agency is None}
        if kinds:
            cast(forms.ChoiceField, self.fields["agency"]).choices = [
                ("", _("Not needed")),
                *options.agencies_of_kinds(dossier, kinds),
            ]
        else:
            del self.fields["agency"]
        placed = [t for t in targets if t.agency is not None]
        people = options.officials((t.agency.pk, t.step.role) for t in placed if t.agency)
        self.people: dict[str, set[str]] = {}
        groups: list[options.Group] = []
        for t in placed:
            assert t.agency is not None
            found = people.get((t.agency.pk, t.step.role), [])
            self.people[t.step.code] = {username for username, _name in found}
            if found:
                groups.append((_where(t), found))
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [("", _("Nobody yet")), *groups]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assignee = cleaned.get("assignee")
        target = self.targets.get(cleaned.get("to_step") or "") or self.next
        if (
            assignee
            and target is not None
            and assignee not in self.people.get(target.step.code, set())
        ):
            self.add_error(
                "assignee",
                _("%(user)s does not hold the role of step “%(step)s” where it runs.")
                % {"user": assignee, "step": target.step.name},
            )
        return cleaned


def _where(target: options.Target | None) -> str:
    """ "Phê duyệt — Sở Tư pháp" (or the kind of agency to choose)."""
    if target is None:
        return ""
    step = target.step
    where = target.agency.name if target.agency else step.get_agency_kind_display()
    return f"{step.name} — {where}"


class TransferForm(ActionForm):
    agency = forms.ChoiceField(label=_("Send to"))
    hours = forms.DecimalField(
        label=_("Working hours allotted there"),
        min_value=Decimal("0.01"),
        max_value=Decimal(10_000),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    note = note_field(label=_("What is asked of them"))

    def __init__(self, data: QueryDict | None = None, *, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(data, dossier=dossier, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = [
            ("", _("Choose an agency")),
            *options.transfer_agencies(dossier),
        ]


class RequestSupplementForm(ItemsForm):
    reason = note_field(
        label=_("Reason"),
        help_text=_("Printed with the items on the supplement request (form 02)."),
    )
    field_order = ["items", "reason"]

    def __init__(self, data: QueryDict | None = None, *, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(data, dossier=dossier, **kwargs)
        self.fields["items"].label = _("Documents or corrections asked for")
        self.fields["items"].help_text = _(
            "One per row, all at once: the applicant gets one notice listing everything."
        )


class SupplementForm(ItemsForm):
    note = note_field()

    def __init__(self, data: QueryDict | None = None, *, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(data, dossier=dossier, **kwargs)
        self.fields["items"].label = _("Documents received")
        self.fields["items"].help_text = _("Optional: one per row.")


class ApproveForm(ActionForm):
    result = forms.CharField(
        label=_("Result"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("The result issued: number and date of the decision, licence, certificate."),
    )
    note = note_field()


class ApologiseForm(ActionForm):
    reason = reason_field(help_text=_("Why the result will be late. Printed on form 04."))
    new_appointment = forms.DateTimeField(
        label=_("New appointment"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_(
            "Local time. Only one new appointment can ever be given, after the due time; "
            "timeliness is still judged against the original due time."
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ReturnResultForm(ActionForm):
    method = forms.ChoiceField(label=_("How"))
    recipient = forms.CharField(
        label=_("Handed to"),
        required=False,
        max_length=300,
        help_text=_("Required at the counter: who collected the result."),
    )
    note = note_field()

    def __init__(self, data: QueryDict | None = None, *, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(data, dossier=dossier, **kwargs)
        version = dossier.procedure_version
        methods = [(ReturnMethod.COUNTER.value, ReturnMethod.COUNTER.label)]
        if version.postal:
            methods.append((ReturnMethod.POST.value, ReturnMethod.POST.label))
        if version.result_kind != ResultKind.PAPER:
            methods.append((ReturnMethod.ONLINE.value, ReturnMethod.ONLINE.label))
        cast(forms.ChoiceField, self.fields["method"]).choices = methods
