"""Due times, timeliness and state of a batch of imported dossiers, computed like the engine's.

Due times come from the clock's bulk path (``WorkingCalendar.due_bulk``), one call per calendar
and batch, with the same inputs as ``clockwork.dossier_due``: the start (the reception, or under
the ``restart`` policy the end of the last supplement), the legal time of the version, its
cut-off and the pauses that count. The few dossiers held by an open pause also go through the
single path for the working time left, exactly as the engine shows it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
import numpy.typing as npt

from motcua.clock.engine import NO_PAUSE, CalendarRangeError, WorkingCalendar, from_us, to_us
from motcua.core.errors import FieldError

from ..clockwork import Interval, dossier_due, step_due
from ..states import Outcome, PauseKind, State, Timeliness
from .lines import Line
from .lookups import Lookups

_LOCAL_US = 7 * 3600 * 1_000_000
_DAY_US = 86_400 * 1_000_000
_OPEN_STATE: dict[str, str] = {
    PauseKind.SUPPLEMENT: State.AWAITING_SUPPLEMENT,
    PauseKind.SUSPENSION: State.SUSPENDED,
}


def state_of(line: Line) -> str:
    """approved → returned when returned_at is given, else result_ready; refused, withdrawn,
    cancelled as named; open → in_progress, or the waiting state of its open pause."""
    if line.outcome == Outcome.APPROVED:
        return State.RETURNED if line.returned_us is not None else State.RESULT_READY
    if line.outcome:
        return line.outcome  # refused, withdrawn, cancelled: states of the same name
    if line.pauses and line.pauses[-1][2] is None:
        return _OPEN_STATE[line.pauses[-1][0]]
    return State.IN_PROGRESS


def classify_bulk(resolved: npt.NDArray[np.int64], due: npt.NDArray[np.int64]) -> list[str]:
    """``clockwork.classify`` on arrays (tested equal): late after the due time, early on an
    earlier local day, on time otherwise."""
    late = resolved > due
    early = ~late & ((resolved + _LOCAL_US) // _DAY_US < (due + _LOCAL_US) // _DAY_US)
    out = np.where(late, Timeliness.LATE.value, Timeliness.ON_TIME.value).astype(object)
    out[early] = Timeliness.EARLY.value
    return list(out)


def _inputs(line: Line) -> tuple[int, list[tuple[int, int | None]], int | None]:
    """Start of the clock, the pauses that count (``clockwork.dossier_due``: all but the
    completed supplements under ``restart``) and the restart instant."""
    restarted = None
    for kind, _start, end in line.pauses:
        if kind == PauseKind.SUPPLEMENT and end is not None:
            restarted = end  # the engine records the last completed supplement
    restart = line.version.restart
    counted: list[tuple[int, int | None]] = [
        (start, end)
        for kind, start, end in line.pauses
        if not (restart and kind == PauseKind.SUPPLEMENT and end is not None)
    ]
    start = restarted if restart and restarted is not None else line.received_us
    return start, counted, restarted


def derive(lines: list[Line], lookups: Lookups) -> list[tuple[Line, list[FieldError]]]:
    """Fill the derived fields of ``lines`` in place; returns the lines whose due time falls
    outside the working calendar, with the reason (they are not imported)."""
    groups: dict[int | None, list[Line]] = defaultdict(list)
    for line in lines:
        groups[line.agency.calendar_id].append(line)
    failed: list[tuple[Line, list[FieldError]]] = []
    for calendar_id, group in groups.items():
        calendar = lookups.calendar(calendar_id)
        failed.extend(_group(calendar, group, lookups))
    return failed


def _group(
    calendar: WorkingCalendar, group: list[Line], lookups: Lookups
) -> list[tuple[Line, list[FieldError]]]:
    n = len(group)
    starts = np.empty(n, dtype=np.int64)
    amounts = np.empty(n, dtype=np.int64)
    cutoffs = np.empty(n, dtype=np.int64)
    inputs = [_inputs(line) for line in group]
    width = max([len(counted) for _s, counted, _r in inputs] + [1])
    p_start = np.full((n, width), NO_PAUSE, dtype=np.int64)
    p_end = np.full((n, width), NO_PAUSE, dtype=np.int64)
    for row, (line, (start, counted, restarted)) in enumerate(zip(group, inputs, strict=True)):
        starts[row] = start
        amounts[row] = line.version.amount_us
        cutoffs[row] = line.version.cutoff_s
        line.restarted_us = restarted
        for col, (a, b) in enumerate(counted):
            p_start[row, col] = a
            p_end[row, col] = b if b is not None else NO_PAUSE
    failed: list[tuple[Line, list[FieldError]]] = []
    try:
        due = calendar.due_bulk(starts, amounts, cutoffs, p_start, p_end)
    except CalendarRangeError:
        due, failed = _one_by_one(calendar, group, inputs)
    bad = {id(line) for line, _errors in failed}
    resolved_rows: list[int] = []
    for row, (line, (start, counted, _r)) in enumerate(zip(group, inputs, strict=True)):
        if id(line) in bad:
            continue
        computed = int(due[row])
        if computed == NO_PAUSE:
            # An open pause holds the clock: no due time now; the events keep the one it had
            # before the pause, which the statistics read for the instants before it.
            closed = [p for p in counted if p[1] is not None]
            cutoff = line.version.cutoff_s if line.version.cutoff_s >= 0 else None
            try:
                before = calendar.due_us(start, line.version.amount_us, cutoff, closed)
            except CalendarRangeError as exc:
                failed.append((line, [FieldError("received_at", str(exc))]))
                continue
            line.event_due_us = line.due_us if line.due_us is not None else before
            line.dossier_due_us = None
            _held(calendar, line)
        else:
            line.event_due_us = line.due_us if line.due_us is not None else computed
            line.dossier_due_us = line.event_due_us
        line.state = state_of(line)
        if line.pauses and line.pauses[-1][2] is None:
            _supplement_limit(line, lookups)
        if line.resolved_us is not None:
            resolved_rows.append(row)
    if resolved_rows:
        resolved = np.array([group[r].resolved_us for r in resolved_rows], dtype=np.int64)
        dues = np.array([group[r].event_due_us for r in resolved_rows], dtype=np.int64)
        for r, timeliness in zip(resolved_rows, classify_bulk(resolved, dues), strict=True):
            group[r].timeliness = timeliness
    return failed


def _one_by_one(
    calendar: WorkingCalendar,
    group: list[Line],
    inputs: list[tuple[int, list[tuple[int, int | None]], int | None]],
) -> tuple[npt.NDArray[np.int64], list[tuple[Line, list[FieldError]]]]:
    """The single path, line by line, to tell which lines fall outside the calendar."""
    due = np.zeros(len(group), dtype=np.int64)
    failed: list[tuple[Line, list[FieldError]]] = []
    for row, (line, (start, counted, _restarted)) in enumerate(zip(group, inputs, strict=True)):
        cutoff = line.version.cutoff_s if line.version.cutoff_s >= 0 else None
        try:
            value = calendar.due_us(start, line.version.amount_us, cutoff, counted)
        except CalendarRangeError as exc:
            failed.append((line, [FieldError("received_at", str(exc))]))
            continue
        due[row] = NO_PAUSE if value is None else value
    return due, failed


def _dt(us: int | None) -> datetime | None:
    return None if us is None else from_us(us)


def _held(calendar: WorkingCalendar, line: Line) -> None:
    """The working time left when the clock stopped, as the engine shows it."""
    intervals = [Interval(kind, from_us(start), _dt(end)) for kind, start, end in line.pauses]
    received = from_us(line.received_us)
    due = dossier_due(calendar, line.version.obj, received, intervals, _dt(line.restarted_us))
    line.remaining_hours = due.remaining_hours


def _supplement_limit(line: Line, lookups: Lookups) -> None:
    """An open supplement request: the limit the engine set when it was made (the centre's
    calendar, the version's limit in working days)."""
    kind, start, _end = line.pauses[-1]
    if kind != PauseKind.SUPPLEMENT:
        return
    centre = lookups.agencies_by_id[line.agency.centre_id]
    limit = line.version.obj.supplement_limit_days
    supplement_due = lookups.calendar(centre.calendar_id).due(from_us(start), days=limit)
    line.supplement_due_us = None if supplement_due is None else to_us(supplement_due)


def open_step_due(line: Line, lookups: Lookups) -> int | None:
    """Due time of the processing step an open dossier is placed at (started when received)."""
    step = lookups.steps.get(line.version.id)
    if step is None:
        return None
    calendar = lookups.calendar(line.agency.calendar_id)
    intervals = [Interval(kind, from_us(start), _dt(end)) for kind, start, end in line.pauses]
    due = step_due(calendar, from_us(line.received_us), step.hours, intervals)
    return None if due is None else to_us(due)
