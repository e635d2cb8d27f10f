"""Bottlenecks (statistics.md): which step of which procedure, at which agency, makes dossiers
late — the land registry and the tax office of seed 000, the inter-agency chains of seed 003.

For every workflow step (procedure × step code) at every agency, over the dossier steps that
ENDED in the period (before the as-of instant):
  handled        steps ended
  late           of them, ended after their own due time
  held hours     median and 90th percentile of the WORKING hours each step was held: from its
                 start to its end on the step agency's calendar, pauses of the dossier excluded
                 (the same working time its due time is counted in)
  allotted hours the hours the workflow gives the step (median, when versions differ)
  caused late    dossiers whose lateness the step caused: the dossier was late as of the as-of
                 instant (resolved after its due time, or still open past it), this step was
                 late, and the step started before the dossier was resolved (a result handed
                 back late does not make the dossier late)
Rows are sorted so that the steps that caused the most late dossiers come first. The same
figures per agency follow, over all of its steps.

One query reads the step rows (with their dossier's due and resolution times), one the pauses
of those dossiers; the working-time arithmetic and the percentiles are numpy over the arrays.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import BigIntegerField, FloatField, Func, Q, QuerySet
from django.db.models.functions import Cast

from motcua.agencies.models import Agency
from motcua.catalog.models import Procedure
from motcua.clock.engine import HOUR_US, WorkingCalendar, to_us
from motcua.clock.models import Calendar
from motcua.clock.selectors import working_calendar
from motcua.core.localtime import isoformat_local
from motcua.dossiers.models import DossierStep, Pause
from motcua.dossiers.states import Timeliness

from .figures import percent
from .scope import Period

Int = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Ref:
    code: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class Stats:
    handled: int
    late: int
    held_median: Decimal
    held_p90: Decimal
    allotted: Decimal
    caused: int

    @property
    def late_share(self) -> Decimal | None:
        return percent(self.late, self.handled)

    def as_dict(self) -> dict[str, Any]:
        share = self.late_share
        return {
            "handled": self.handled,
            "late": self.late,
            "late_share": None if share is None else float(share),
            "held_hours": {"median": float(self.held_median), "p90": float(self.held_p90)},
            "allotted_hours": float(self.allotted),
            "caused_late_dossiers": self.caused,
        }


@dataclass(frozen=True)
class StepRow:
    procedure: Ref
    step: Ref
    agency: Ref
    inter_agency: bool
    stats: Stats

    def as_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure.as_dict(),
            "step": self.step.as_dict(),
            "agency": self.agency.as_dict(),
            "inter_agency": self.inter_agency,
            **self.stats.as_dict(),
        }


@dataclass(frozen=True)
class AgencyRow:
    agency: Ref
    stats: Stats

    def as_dict(self) -> dict[str, Any]:
        return {"agency": self.agency.as_dict(), **self.stats.as_dict()}


@dataclass(frozen=True)
class Bottlenecks:
    period: Period
    as_of: datetime
    steps_handled: int
    late_dossiers: int
    steps: list[StepRow]
    agencies: list[AgencyRow]

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        return {
            "period": {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()},
            "as_of": isoformat_local(self.as_of),
            "steps_handled": self.steps_handled,
            "late_dossiers": self.late_dossiers,
            "step_count": len(self.steps),
            "steps": [row.as_dict() for row in self.steps[:limit]],
            "agencies": [row.as_dict() for row in self.agencies[:limit]],
        }


# ----- reading --------------------------------------------------------------------------------
class EpochMicros(Func):
    """An instant as microseconds since the Unix epoch, computed by the database: converting
    hundreds of thousands of datetimes in Python costs seconds, reading integers does not."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # EXTRACT(EPOCH …) is numeric (exact) since PostgreSQL 14.
        return super().as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint",
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as text 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds from strftime,
        # the microseconds from the text ('.000000' supplies them when absent). The percent
        # sign is doubled twice: once for the template, once for the backend's placeholders.
        return super().as_sql(
            compiler,
            connection,
            template="(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000000"
            " + CAST(substr(%(expressions)s || '.000000', 21, 6) AS INTEGER))",
        )


