"""The period report from the aggregates: flows for whole days, snapshots at midnights, and a
direct read of the dossiers only for the part of a day before a non-midnight as-of instant."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from motcua.core.localtime import local_date, start_of_local_day
from motcua.dossiers.states import PAUSED, RUNNING

from .figures import Figures, annotate_open_state, classify_open, open_at_q, scoped
from .models import DailyFlow, OpenSnapshot
from .scope import Period, Scope, is_midnight
from .snapshots import ensure_snapshot

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


def _carried_over(out: _Out, scope: Scope, period: Period, agg: str | None) -> None:
    ensure_snapshot(period.start)
    snap = OpenSnapshot.objects.filter(scope.q(), at=period.start)
    total = Sum(F("within") + F("overdue") + F("paused"))
    for row in _rows(snap, agg).annotate(n=total).order_by():
        out.at(row).carried_over += row["n"] or 0


def _whole_days(out: _Out, scope: Scope, period: Period, until: Any, agg: str | None) -> None:
    flows = DailyFlow.objects.filter(scope.q(), day__gte=period.first, day__lt=until)
    sums = {
        "received": Sum("received"),
        "early": Sum("resolved_early"),
        "on_time": Sum("resolved_on_time"),
        "late": Sum("resolved_late"),
    }
    for row in _rows(flows, agg, "channel").annotate(**sums).order_by():
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
    for row in _rows(snap, agg).annotate(**sums).order_by():
        figures = out.at(row)
        figures.in_progress["within_deadline"] += row["w"] or 0
        figures.in_progress["overdue"] += row["o"] or 0
        figures.in_progress["paused"] += row["p"] or 0


def _open_live(out: _Out, scope: Scope, as_of: datetime, dos: str | None) -> None:
    base = scoped(scope).filter(open_at_q(as_of))
    classes: Iterable[tuple[str, Q]] = (
        ("paused", Q(state__in=PAUSED)),
        ("overdue", Q(state__in=RUNNING, due_at__lt=as_of)),
        ("within_deadline", Q(state__in=RUNNING, due_at__gte=as_of)),
    )
    for name, condition in classes:
        for row in _rows(base.filter(condition), dos).annotate(n=Count("pk")).order_by():
            out.at(row).in_progress[name] += row["n"]


def _open_direct(out: _Out, scope: Scope, as_of: datetime, dos: str | None) -> None:
    rows = annotate_open_state(scoped(scope).filter(open_at_q(as_of)), as_of)
    for row in _rows(rows, dos, "paused_then", "due_then"):
        out.at(row).in_progress[classify_open(row["paused_then"], row["due_then"], as_of)] += 1
