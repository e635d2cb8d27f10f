"""The period report (Biểu II.06a "Tình hình, kết quả giải quyết TTHC") as a service.

``build_report`` checks the arguments, evaluates the figures of statistics.md from the
aggregates (``aggregated``: daily flows and open snapshots — never a scan of the dossier table)
and adds the requested breakdown: by agency (a tree: each agency's own figures and its subtree
totals), level, field, procedure, channel, or month (each month of the period is a sub-period
with its own carried-over and in-progress dossiers). The drill-down behind each figure is in
``report_drill``; the renderings (table, Excel, PDF) in ``report_form``/``report_xlsx``/
``report_pdf``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from motcua.agencies.models import Agency, Level
from motcua.catalog.models import Field, Procedure
from motcua.core.localtime import isoformat_local
from motcua.dossiers.states import Channel

from .aggregated import aggregated, aggregated_months
from .figures import Figures
from .report_args import BREAKDOWNS, ReportArgs, parse_args
from .scope import Period, Scope

__all__ = ["BREAKDOWNS", "Report", "Row", "build_report", "evaluate", "month_flows", "months_of"]


@dataclass
class Row:
    """One line of a breakdown. For the agency tree, ``figures`` are the subtree's totals,
    ``own`` the agency's own and ``children`` the agencies below it that have dossiers."""

    code: str
    name: str
    figures: Figures
    own: Figures | None = None
    children: list[Row] = field(default_factory=list)
    level: str | None = None
    period: Period | None = None
    as_of: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "name": self.name}
        if self.level is not None:
            out["level"] = self.level
        if self.period is not None and self.as_of is not None:
            out["period"] = period_dict(self.period, self.as_of)
        out.update(self.figures.as_dict())
        if self.own is not None:
            out["own"] = self.own.as_dict()
            out["children"] = [child.as_dict() for child in self.children]
        return out


@dataclass
class Report:
    args: ReportArgs
    as_of: datetime
    live: bool
    figures: Figures
    breakdown: str | None = None
    rows: list[Row] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.args.period

    @property
    def scope(self) -> Scope:
        return self.args.scope

    def as_dict(self) -> dict[str, Any]:
        """The JSON of interfaces.md: ``period``, ``scope``, the figures, and the breakdown
        (``{"by": …, "rows": […]}``) when one was asked for."""
        out: dict[str, Any] = {
            "period": {**period_dict(self.period, self.as_of), "live": self.live},
            "scope": self.args.scope_dict(),
        }
        out.update(self.figures.as_dict())
        if self.breakdown:
            out["breakdown"] = {
                "by": self.breakdown,
                "rows": [row.as_dict() for row in self.rows],
            }
        return out


def period_dict(period: Period, as_of: datetime) -> dict[str, str]:
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "as_of": isoformat_local(as_of),
    }


def build_report(
    scope_args: Mapping[str, Any] | None,
    date_from: date | str | None,
    date_to: date | str | None,
    as_of: datetime | str | None = None,
    now: datetime | None = None,
    breakdown: str | None = None,
) -> Report:
    """The period report. Bad arguments raise ``ValidationFailed`` naming each argument
    (``from``, ``to``, ``agency``, ``level``, ``field``, ``procedure``, ``channel``, ``as_of``,
    ``breakdown``); an as-of instant before the period is refused by ``Period.as_of``."""
    args = parse_args(scope_args, date_from, date_to, as_of, breakdown)
    return evaluate(args, now=now)


