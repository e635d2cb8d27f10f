"""Forms of the desk. They parse what the receiver typed and ticked into the engine's input
(``intake`` / ``perform`` data); the engine validates it and its field errors come back next to
these fields (``place_errors``). The one rule kept here is the checklist's, which only the desk
knows: a dossier is received complete, so every required document must be ticked."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import ResultKind
from motcua.core.errors import DomainError
from motcua.dossiers.models import ApplicantKind, Dossier
from motcua.dossiers.states import Action, Channel, ReturnMethod

from . import checklist
from .checklist import Doc
from .queues import Desk

RECEIVE, COMPLETE, REJECT = (
    Action.RECEIVE.value,
    Action.REQUEST_COMPLETION.value,
    Action.REJECT_AT_RECEPTION.value,
)
DECISIONS = (RECEIVE, COMPLETE, REJECT)
PREFILL = "prefill"

# Engine field paths → the desk's field names.
ENGINE_FIELDS = {
    "applicant": "applicant_name",
    "applicant.name": "applicant_name",
    "applicant.kind": "applicant_kind",
    "applicant.national_id": "national_id",
    "applicant.phone": "phone",
    "applicant.email": "email",
    "applicant.address": "address",
    "agency": "agency",
    "receiving_centre": "desk",
    "reception_point": "desk",
    "items": "missing",
}


def place_errors(
    form: forms.Form, error: DomainError, mapping: dict[str, str] | None = None
) -> None:
    """A service's errors on the form: each next to the field it names, the rest on top."""
    mapping = {**ENGINE_FIELDS, **(mapping or {})}
    for problem in error.errors:
        name = mapping.get(problem.field, problem.field)
        field = form.fields.get(name)
        if field is not None and not field.widget.is_hidden:
            form.add_error(name, problem.message)
        else:
            form.add_error(None, problem.message)
    if not error.errors:
        form.add_error(None, error.detail)


def new_token() -> str:
    """The idempotency key of one intake form: a double click or a retried POST on a slow
    link gives back the dossier the first one created, never a second dossier."""
    return uuid.uuid4().hex


