"""The period report as a screen table in the order of form II.06a, every figure a link to the
dossiers it counts (the drill-down page, which selects them with the definition the figure is
tested against: ``stats.report_drill``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.core.localtime import isoformat_local
from motcua.stats.figures import Figures
from motcua.stats.report import Report, Row


@dataclass(frozen=True)
class Column:
    number: str  # the form's column number
    label: Promise
    figure: str  # the drill-down's name for it


# Column (5) of the form is "at the counter, by post": two figures, two columns on screen,
# so that each number lists its own dossiers.
COLUMNS = (
    Column("(3)", _("Total"), "total"),
    Column("(4)", _("Online"), "received.online"),
    Column("(5)", _("At the counter"), "received.counter"),
    Column("(5)", _("By post"), "received.postal"),
    Column("(6)", _("Carried over"), "carried_over"),
    Column("(7)", _("Total"), "resolved"),
    Column("(8)", _("Early"), "resolved.early"),
    Column("(9)", _("On time"), "resolved.on_time"),
    Column("(10)", _("Late"), "resolved.late"),
    Column("(11)", _("Total"), "in_progress"),
    Column("(12)", _("Within the time limit"), "in_progress.within_deadline"),
    Column("(13)", _("Overdue"), "in_progress.overdue"),
    Column("(14)", _("Clock stopped"), "in_progress.paused"),
)
GROUPS = (
    (_("Dossiers to resolve"), 5),
    (_("Resolved"), 4),
    (_("In progress"), 4),
)
RATES = (
    ("on_time_rate", _("On time, of resolved")),
    ("online_rate", _("Online, of received")),
    ("on_time_rate_of_total", _("On time, of all to resolve")),
    ("online_share_of_total", _("Online, of all to resolve")),
)
FIGURE_LABELS: dict[str, Promise] = {
    "carried_over": _("Carried over from before the period"),
    "received": _("Received in the period"),
    "received.online": _("Received online"),
    "received.counter": _("Received at the counter"),
    "received.postal": _("Received by post"),
    "total": _("All dossiers to resolve"),
    "resolved": _("Resolved"),
    "resolved.early": _("Resolved early"),
    "resolved.on_time": _("Resolved on time"),
    "resolved.late": _("Resolved late"),
    "in_progress": _("In progress"),
    "in_progress.within_deadline": _("In progress within the time limit"),
    "in_progress.overdue": _("In progress and overdue"),
    "in_progress.paused": _("In progress with the clock stopped"),
}


def figure_value(figures: Figures, key: str) -> int:
    name, _dot, part = key.partition(".")
    if name == "carried_over":
        return figures.carried_over
    if name == "total":
        return figures.total
    group: dict[str, int] = getattr(figures, name)
    return group[part] if part else sum(group.values())


@dataclass(frozen=True)
class Cell:
    value: int
    url: str | None  # none for 0: an empty list is not worth a click


@dataclass
class TableRow:
    number: str
    name: str
    cells: list[Cell]
    rates: list[Decimal | None]
    depth: int = 0
    strong: bool = False
    # The agency tree: the row's agency, to open its own dashboard (None for "own" rows).
    agency: str | None = None
    note: str = ""


@dataclass
class Table:
    row_header: Promise
    rows: list[TableRow]
    total: TableRow
    columns: tuple[Column, ...] = COLUMNS
    # The headline figures' drill-down links (summary.html): the counts, and for a rate the
    # dossiers it is a share of (each listed with its timeliness or channel).
    summary: dict[str, str] = field(default_factory=dict)
    groups: tuple[tuple[Promise, int], ...] = GROUPS
    rates: tuple[tuple[str, Promise], ...] = RATES
    folded: int = 0  # agencies deeper than shown
    extra: dict[str, Any] = field(default_factory=dict)


class Links:
    """Drill-down links for one report: its arguments, with a row's own on top."""

    def __init__(self, args: Mapping[str, str], as_of: datetime) -> None:
        self.base = {k: v for k, v in args.items() if v and k != "breakdown"}
        # The instant the figures were evaluated at: the list is the figure, even a minute
        # later on a live report.
        self.base["as_of"] = isoformat_local(as_of)
        self.path = reverse("web:dashboard:dossiers")

    def url(self, figure: str, override: Mapping[str, str] | None = None) -> str:
        return f"{self._prefix(override)}{urlencode({'figure': figure})}"

    def _prefix(self, override: Mapping[str, str] | None) -> str:
        return f"{self.path}?{urlencode({**self.base, **(override or {})})}&"

    def cells(self, figures: Figures, override: Mapping[str, str] | None = None) -> list[Cell]:
        # One query string a row, the figure appended: a province's table has 1,600 links.
        prefix = self._prefix(override)
        out = []
        for column in COLUMNS:
            value = figure_value(figures, column.figure)
            url = f"{prefix}figure={column.figure}" if value else None
            out.append(Cell(value, url))
        return out


