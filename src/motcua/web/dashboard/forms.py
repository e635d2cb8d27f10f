"""The period selector of the dashboard and the arguments of the reports page. They parse the
query string; the report service checks the rest (``stats.report_args.parse_args``) and its
errors are shown next to the fields, which carry the API's names (``from``, ``to``, ``as_of``…)
so that its ``FieldError``s land on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Level
from motcua.catalog.selectors import list_fields
from motcua.dossiers.states import Channel

from .units import Choice

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# Long enough for a multi-year comparison; the month chart stays readable and quick.
MAX_DASHBOARD_DAYS = 3 * 366
PERIOD_CHOICES = (
    ("month", _("This month")),
    ("quarter", _("This quarter")),
    ("year", _("This year")),
    ("custom", _("Custom dates")),
)
BREAKDOWN_CHOICES = (
    ("", _("None: the totals only")),
    ("field", _("Field (as on form II.06a)")),
    ("agency", _("Agency (tree)")),
    ("level", _("Level")),
    ("procedure", _("Procedure")),
    ("channel", _("Channel")),
    ("month", _("Month")),
)


@dataclass(frozen=True)
class Dates:
    first: date
    last: date
    kind: str  # month | quarter | year | custom

    @property
    def index_label(self) -> str | None:
        """The service index's period (``2026-03``, ``2026-Q1``, ``2026``); None for custom
        dates, which the index is not defined for."""
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return None


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def calendar_period(kind: str, today: date) -> Dates:
    """The whole month, quarter or year containing ``today`` (evaluated as of now while it
    runs, so the days still to come count nothing)."""
    if kind == "year":
        return Dates(today.replace(month=1, day=1), today.replace(month=12, day=31), kind)
    if kind == "quarter":
        first = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        return Dates(first, _month_end(first.replace(month=first.month + 2)), kind)
    first = today.replace(day=1)
    return Dates(first, _month_end(first), "month")


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _agency_field(choices: list[Choice]) -> forms.CharField:
    # A code, not a checked choice: whether the official may report on it is the report
    # service's decision (403 outside its scope, as the API answers), not the form's.
    return forms.CharField(
        label=_("Agency"),
        required=False,
        max_length=35,
        help_text=_("The agency and every agency below it."),
        widget=forms.Select(choices=[(c.code, c.label) for c in choices]),
    )


class PeriodForm(forms.Form):
    """``?period=month|quarter|year|custom&from=&to=&agency=``."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=PERIOD_CHOICES,
        required=False,
        initial="month",
        widget=forms.RadioSelect,
    )

    def __init__(self, data: Any = None, *args: Any, agencies: list[Choice], **kwargs: Any) -> None:
        if data is not None and not data.get("period"):
            # The kind the page shows is checked: dates typed without choosing "custom" mean
            # the dates, nothing at all means this month.
            data = data.copy()
            data["period"] = "custom" if data.get("from") or data.get("to") else "month"
        super().__init__(data, *args, **kwargs)
        # "from" is a Python keyword: the fields are added by name.
        self.fields["from"] = _date_field(_("From"))
        self.fields["to"] = _date_field(_("To"))
        self.fields["agency"] = _agency_field(agencies)
        if len(agencies) < 2:
            self.fields["agency"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period") or "month"
        data["period"] = kind
        if kind != "custom":
            return data
        first, last = data.get("from"), data.get("to")
        if first is None and "from" not in self.errors:
            self.add_error("from", _("Give the first day of the period."))
        if last is None and "to" not in self.errors:
            self.add_error("to", _("Give the last day of the period."))
        if first and last:
            if first > last:
                self.add_error("from", _("The period starts after it ends."))
            elif (last - first).days >= MAX_DASHBOARD_DAYS:
                self.add_error(
                    "to",
                    _(
                        "Choose a period of at most three years here; the reports page "
                        "covers longer ones."
                    ),
                )
        return data

    def dates(self, today: date) -> Dates:
        data = self.cleaned_data
        if data["period"] == "custom":
            return Dates(data["from"], data["to"], "custom")
        return calendar_period(data["period"], today)


class ReportForm(forms.Form):
    """The reports page: the period report's arguments, as the API names them."""

    as_of = forms.CharField(
        label=_("As of (optional)"),
        required=False,
        max_length=40,
        help_text=_(
            "An earlier instant to evaluate the figures at, e.g. 2026-03-10T08:00. "
            "By default: the end of the period, or now while it runs."
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    level = forms.ChoiceField(label=_("Level"), required=False)
    field = forms.ChoiceField(label=_("Field"), required=False)
    procedure = forms.CharField(
        label=_("Procedure code (optional)"),
        required=False,
        max_length=40,
        help_text=_("e.g. 1.001193"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    breakdown = forms.ChoiceField(
        label=_("Rows"), required=False, choices=BREAKDOWN_CHOICES, initial="field"
    )

    def __init__(self, *args: Any, agencies: list[Choice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["from"] = _date_field(_("From"))
        self.fields["to"] = _date_field(_("To"))
        self.fields["from"].required = self.fields["to"].required = True
        self.fields["agency"] = _agency_field(agencies)
        self.fields.update(fields)
        anything = [("", _("All"))]
        levels = [(v, label) for v, label in Level.choices]
        self.fields["level"].choices = anything + levels  # type: ignore[attr-defined]
        self.fields["field"].choices = anything + [  # type: ignore[attr-defined]
            (f["code"], f"{f['name']} ({f['code']})") for f in list_fields()
        ]
        self.fields["channel"].choices = anything + list(Channel.choices)  # type: ignore[attr-defined]

    def report_args(self) -> dict[str, Any]:
        """The cleaned values under the API's names (empty ones left out)."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for name in ("from", "to"):
            out[name] = data[name].isoformat()
        for name in ("agency", "level", "field", "procedure", "channel", "as_of", "breakdown"):
            value = (data.get(name) or "").strip()
            if value:
                out[name] = value
        return out