def evaluate(args: ReportArgs, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    instant = args.period.as_of(now, args.requested_as_of)
    # As of now, the dossiers' current states are their states at the instant.
    live = instant == now
    scope, period, breakdown = args.scope, args.period, args.breakdown
    if breakdown == "month":
        rows = _by_month(scope, period, instant, live, now)
        figures = _months_total(rows) if rows else None
    elif breakdown:
        # The groups partition the scope: their sum is the total, no second read.
        groups = aggregated(scope, period, instant, live=live, group=breakdown)
        rows = _BUILDERS[breakdown](scope, groups)
        figures = _one(groups)
    else:
        rows, figures = [], None
    if figures is None:
        figures = _one(aggregated(scope, period, instant, live=live))
    report = Report(args=args, as_of=instant, live=live, figures=figures)
    if breakdown:
        report.breakdown = breakdown
        report.rows = rows
    return report


def _months_total(rows: list[Row]) -> Figures:
    """The period's figures from its months (which cover it up to the as-of instant, the
    last one evaluated as of that instant): carried over into the first, received and
    resolved in any, in progress at the end of the last."""
    total = Figures(carried_over=rows[0].figures.carried_over)
    for row in rows:
        for name in ("received", "resolved"):
            mine, theirs = getattr(total, name), getattr(row.figures, name)
            for key in mine:
                mine[key] += theirs[key]
    total.in_progress = dict(rows[-1].figures.in_progress)
    return total


def _one(groups: dict[Any, Figures]) -> Figures:
    total = Figures()
    for figures in groups.values():
        total.add(figures)
    return total


# ----- breakdowns --------------------------------------------------------------------------------
def _by_level(scope: Scope, groups: dict[Any, Figures]) -> list[Row]:
    order = {value: i for i, value in enumerate(Level.values)}
    return [
        Row(
            code=str(key),
            name=str(Level(key).label) if key in Level.values else str(key),
            figures=f,
        )
        for key, f in sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]


def _by_channel(scope: Scope, groups: dict[Any, Figures]) -> list[Row]:
    return [
        Row(code=value, name=str(label), figures=groups[value])
        for value, label in Channel.choices
        if value in groups
    ]


def _by_field(scope: Scope, groups: dict[Any, Figures]) -> list[Row]:
    by_id = {int(k): f for k, f in groups.items()}
    fields = Field.objects.in_bulk(list(by_id))
    rows = [Row(code=fields[k].code, name=fields[k].name, figures=f) for k, f in by_id.items()]
    return sorted(rows, key=lambda row: row.code)


def _by_procedure(scope: Scope, groups: dict[Any, Figures]) -> list[Row]:
    by_id = {int(k): f for k, f in groups.items()}
    procedures = Procedure.objects.select_related("current").in_bulk(list(by_id))
    rows = []
    for pk, figures in by_id.items():
        procedure = procedures[pk]
        name = procedure.current.name if procedure.current else procedure.code
        rows.append(Row(code=procedure.code, name=name, figures=figures))
    return sorted(rows, key=lambda row: row.code)


def _by_agency(scope: Scope, groups: dict[Any, Figures]) -> list[Row]:
    """The competent agencies with dossiers, and the agencies between them and the scope's
    agency (or the top), as a tree; each node's figures are its subtree's totals."""
    own = {int(k): f for k, f in groups.items()}
    leaves = Agency.objects.in_bulk(list(own))
    top = scope.agency.path if scope.agency is not None else ""
    wanted: set[int] = set()
    for agency in leaves.values():
        for part in _path_ids(agency):
            wanted.add(part)
    agencies = Agency.objects.in_bulk(list(wanted))
    agencies = {pk: a for pk, a in agencies.items() if a.path.startswith(top)}
    nodes: dict[int, Row] = {
        pk: Row(
            code=a.code,
            name=a.name,
            level=a.level,
            figures=Figures(),
            own=own.get(pk, Figures()),
        )
        for pk, a in agencies.items()
    }
    roots: list[tuple[Agency, Row]] = []
    for pk, agency in sorted(agencies.items(), key=lambda item: item[1].path):
        parent = agency.parent_id
        if parent in nodes and parent != pk:
            nodes[parent].children.append(nodes[pk])
        else:
            roots.append((agency, nodes[pk]))
    for _agency, row in roots:
        _total(row)
    return [row for _agency, row in sorted(roots, key=lambda item: item[0].code)]


def _path_ids(agency: Agency) -> list[int]:
    ids = [int(part) for part in agency.path.strip("/").split("/") if part]
    return ids or [agency.pk]


def _total(row: Row) -> Figures:
    row.children.sort(key=lambda child: child.code)
    total = Figures()
    if row.own is not None:
        total.add(row.own)
    for child in row.children:
        total.add(_total(child))
    row.figures = total
    return total


def months_of(period: Period) -> list[Period]:
    """The months of a period, each cut to the period."""
    out = []
    first = period.first
    while first <= period.last:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append(Period(first, min(period.last, following - timedelta(days=1))))
        first = following
    return out


def month_flows(
    scope_args: Mapping[str, Any] | None,
    date_from: date | str | None,
    date_to: date | str | None,
    now: datetime,
    total: Report | None = None,
) -> list[Row]:
    """The dossiers received and resolved in each month of the period, as of now: the month
    breakdown without its carried-over and in-progress figures (left at 0), which would cost
    the snapshots and a count of the open dossiers — what a month-by-month chart shows.

    ``total``: the period's report for the same scope and instant, already evaluated. The
    months add up to it (the month breakdown's invariant), so the last month — the one with
    the current days, which are not summed by month — is the total minus the others."""
    args = parse_args(scope_args, date_from, date_to, None, "month")
    instant = args.period.as_of(now)
    if total is not None and (total.as_of != instant or total.scope != args.scope):
        raise ValueError("the total must be the same scope's at the same instant")
    return _by_month(
        args.scope, args.period, instant, instant == now, now, open_figures=False, last=total
    )


def _the_rest(total: Figures, others: list[Row]) -> Figures:
    rest = Figures()
    for name in ("received", "resolved"):
        mine, whole = getattr(rest, name), getattr(total, name)
        for key in mine:
            mine[key] = whole[key] - sum(getattr(row.figures, name)[key] for row in others)
    return rest


def _by_month(
    scope: Scope,
    period: Period,
    as_of: datetime,
    live: bool,
    now: datetime,
    *,
    open_figures: bool = True,
    last: Report | None = None,
) -> list[Row]:
    """Each month that has started by the as-of instant, as its own report: evaluated as of its
    end, or as of the report's instant for the month that contains it. ``last``: the flows of
    the last month are ``last``'s minus the other months' (``month_flows``)."""
    months = []
    for month in months_of(period):
        if month.start >= as_of:
            break
        instant = min(month.end, as_of)
        months.append((month, instant, live and instant == now))
    read = months[:-1] if last is not None else months
    rows = [
        _month_row(month, instant, figures)
        for (month, instant, _live), figures in zip(
            read, aggregated_months(scope, read, open_figures=open_figures), strict=True
        )
    ]
    if last is not None and months:
        month, instant, _live = months[-1]
        rows.append(_month_row(month, instant, _the_rest(last.figures, rows)))
    return rows


def _month_row(month: Period, instant: datetime, figures: Figures) -> Row:
    return Row(
        code=month.first.strftime("%Y-%m"),
        name=month.first.strftime("%m/%Y"),
        figures=figures,
        period=month,
        as_of=instant,
    )


_BUILDERS = {
    "agency": _by_agency,
    "level": _by_level,
    "field": _by_field,
    "procedure": _by_procedure,
    "channel": _by_channel,
}
assert {*_BUILDERS, "month"} == set(BREAKDOWNS)