NONE_US = np.iinfo(np.int64).min  # no instant (an open dossier's resolution, a held due time)


def step_rows(
    period: Period,
    as_of: datetime,
    agency_ids: Collection[int] | QuerySet[Any] | None = None,
    procedure_id: int | None = None,
) -> QuerySet[DossierStep]:
    """The dossier steps ended in the period: of the agencies ``agency_ids`` (held there, or
    of a dossier they resolve — an inter-agency step belongs to both ends of the chain)."""
    qs = DossierStep.objects.filter(ended_at__gte=period.start, ended_at__lt=as_of)
    if agency_ids is not None:
        qs = qs.filter(Q(agency_id__in=agency_ids) | Q(dossier__competent_agency_id__in=agency_ids))
    if procedure_id is not None:
        qs = qs.filter(dossier__procedure_id=procedure_id)
    return qs


def _merged_pauses(rows: list[tuple[int, datetime, datetime | None]]) -> dict[int, list[list[int]]]:
    """Each dossier's pauses as disjoint [start, end] µs intervals (end None: still open)."""
    merged: dict[int, list[list[int]]] = {}
    open_end = np.iinfo(np.int64).max
    for dossier_id, start, end in sorted(rows, key=lambda r: (r[0], r[1])):
        s, e = to_us(start), open_end if end is None else to_us(end)
        intervals = merged.setdefault(dossier_id, [])
        if intervals and s <= intervals[-1][1]:
            intervals[-1][1] = max(intervals[-1][1], e)
        else:
            intervals.append([s, e])
    return merged


def _held_us(
    calendars: dict[int | None, WorkingCalendar],
    cal: list[int | None],
    dossier: Int,
    start: Int,
    end: Int,
    pauses: dict[int, list[list[int]]],
) -> Int:
    """Working µs from each step's start to its end on its calendar, minus the working time
    inside the dossier's pauses: ``WorkingCalendar.worked_us`` over arrays."""
    held = np.zeros(len(start), dtype=np.int64)
    # Every (step, pause of its dossier) pair, clipped to the step: few steps have any.
    pair_step: list[int] = []
    pair_start: list[int] = []
    pair_end: list[int] = []
    paused = np.fromiter(pauses, dtype=np.int64, count=len(pauses))
    for i in np.flatnonzero(np.isin(dossier, paused)).tolist():
        for p_start, p_end in pauses[int(dossier[i])]:
            lo, hi = max(p_start, int(start[i])), min(p_end, int(end[i]))
            if hi > lo:
                pair_step.append(i)
                pair_start.append(lo)
                pair_end.append(hi)
    p_step = np.asarray(pair_step, dtype=np.int64)
    p_start_arr = np.asarray(pair_start, dtype=np.int64)
    p_end_arr = np.asarray(pair_end, dtype=np.int64)
    number = {c: n for n, c in enumerate(calendars)}
    cal_of_step = np.fromiter((number[c] for c in cal), dtype=np.int64, count=len(cal))
    for n, calendar in enumerate(calendars.values()):
        here = cal_of_step == n
        if here.any():
            # The engine's own mapping of instants to working offsets, in bulk.
            a = calendar.offsets_bulk(start[here])
            b = calendar.offsets_bulk(end[here])
            held[here] = np.maximum(b - a, 0)
        pairs = cal_of_step[p_step] == n
        if pairs.any():
            inside = calendar.offsets_bulk(p_end_arr[pairs]) - calendar.offsets_bulk(
                p_start_arr[pairs]
            )
            np.subtract.at(held, p_step[pairs], np.maximum(inside, 0))
    return held


def _percentiles(values: Float, groups: Int, size: int, *qs: float) -> list[Float]:
    """Per-group percentiles (linear interpolation between closest ranks, as numpy's default
    and Excel's PERCENTILE.INC), every group having at least one value."""
    order = np.lexsort((values, groups))
    ordered = values[order]
    counts = np.bincount(groups, minlength=size)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = []
    for q in qs:
        pos = starts + q * (counts - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, starts + counts - 1)
        out.append(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))
    return out


