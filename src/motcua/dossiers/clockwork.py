"""Due times and timeliness, derived — never stored as flags that change nothing.

A dossier's due time follows from: when it was received, the legal time of its procedure
version, the cut-off, the pauses (supplement pauses only under the ``pause`` policy; suspensions
always), the restart instant under the ``restart`` policy, and the competent agency's calendar.
A step's due time follows from when it started, its allotted hours and the pauses during it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from motcua.agencies.models import Agency
from motcua.catalog.models import ProcedureVersion, SupplementPolicy
from motcua.clock.engine import HOUR_US, WorkingCalendar, from_us, parse_hhmm, to_us
from motcua.clock.selectors import working_calendar
from motcua.core.localtime import local_date

from .states import PauseKind, Timeliness


@dataclass(frozen=True)
class Interval:
    kind: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class DueTime:
    due_at: datetime | None  # None while an open pause holds the clock
    remaining_hours: Decimal | None  # working time left, when the clock is held


def calendar_for(agency: Agency) -> WorkingCalendar:
    """The compiled calendar an agency works on (its own, or the deployment's default)."""
    return working_calendar(agency.calendar if agency.calendar_id else None)


def legal_us(version: ProcedureVersion) -> int:
    return int(version.processing_hours * HOUR_US)


def _raw(pauses: Iterable[Interval]) -> list[tuple[int, int | None]]:
    return [(to_us(p.start), None if p.end is None else to_us(p.end)) for p in pauses]


def dossier_due(
    calendar: WorkingCalendar,
    version: ProcedureVersion,
    received_at: datetime,
    pauses: Sequence[Interval],
    restarted_at: datetime | None = None,
) -> DueTime:
    """The legal due time of a dossier (see module docstring)."""
    amount = legal_us(version)
    cutoff = parse_hhmm(version.cutoff.strftime("%H:%M")) if version.cutoff else None
    restart = version.supplement_policy == SupplementPolicy.RESTART
    start = received_at
    counted: list[Interval] = []
    for pause in pauses:
        if restart and pause.kind == PauseKind.SUPPLEMENT and pause.end is not None:
            continue  # under `restart` a completed supplement restarts the clock instead
        counted.append(pause)
    if restart and restarted_at is not None:
        start = restarted_at
        counted = [p for p in counted if p.end is None or p.end > restarted_at]
    raw = _raw(counted)
    due = calendar.due_us(to_us(start), amount, cutoff, raw)
    if due is not None:
        return DueTime(from_us(due), None)
    # Held by an open pause: how much working time was left when the clock stopped.
    open_start = min(to_us(p.start) for p in counted if p.end is None)
    begin = calendar.start_offset(to_us(start), cutoff)
    worked = calendar.offset(open_start) - begin
    for p_start, p_end in raw:
        if p_end is not None and p_start < open_start:
            lo = max(calendar.offset(p_start), begin)
            hi = min(calendar.offset(p_end), calendar.offset(open_start))
            worked -= max(0, hi - lo)
    remaining = max(0, amount - max(0, worked))
    return DueTime(None, (Decimal(remaining) / HOUR_US).quantize(Decimal("0.01")))


def step_due(
    calendar: WorkingCalendar, started_at: datetime, hours: Decimal, pauses: Sequence[Interval]
) -> datetime | None:
    amount = int(hours * HOUR_US)
    if amount <= 0:
        return started_at
    relevant = [p for p in pauses if p.end is None or p.end > started_at]
    due = calendar.due_us(to_us(started_at), amount, None, _raw(relevant))
    return None if due is None else from_us(due)


def classify(resolved_at: datetime, due_at: datetime | None) -> str:
    """Early: resolved on an earlier local day than the due day; on time: on the due day at or
    before the due time; late: after the due time (dossier-lifecycle.md, Timeliness)."""
    if due_at is None:
        return Timeliness.ON_TIME  # the clock was held: no working time ran out
    if resolved_at > due_at:
        return Timeliness.LATE
    if local_date(resolved_at) < local_date(due_at):
        return Timeliness.EARLY
    return Timeliness.ON_TIME
