"""The period report from the aggregates: flows for whole days (closed months from their monthly
sums, other days from the daily flows), snapshots at midnights, and a direct read of the
dossiers only for the part of a day before a non-midnight as-of instant."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from motcua.core.localtime import local_date, start_of_local_day
from motcua.dossiers.states import PAUSED, RUNNING

from . import monthly
from .figures import Figures, annotate_open_state, classify_open, open_at_q, scoped
from .models import DailyFlow, MonthlyAgencyFlow, MonthlyFlow, OpenSnapshot
from .scope import Period, Scope, is_midnight
from .snapshots import ensure_snapshot, ensure_snapshots

# How a breakdown groups: the column on the aggregates, and the same on dossiers.
GROUPS: dict[str | None, tuple[str | None, str | None]] = {
    None: (None, None),
    "agency": ("agency_id", "competent_agency_id"),
    "level": ("agency__level", "competent_agency__level"),
    "field": ("field_id", "procedure_version__field_id"),
    "procedure": ("procedure_id", "procedure_id"),
    "channel": ("channel", "channel"),
}


class _Out(dict[Any, Figures]):
    def at(self, row: dict[str, Any]) -> Figures:
        return self.setdefault(row.get("g"), Figures())


def _rows(qs: QuerySet[Any], column: str | None, *fields: str) -> QuerySet[Any]:
    if column is None:
        return qs.values(*fields)
    return qs.annotate(g=F(column)).values("g", *fields)


_FLOW_SUMS = {
    "received": Sum("received"),
    "early": Sum("resolved_early"),
    "on_time": Sum("resolved_on_time"),
    "late": Sum("resolved_late"),
}


# Grouping columns the monthly sums per agency × channel have (the others need procedures).
_AGENCY_COLUMNS = (None, "agency_id", "agency__level", "channel")


def _flows(
    scope: Scope, ranges: Iterable[tuple[Any, Any]], column: str | None, *fields: str
) -> list[dict[str, Any]]:
    """The flow sums of the whole days of ``ranges`` ([first, until) each), grouped by
    ``column`` and ``fields`` ("day" is the first day of a month for the months read from
    their monthly sums: a range that must be split by day passes its month boundaries)."""
    split = monthly.plan(ranges, local_date(timezone.now()))
    out: list[dict[str, Any]] = []
    if split.days:
        days = Q(pk__in=[])
        for first, until in split.days:
            days |= Q(day__gte=first, day__lt=until)
        flows = DailyFlow.objects.filter(scope.q(), days)
        out.extend(_rows(flows, column, *fields).annotate(**_FLOW_SUMS).order_by())
    if split.months:
        monthly.ensure(split.months)
        coarse = (
            not (scope.field_id or scope.procedure_id)
            and column in _AGENCY_COLUMNS
            and set(fields) <= {"day", "channel"}
        )
        model = MonthlyAgencyFlow if coarse else MonthlyFlow
        sums = model.objects.filter(scope.q(), month__in=split.months)
        if "day" in fields:
            sums = sums.annotate(day=F("month"))
        out.extend(_rows(sums, column, *fields).annotate(**_FLOW_SUMS).order_by())
    return out


def flow_total(scope: Scope, first: Any, until: Any) -> int:
    """Dossiers received plus dossiers resolved on the days [first, until): a size."""
    rows = _flows(scope, [(first, until)], None, "channel")  # a few rows, not one per key
    return sum((row[name] or 0) for row in rows for name in _FLOW_SUMS)


def online_pairs(scope: Scope, first: Any, until: Any) -> set[tuple[int, int]]:
    """The (agency, procedure) pairs that received at least one online dossier on the days
    [first, until): closed months from their sums, not every day's rows."""
    online = replace(scope, channel="online")
    rows = _flows(online, [(first, until)], "agency_id", "procedure_id")
    return {(row["g"], row["procedure_id"]) for row in rows if row["received"]}