def _distinct_count(groups: Int, dossiers: Int, mask: npt.NDArray[np.bool_], size: int) -> Int:
    if not mask.any():
        return np.zeros(size, dtype=np.int64)
    pairs = np.unique(np.stack([groups[mask], dossiers[mask]], axis=1), axis=0)
    return np.bincount(pairs[:, 0], minlength=size)


def _hours(value_us: float) -> Decimal:
    return (Decimal(value_us) / HOUR_US).quantize(CENT, rounding=ROUND_HALF_UP)


def _stats(size: int, groups: Int, t: StepTable) -> list[Stats]:
    handled = np.bincount(groups, minlength=size)
    late_n = np.bincount(groups, weights=t.step_late.astype(np.int64), minlength=size)
    median, p90 = _percentiles(t.held.astype(np.float64), groups, size, 0.5, 0.9)
    (allotted_median,) = _percentiles(t.allotted, groups, size, 0.5)
    caused_n = _distinct_count(groups, t.dossier, t.caused, size)
    return [
        Stats(
            handled=int(handled[g]),
            late=int(late_n[g]),
            held_median=_hours(float(median[g])),
            held_p90=_hours(float(p90[g])),
            allotted=Decimal(float(allotted_median[g])).quantize(CENT, rounding=ROUND_HALF_UP),
            caused=int(caused_n[g]),
        )
        for g in range(size)
    ]


@dataclass
class StepTable:
    """One entry per dossier step ended in the period, as arrays."""

    step: Int  # DossierStep pk
    dossier: Int
    group: Int  # index in ``group_of``
    agency_group: Int  # index in ``agency_of``
    held: Int  # working µs held, pauses excluded
    allotted: Float  # hours
    step_late: npt.NDArray[np.bool_]
    dossier_late: npt.NDArray[np.bool_]  # as of the as-of instant
    caused: npt.NDArray[np.bool_]
    group_of: dict[tuple[int, str, int], int]  # (procedure, step code, agency) → group
    names: dict[int, tuple[str, bool]]  # group → step name, inter-agency
    agency_of: dict[int, int]  # agency pk → agency group


def read_steps(
    period: Period,
    as_of: datetime,
    agency_ids: Collection[int] | QuerySet[Any] | None = None,
    procedure_id: int | None = None,
) -> StepTable:
    qs = step_rows(period, as_of, agency_ids, procedure_id)
    rows = qs.annotate(
        s_us=EpochMicros("started_at"),
        e_us=EpochMicros("ended_at"),
        due_us=EpochMicros("dossier__due_at"),
        res_us=EpochMicros("dossier__resolved_at"),
        allotted=Cast("hours", FloatField()),
    ).values_list(
        "pk",
        "dossier_id",
        "s_us",
        "e_us",
        "due_us",
        "res_us",
        "allotted",
        "dossier__procedure_id",
        "code",
        "agency_id",
        "agency__calendar_id",
        "timeliness",
    )
    # The compiled query run on a cursor: the integers need none of the ORM's per-row converters.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    columns: list[tuple[Any, ...]] = list(zip(*fetched, strict=True)) or [()] * 12
    pk, dossier, start, end = (np.asarray(c, dtype=np.int64) for c in columns[:4])
    due = np.asarray([NONE_US if v is None else v for v in columns[4]], dtype=np.int64)
    resolved = np.asarray([NONE_US if v is None else v for v in columns[5]], dtype=np.int64)
    allotted = np.asarray(columns[6], dtype=np.float64)
    step_late = np.asarray([t == Timeliness.LATE for t in columns[11]], dtype=bool)
    # Late as of the as-of instant: its due time passed and it was not resolved by then.
    open_ = resolved == NONE_US
    dossier_late = (due != NONE_US) & (due < to_us(as_of)) & (open_ | (resolved > due))
    before_resolution = open_ | (start < resolved)
    group_of: dict[tuple[int, str, int], int] = {}
    agency_of: dict[int, int] = {}
    group = np.asarray(
        [
            group_of.setdefault(key, len(group_of))
            for key in zip(columns[7], columns[8], columns[9], strict=True)
        ],
        dtype=np.int64,
    )
    agency_group = np.asarray(
        [agency_of.setdefault(a, len(agency_of)) for a in columns[9]], dtype=np.int64
    )
    cal: list[int | None] = list(columns[10])
    names = _step_names(group_of, group, pk)
    pauses = _merged_pauses(
        list(
            Pause.objects.filter(
                dossier_id__in=qs.values("dossier_id"), start__lt=as_of
            ).values_list("dossier_id", "start", "end")
        )
    )
    held = _held_us(_calendars(set(cal)), cal, dossier, start, end, pauses)
    return StepTable(
        step=pk,
        dossier=dossier,
        group=group,
        agency_group=agency_group,
        held=held,
        allotted=allotted,
        step_late=step_late,
        dossier_late=dossier_late,
        caused=step_late & dossier_late & before_resolution,
        group_of=group_of,
        names=names,
        agency_of=agency_of,
    )


