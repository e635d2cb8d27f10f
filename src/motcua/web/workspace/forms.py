"""The queue's filter form (a plain GET form; htmx only swaps the table it produces)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.schemas import FIRST_YEAR, LAST_YEAR, DossierFilters
from motcua.dossiers.states import Channel, State

from .queues import DUE_TODAY, OVERDUE, PAUSED_STATE, WITHIN

PAGE_SIZE = 20
ORDERINGS = [
    ("due_at", _("Due soonest first")),
    ("-due_at", _("Due latest first")),
    ("-received_at", _("Received most recently first")),
    ("received_at", _("Received longest ago first")),
]
DUE_CHOICES = [
    ("", _("Any")),
    (OVERDUE, _("Overdue")),
    (DUE_TODAY, _("Due today")),
    (WITHIN, _("Within the time limit (due after today)")),
    (PAUSED_STATE, _("Clock stopped (awaiting supplement or suspended)")),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueForm(forms.Form):
    q = forms.CharField(
        label=_("Dossier code or applicant's name"),
        required=False,
        max_length=200,
        help_text=_("Accents are optional: “nguyen van an” finds “Nguyễn Văn An”."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *State.choices]
    )
    due = forms.ChoiceField(label=_("Time limit"), required=False, choices=DUE_CHOICES)
    procedure = forms.CharField(
        label=_("Procedure code"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices]
    )
    received_from = forms.DateField(label=_("Received from"), required=False, widget=_date_input())
    received_to = forms.DateField(label=_("Received until"), required=False, widget=_date_input())
    ordering = forms.ChoiceField(label=_("Sort"), required=False, choices=ORDERINGS)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def _plausible(self, name: str) -> Any:
        day = self.cleaned_data.get(name)
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("The year must be between %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return day

    def clean_received_from(self) -> Any:
        return self._plausible("received_from")

    def clean_received_to(self) -> Any:
        return self._plausible("received_to")

    def filters(self) -> tuple[DossierFilters, str]:
        """The API's filters for the valid form, and the due state asked for."""
        data: dict[str, Any] = self.cleaned_data
        due = data.get("due") or ""
        filters = DossierFilters(
            state=[data["state"]] if data.get("state") else [],
            overdue=True if due == OVERDUE else None,
            paused=True if due == PAUSED_STATE else None,
            procedure=data.get("procedure") or None,
            channel=data.get("channel") or None,
            agency=None,
            centre=None,
            due_before=None,
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            q=data.get("q") or None,
            ordering=data.get("ordering") or "due_at",
            page=data.get("page") or 1,
            page_size=PAGE_SIZE,
        )
        return filters, due

    def params(self) -> dict[str, str]:
        """The filters as given (without the page), for the pagination's links."""
        if not self.is_bound:
            return {}
        return {
            name: str(self.data.get(name))
            for name in self.fields
            if name != "page" and self.data.get(name)
        }