def _snapshot_rows(snap: QuerySet[Any], column: str | None) -> QuerySet[Any]:
    """Snapshot rows of one midnight by group; ungrouped, one row (all rows share ``at``),
    not one per key as ``values()`` of every column would give."""
    return snap.values("at") if column is None else _rows(snap, column)


def aggregated(
    scope: Scope,
    period: Period,
    as_of: datetime,
    *,
    live: bool = False,
    group: str | None = None,
) -> dict[Any, Figures]:
    """Figures per group (one key, None, when not grouped). ``live``: as_of is now, so the
    dossiers' current state is their state at as_of."""
    agg, dos = GROUPS[group]
    out = _Out()
    _carried_over(out, scope, period, agg)
    first_partial = local_date(as_of)
    _whole_days(out, scope, period, first_partial, agg)
    if not is_midnight(as_of):
        _partial_day(out, scope, max(period.start, start_of_local_day(first_partial)), as_of, dos)
    if live:
        _open_live(out, scope, as_of, dos)
    elif is_midnight(as_of):
        _open_snapshot(out, scope, as_of, agg)
    else:
        _open_direct(out, scope, as_of, dos)
    return dict(out)


def aggregated_months(
    scope: Scope, months: Sequence[tuple[Period, datetime, bool]], *, open_figures: bool = True
) -> list[Figures]:
    """``aggregated`` (not grouped) of consecutive sub-periods of one period, each as of its
    own instant (``live`` as there), in a few queries whatever their number: the snapshots at
    every boundary in one read, the daily flows of all of them in one scan grouped by day.
    Each sub-period's figures are exactly what ``aggregated`` returns for it alone.
    ``open_figures=False``: the flows only (received, resolved); carried over and in progress
    are left at 0 and cost nothing."""
    if not months:
        return []
    out = [Figures() for _month in months]
    if open_figures:
        _month_snapshots(out, scope, months)
    _month_flows(out, scope, months)
    for i, (month, instant, live) in enumerate(months):
        one = _Out({None: out[i]})
        if not is_midnight(instant):
            since = max(month.start, start_of_local_day(local_date(instant)))
            _partial_day(one, scope, since, instant, None)
        if not open_figures:
            continue
        if live:
            _open_live(one, scope, instant, None)
        elif not is_midnight(instant):
            _open_direct(one, scope, instant, None)
    return out


def _month_snapshots(
    out: list[Figures], scope: Scope, months: Sequence[tuple[Period, datetime, bool]]
) -> None:
    starts = [month.start for month, _instant, _live in months]
    ends = [instant for _month, instant, live in months if not live and is_midnight(instant)]
    ensure_snapshots([*starts, *ends])
    snap = OpenSnapshot.objects.filter(scope.q(), at__in=[*starts, *ends])
    sums = {"w": Sum("within"), "o": Sum("overdue"), "p": Sum("paused")}
    at_rows: QuerySet[Any] = snap.values("at").annotate(**sums).order_by()
    by_at = {row["at"]: row for row in at_rows}
    for i, (month, instant, live) in enumerate(months):
        start = by_at.get(month.start)
        if start is not None:
            out[i].carried_over += (start["w"] or 0) + (start["o"] or 0) + (start["p"] or 0)
        if not live and is_midnight(instant):
            end = by_at.get(instant)
            if end is not None:
                out[i].in_progress["within_deadline"] += end["w"] or 0
                out[i].in_progress["overdue"] += end["o"] or 0
                out[i].in_progress["paused"] += end["p"] or 0