def _rates(figures: Figures) -> list[Decimal | None]:
    rates = figures.rates()
    return [rates[key] for key, _label in RATES]


def _row(links: Links, number: str, name: str, figures: Figures, **extra: Any) -> TableRow:
    override = extra.pop("override", None)
    return TableRow(number, name, links.cells(figures, override), _rates(figures), **extra)


SUMMARY_FIGURES = {
    "total": "total",
    "resolved": "resolved",
    "on_time_rate": "resolved",
    "online_rate": "received",
    "overdue": "in_progress.overdue",
}

ROW_HEADERS: dict[str | None, Promise] = {
    None: _("Scope"),
    "agency": _("Agency"),
    "field": _("Field"),
    "level": _("Level"),
    "procedure": _("Procedure"),
    "channel": _("Channel"),
    "month": _("Month"),
}


def report_table(report: Report, args: Mapping[str, str], max_depth: int | None = None) -> Table:
    """The report's rows (its breakdown; the agency tree down to ``max_depth`` levels below
    the top, deeper agencies counted in their ancestors' rows) and the total row."""
    links = Links(args, report.as_of)
    rows: list[TableRow] = []
    table = Table(
        row_header=ROW_HEADERS.get(report.breakdown, ROW_HEADERS[None]),
        rows=rows,
        total=_row(links, "", str(_("Total")), report.figures, strong=True),
        summary={
            name: links.url(figure)
            for name, figure in SUMMARY_FIGURES.items()
            if figure_value(report.figures, figure)
        },
    )
    if report.breakdown == "agency":
        for i, row in enumerate(report.rows, start=1):
            table.folded += _agency_rows(links, row, str(i), 0, max_depth, rows)
    elif report.breakdown:
        for i, row in enumerate(report.rows, start=1):
            rows.append(
                _row(
                    links,
                    str(i),
                    _display_name(report.breakdown, row),
                    row.figures,
                    override=_override(report.breakdown, row),
                )
            )
    return table


def _display_name(breakdown: str, row: Row) -> str:
    if breakdown in ("field", "procedure"):
        return f"{row.name} ({row.code})"
    return row.name


def _override(breakdown: str, row: Row) -> dict[str, str]:
    if breakdown == "month" and row.period is not None and row.as_of is not None:
        return {
            "from": row.period.first.isoformat(),
            "to": row.period.last.isoformat(),
            "as_of": isoformat_local(row.as_of),
        }
    return {breakdown: row.code}


def _agency_rows(
    links: Links, row: Row, number: str, depth: int, max_depth: int | None, out: list[TableRow]
) -> int:
    """The row, the agency's own dossiers when it has children, then its children: numbered
    1, 1.1, 1.2 … as on the form. Returns how many agencies were left out below max_depth."""
    out.append(
        _row(
            links,
            number,
            row.name,
            row.figures,
            depth=depth,
            strong=bool(row.children),
            agency=row.code,
            override={"agency": row.code},
        )
    )
    if not row.children:
        return 0
    if max_depth is not None and depth >= max_depth:
        return _count(row.children)
    j = 1
    if row.own is not None and row.own.total:
        out.append(
            _row(
                links,
                f"{number}.{j}",
                row.name,
                row.own,
                depth=depth + 1,
                note=str(_("resolved by the agency itself")),
                override={"agency": row.code, "own": "1"},
            )
        )
        j += 1
    folded = 0
    for child in row.children:
        folded += _agency_rows(links, child, f"{number}.{j}", depth + 1, max_depth, out)
        j += 1
    return folded


def _count(rows: list[Row]) -> int:
    return sum(1 + _count(r.children) for r in rows)