def _step_names(
    group_of: dict[tuple[int, str, int], int], group: Int, pk: Int
) -> dict[int, tuple[str, bool]]:
    """Each group's step name and whether it is inter-agency, from one step of the group."""
    if not group_of:
        return {}
    groups, first = np.unique(group, return_index=True)
    by_pk = {
        step: (name, transfer)
        for step, name, transfer in DossierStep.objects.filter(
            pk__in=pk[first].tolist()
        ).values_list("pk", "name", "transfer")
    }
    return {int(g): by_pk[int(pk[i])] for g, i in zip(groups, first, strict=True)}


def bottlenecks(
    period: Period,
    as_of: datetime,
    agency_ids: Collection[int] | QuerySet[Any] | None = None,
    procedure_id: int | None = None,
) -> Bottlenecks:
    table = read_steps(period, as_of, agency_ids, procedure_id)
    return Bottlenecks(
        period=period,
        as_of=as_of,
        steps_handled=len(table.step),
        late_dossiers=int(np.unique(table.dossier[table.dossier_late]).size),
        steps=_step_rows(table),
        agencies=_agency_rows(table),
    )


def _calendars(ids: set[int | None]) -> dict[int | None, WorkingCalendar]:
    objects = Calendar.objects.in_bulk([i for i in ids if i is not None])
    return {i: working_calendar(objects[i] if i is not None else None) for i in ids}


def _order(stats: Stats, *tie: str) -> tuple[Any, ...]:
    share = stats.late_share or Decimal(0)
    return (-stats.caused, -stats.late, -share, *tie)


def _step_rows(t: StepTable) -> list[StepRow]:
    group_of, names = t.group_of, t.names
    size = len(group_of)
    if not size:
        return []
    stats = _stats(size, t.group, t)
    procedures = {
        pk: Ref(code, name or code)
        for pk, code, name in Procedure.objects.filter(
            pk__in={key[0] for key in group_of}
        ).values_list("pk", "code", "current__name")
    }
    agencies = _agency_refs({key[2] for key in group_of})
    rows = [
        StepRow(
            procedure=procedures[proc],
            step=Ref(code, names[g][0]),
            agency=agencies[agency],
            inter_agency=names[g][1],
            stats=stats[g],
        )
        for (proc, code, agency), g in group_of.items()
    ]
    return sorted(rows, key=lambda r: _order(r.stats, r.procedure.code, r.step.code, r.agency.code))


def _agency_refs(ids: set[int]) -> dict[int, Ref]:
    return {
        pk: Ref(code, name)
        for pk, code, name in Agency.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    }


def _agency_rows(t: StepTable) -> list[AgencyRow]:
    size = len(t.agency_of)
    if not size:
        return []
    stats = _stats(size, t.agency_group, t)
    refs = _agency_refs(set(t.agency_of))
    rows = [AgencyRow(refs[agency], stats[g]) for agency, g in t.agency_of.items()]
    return sorted(rows, key=lambda r: _order(r.stats, r.agency.code))