def _month_flows(
    out: list[Figures], scope: Scope, months: Sequence[tuple[Period, datetime, bool]]
) -> None:
    # Whole days: sub-period i counts the days from its first up to its instant's day; a month
    # read from its monthly sums lies inside one sub-period (``plan`` takes whole months of
    # each range only), so its first day finds the sub-period as a day would.
    firsts = [month.first for month, _instant, _live in months]
    untils = [local_date(instant) for _month, instant, _live in months]
    # Each range ends where the next sub-period starts at the latest: no day is read twice.
    ranges = [
        (first, min([until, *firsts[i + 1 : i + 2]]))
        for i, (first, until) in enumerate(zip(firsts, untils, strict=True))
    ]
    for row in _flows(scope, ranges, None, "day", "channel"):
        i = bisect_right(firsts, row["day"]) - 1
        if i < 0 or row["day"] >= untils[i]:
            continue
        figures = out[i]
        figures.received[row["channel"]] += row["received"] or 0
        for timeliness in ("early", "on_time", "late"):
            figures.resolved[timeliness] += row[timeliness] or 0


def _carried_over(out: _Out, scope: Scope, period: Period, agg: str | None) -> None:
    ensure_snapshot(period.start)
    snap = OpenSnapshot.objects.filter(scope.q(), at=period.start)
    total = Sum(F("within") + F("overdue") + F("paused"))
    for row in _snapshot_rows(snap, agg).annotate(n=total).order_by():
        out.at(row).carried_over += row["n"] or 0


def _whole_days(out: _Out, scope: Scope, period: Period, until: Any, agg: str | None) -> None:
    for row in _flows(scope, [(period.first, until)], agg, "channel"):
        figures = out.at(row)
        figures.received[row["channel"]] += row["received"] or 0
        for timeliness in ("early", "on_time", "late"):
            figures.resolved[timeliness] += row[timeliness] or 0


def _partial_day(
    out: _Out, scope: Scope, since: datetime, until: datetime, dos: str | None
) -> None:
    base = scoped(scope)
    received = base.filter(received_at__gte=since, received_at__lt=until)
    for row in _rows(received, dos, "channel"):
        out.at(row).received[row["channel"]] += 1
    resolved = base.filter(resolved_at__gte=since, resolved_at__lt=until)
    for row in _rows(resolved, dos, "timeliness"):
        out.at(row).resolved[row["timeliness"]] += 1


def _open_snapshot(out: _Out, scope: Scope, as_of: datetime, agg: str | None) -> None:
    ensure_snapshot(as_of)
    snap = OpenSnapshot.objects.filter(scope.q(), at=as_of)
    sums = {"w": Sum("within"), "o": Sum("overdue"), "p": Sum("paused")}
    for row in _snapshot_rows(snap, agg).annotate(**sums).order_by():
        figures = out.at(row)
        figures.in_progress["within_deadline"] += row["w"] or 0
        figures.in_progress["overdue"] += row["o"] or 0
        figures.in_progress["paused"] += row["p"] or 0


def _open_live(out: _Out, scope: Scope, as_of: datetime, dos: str | None) -> None:
    # One pass over the open dossiers, each class a filtered count (three queries cost three
    # scans of the same index range).
    base = scoped(scope).filter(open_at_q(as_of), state__in=PAUSED | RUNNING)
    counts = {
        "paused": Count("pk", filter=Q(state__in=PAUSED)),
        "overdue": Count("pk", filter=Q(state__in=RUNNING, due_at__lt=as_of)),
        "within_deadline": Count("pk", filter=Q(state__in=RUNNING, due_at__gte=as_of)),
    }
    rows: Iterable[dict[str, Any]]
    if dos is None:
        # ``aggregate``: ``values()`` of no column would group by every column, a row each.
        rows = [base.aggregate(**counts)]
    else:
        rows = _rows(base, dos).annotate(**counts).order_by()
    for row in rows:
        figures = out.at(row)
        for name in counts:
            figures.in_progress[name] += row[name] or 0


def _open_direct(out: _Out, scope: Scope, as_of: datetime, dos: str | None) -> None:
    rows = annotate_open_state(scoped(scope).filter(open_at_q(as_of)), as_of)
    for row in _rows(rows, dos, "paused_then", "due_then"):
        out.at(row).in_progress[classify_open(row["paused_then"], row["due_then"], as_of)] += 1