class CheckForm(forms.Form):
    """The checklist and the three decisions on a dossier not yet received."""

    doc = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(
        label=_("Note for the file"),
        required=False,
        max_length=1000,
        help_text=_("Optional. Recorded in the dossier's history with the documents received."),
    )
    missing = forms.CharField(
        label=_("Other items to complete"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line. The required documents left unticked are listed on the notice anyway."
        ),
    )
    reason = forms.CharField(
        label=_("Reason for rejecting the dossier"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the notice (form 03) handed to the applicant."),
    )

    def __init__(self, *args: Any, docs: list[Doc], intent: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.docs = docs
        self.intent = intent
        self.fields["doc"].choices = [(d.value, d.name) for d in docs]  # type: ignore[attr-defined]

    def ticked(self) -> set[int]:
        """The documents ticked on the page (as posted, or as initially shown)."""
        values = self["doc"].value() or []
        return {int(v) for v in values if str(v).isdigit()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ticked = {int(v) for v in data.get("doc") or []}
        if self.intent == RECEIVE:
            absent = checklist.missing(self.docs, ticked)
            if absent:
                self.add_error(
                    "doc",
                    _(
                        "Not ticked: %(docs)s. A dossier is received only when complete: tick "
                        "them once handed over, or request completion."
                    )
                    % {"docs": "; ".join(d.name for d in absent)},
                )
        elif self.intent == COMPLETE and not checklist.completion_items(
            self.docs, ticked, data.get("missing", "")
        ):
            self.add_error(
                "missing",
                _(
                    "Nothing is missing: every required document is ticked. Write what must be "
                    "completed, or receive the dossier."
                ),
            )
        return data

    def decision_data(self) -> dict[str, Any]:
        """The engine's input for the decision taken (``intent``)."""
        data = self.cleaned_data
        ticked = {int(v) for v in data.get("doc") or []}
        if self.intent == RECEIVE:
            return {"note": checklist.record(self.docs, ticked, data.get("note", ""))}
        if self.intent == COMPLETE:
            items = checklist.completion_items(self.docs, ticked, data.get("missing", ""))
            return {"items": items, "note": data.get("note", "")}
        return {"reason": data.get("reason", "")}


class IntakeForm(CheckForm):
    """A dossier handed over at the counter: checklist, applicant, who resolves it, where."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    desk = forms.ChoiceField(label=_("Reception point"))
    agency = forms.ChoiceField(
        label=_("Competent agency"),
        required=False,
        help_text=_("The agency that resolves the dossier; its code starts the dossier code."),
    )
    applicant_kind = forms.ChoiceField(
        label=_("The applicant is"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.CITIZEN,
        widget=forms.RadioSelect,
    )
    national_id = forms.CharField(
        label=_("National ID number"),
        required=False,
        max_length=20,
        help_text=_("12 digits. The particulars below are filled from the population database."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    applicant_name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        help_text=_("For the text messages about the dossier."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    submitter_name = forms.CharField(
        label=_("Submitted by (if not the applicant)"),
        required=False,
        max_length=300,
        help_text=_("The authorised person who hands the dossier over."),
    )
    subject = forms.CharField(
        label=_("Subject"),
        required=False,
        max_length=500,
        help_text=_("What the application is about, in a few words (optional)."),
    )

    def __init__(
        self,
        *args: Any,
        docs: list[Doc],
        desks: list[Desk],
        agencies: list[tuple[str, str]],
        intent: str = "",
        prefill_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, docs=docs, intent=intent, **kwargs)
        if prefill_url:
            # Leaving the ID field (or pressing the button beside it) fills the applicant.
            self.fields["national_id"].widget.attrs.update(
                {
                    "hx-post": prefill_url,
                    "hx-trigger": "change",
                    "hx-target": "#applicant",
                    "hx-swap": "outerHTML",
                    "hx-vals": '{"intent": "prefill"}',
                }
            )
        self.fields["desk"].choices = [(d.value, d.label) for d in desks]  # type: ignore[attr-defined]
        self.fields["agency"].choices = [("", _("— choose —")), *agencies]  # type: ignore[attr-defined]

    def intake_data(self, procedure: str) -> dict[str, Any]:
        data = self.cleaned_data
        centre, _sep, point = data["desk"].partition("|")
        result: dict[str, Any] = {
            "procedure": procedure,
            "channel": Channel.COUNTER.value,
            "receiving_centre": centre,
            "agency": data.get("agency", ""),
            "subject": data.get("subject", ""),
            "submitter_name": data.get("submitter_name", ""),
            "applicant": {
                "kind": data.get("applicant_kind") or ApplicantKind.CITIZEN.value,
                "name": data.get("applicant_name", ""),
                "national_id": "".join((data.get("national_id") or "").split()),
                "phone": data.get("phone", ""),
                "email": data.get("email", ""),
                "address": data.get("address", ""),
            },
        }
        if point:
            result["reception_point"] = point
        result.update(self.decision_data())
        return result


class VersionedForm(forms.Form):
    """Every action on an existing dossier carries the version the page showed, so that a
    decision taken on a stale page is refused (409) instead of applied to a newer state."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class DossierCheckForm(VersionedForm, CheckForm):
    """Checking a dossier submitted online or by post, or brought back complete."""


class SupplementForm(VersionedForm):
    received = forms.MultipleChoiceField(
        label=_("Items handed over"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other = forms.CharField(
        label=_("Other documents handed over"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    note = forms.CharField(label=_("Note for the file"), required=False, max_length=1000)

    def __init__(self, *args: Any, requested: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requested = requested
        self.fields["received"].choices = [  # type: ignore[attr-defined]
            (str(i), item) for i, item in enumerate(requested, start=1)
        ]

    def items(self) -> list[str]:
        data = self.cleaned_data
        ticked = [self.requested[int(v) - 1] for v in data.get("received") or []]
        return ticked + [
            line for line in checklist.lines(data.get("other", "")) if line not in ticked
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.items():
            self.add_error("received", _("Tick the items handed over, or list them."))
        return data

    def engine_data(self) -> dict[str, Any]:
        return {"items": self.items(), "note": self.cleaned_data.get("note", "")}


def return_methods(dossier: Dossier) -> list[tuple[str, str]]:
    """How this procedure's result may be handed over (the engine refuses the others)."""
    version = dossier.procedure_version
    methods = [(ReturnMethod.COUNTER.value, ReturnMethod.COUNTER.label)]
    if version.postal:
        methods.append((ReturnMethod.POST.value, ReturnMethod.POST.label))
    if version.result_kind != ResultKind.PAPER:
        methods.append((ReturnMethod.ONLINE.value, ReturnMethod.ONLINE.label))
    return [(value, str(label)) for value, label in methods]


class ReturnForm(VersionedForm):
    method = forms.ChoiceField(
        label=_("Handed over"), widget=forms.RadioSelect, initial=ReturnMethod.COUNTER
    )
    recipient = forms.CharField(
        label=_("Handed to"),
        required=False,
        max_length=300,
        help_text=_("Full name of the person who collects the result (required at the counter)."),
    )
    note = forms.CharField(label=_("Note for the file"), required=False, max_length=1000)

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = return_methods(dossier)  # type: ignore[attr-defined]

    def engine_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "method": data["method"],
            "recipient": data.get("recipient", ""),
            "note": data.get("note", ""),
        }


class ForwardForm(VersionedForm):
    """Handing a received dossier on to the next step of its workflow (the competent agency)."""

    note = forms.CharField(
        label=_("Note for the agency"),
        required=False,
        max_length=1000,
        help_text=_("Optional: what the specialist should know (originals checked, urgency…)."),
    )

    def engine_data(self) -> dict[str, Any]:
        return {"note": self.cleaned_data.get("note", "")}


class WithdrawForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason given by the applicant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def engine_data(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data.get("reason", "")}
