"""Properties of the working-time engine over random starts, amounts, cut-offs and pauses.

Starts are any minute of 2020–2030 (nights, weekends, holidays included, and biased towards
office-hour boundaries and days off); amounts 0.25 h … 30 working days; 0–3 pauses that may
overlap, begin before the start, or be open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.clock.engine import (
    DAY_US,
    HOUR_US,
    LOCAL_OFFSET_US,
    NO_PAUSE,
    US,
    WORKING_DAY_HOURS,
    to_us,
)
from motcua.core.localtime import LOCAL_TZ

from .support import package_calendar

CAL = package_calendar()
MINUTE = 60 * US
FIRST = to_us(datetime(2020, 1, 1, tzinfo=LOCAL_TZ))
LAST = to_us(datetime(2031, 1, 1, tzinfo=LOCAL_TZ)) - MINUTE
OFF_DAYS = sorted(d for d in CAL.non_working if date(2020, 1, 1) <= d <= date(2030, 12, 31))
SWAPPED_SATURDAYS = [date(2024, 5, 4), date(2025, 4, 26), date(2026, 8, 22)]
EDGES = [0, 6 * 60, 7 * 60 + 29, 7 * 60 + 30, 11 * 60 + 30, 12 * 60, 13 * 60, 17 * 60, 23 * 60 + 59]

PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _at(day: date, minute_of_day: int) -> int:
    return to_us(datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)) + minute_of_day * MINUTE


any_minute = st.integers(FIRST // MINUTE, LAST // MINUTE).map(lambda m: m * MINUTE)
special_day = st.sampled_from(OFF_DAYS + SWAPPED_SATURDAYS)
edge_instant = st.builds(
    _at,
    st.one_of(special_day, st.dates(date(2020, 1, 1), date(2030, 12, 31))),
    st.one_of(st.sampled_from(EDGES), st.integers(0, 24 * 60 - 1)),
)
starts = st.one_of(any_minute, edge_instant)
amounts = st.one_of(
    st.integers(1, 30 * WORKING_DAY_HOURS * 4).map(lambda q: q * 15 * MINUTE),  # quarter hours
    st.integers(15 * MINUTE, 30 * WORKING_DAY_HOURS * HOUR_US),  # any microsecond
)
cutoffs = st.one_of(st.none(), st.integers(0, 24 * 60 - 1).map(lambda m: m * 60))


@dataclass(frozen=True)
class Request:
    start: int
    amount: int
    cutoff: int | None
    pauses: tuple[tuple[int, int | None], ...]

    def due(self) -> int | None:
        return CAL.due_us(self.start, self.amount, self.cutoff, self.pauses)


@st.composite
def pauses_near(draw: st.DrawFn, start: int, allow_open: bool = True) -> tuple:
    result: list[tuple[int, int | None]] = []
    for _ in range(draw(st.integers(0, 3))):
        p_start = start + draw(st.integers(-5 * 24 * 60, 45 * 24 * 60)) * MINUTE
        if allow_open and draw(st.integers(0, 5)) == 0:
            result.append((p_start, None))
        else:
            result.append((p_start, p_start + draw(st.integers(0, 10 * 24 * 60)) * MINUTE))
    return tuple(result)


@st.composite
def requests(draw: st.DrawFn, allow_open: bool = True) -> Request:
    start = draw(starts)
    cutoff = draw(cutoffs)
    if cutoff is not None and draw(st.booleans()):
        # Received exactly at the cut-off (not after it: the clock starts the same day).
        local_us = start + LOCAL_OFFSET_US
        start = local_us - local_us % DAY_US - LOCAL_OFFSET_US + cutoff * US
    return Request(
        start=start,
        amount=draw(amounts),
        cutoff=cutoff,
        pauses=draw(pauses_near(start, allow_open)),
    )


def _local_day_and_tod(t_us: int) -> tuple[date, int]:
    local_us = t_us + LOCAL_OFFSET_US
    day = local_us // DAY_US
    return date(1970, 1, 1) + timedelta(days=day), local_us - day * DAY_US


def _in_office_hours(tod_us: int, *, at_end: bool) -> bool:
    """``at_end``: (a, b] — a due time; otherwise [a, b) — where a clock starts."""
    if at_end:
        return any(a < tod_us <= b for a, b in CAL.periods_us)
    return any(a <= tod_us < b for a, b in CAL.periods_us)


@PROPS
@given(requests())
def test_due_is_inside_office_hours_or_at_a_period_end_on_a_working_day(req: Request) -> None:
    due = req.due()
    if due is None:
        return
    day, tod = _local_day_and_tod(due)
    assert CAL.is_working_day(day), (req, day)
    assert _in_office_hours(tod, at_end=True), (req, tod / HOUR_US)
    assert due > req.start


@PROPS
@given(requests())
def test_working_time_from_counted_start_to_due_equals_the_amount(req: Request) -> None:
    due = req.due()
    if due is None:
        return
    counted = CAL.start_instant_us(req.start, req.cutoff)
    assert counted >= req.start
    day, tod = _local_day_and_tod(counted)
    assert CAL.is_working_day(day)
    assert _in_office_hours(tod, at_end=False)
    assert CAL.offset(counted) == CAL.start_offset(req.start, req.cutoff)
    assert CAL.worked_us(counted, due, req.pauses) == req.amount
    # The due time is the FIRST instant the amount is reached (the period-end boundary rule).
    assert CAL.worked_us(counted, due - 1, req.pauses) == req.amount - 1


@PROPS
@given(requests(), amounts)
def test_more_working_time_never_gives_an_earlier_due_time(req: Request, extra: int) -> None:
    low = req.due()
    high = CAL.due_us(req.start, req.amount + extra, req.cutoff, req.pauses)
    if low is None:
        assert high is None  # held by an open pause either way
    elif high is not None:
        assert high > low


@PROPS
@given(requests(), st.integers(0, 20 * 24 * 60))
def test_a_later_start_never_gives_an_earlier_due_time(req: Request, delay_minutes: int) -> None:
    later = min(req.start + delay_minutes * MINUTE, LAST)
    early_due = req.due()
    late_due = CAL.due_us(later, req.amount, req.cutoff, req.pauses)
    if early_due is None:
        assert late_due is None
    elif late_due is not None:
        assert late_due >= early_due


@PROPS
@given(starts, amounts, amounts)
def test_amounts_add_up_without_pauses(start: int, first: int, second: int) -> None:
    at_once = CAL.due_us(start, first + second)
    in_two = CAL.due_us(CAL.due_us(start, first), second)
    assert at_once == in_two


@PROPS
@given(requests(allow_open=False), st.integers(0, 10_000))
def test_an_open_pause_holds_the_clock_only_if_it_starts_before_the_due_time(
    req: Request, fraction: int
) -> None:
    due = req.due()
    assert due is not None
    counted = CAL.start_instant_us(req.start, req.cutoff)
    before = counted + (due - counted) * fraction // 10_001  # in [counted, due)
    assert CAL.due_us(req.start, req.amount, req.cutoff, (*req.pauses, (before, None))) is None
    assert CAL.due_us(req.start, req.amount, req.cutoff, (*req.pauses, (due, None))) == due


def _bulk(batch: list[Request]) -> list[int | None]:
    width = max([len(r.pauses) for r in batch] + [1])
    p_start = np.full((len(batch), width), NO_PAUSE, dtype=np.int64)
    p_end = np.full((len(batch), width), NO_PAUSE, dtype=np.int64)
    for i, r in enumerate(batch):
        for j, (a, b) in enumerate(r.pauses):
            p_start[i, j] = a
            p_end[i, j] = NO_PAUSE if b is None else b
    result = CAL.due_bulk(
        [r.start for r in batch],
        [r.amount for r in batch],
        [-1 if r.cutoff is None else r.cutoff for r in batch],
        p_start,
        p_end,
    )
    return [None if v == NO_PAUSE else int(v) for v in result]


@PROPS
@given(st.lists(requests(), min_size=1, max_size=40))
def test_bulk_path_equals_single_path(batch: list[Request]) -> None:
    assert _bulk(batch) == [r.due() for r in batch]


@PROPS
@given(st.lists(st.tuples(starts, amounts), min_size=1, max_size=40))
def test_bulk_path_without_cutoffs_or_pauses_equals_single_path(
    batch: list[tuple[int, int]],
) -> None:
    result = CAL.due_bulk([s for s, _ in batch], [a for _, a in batch])
    assert result.tolist() == [CAL.due_us(s, a) for s, a in batch]


@PROPS
@given(requests(allow_open=False))
def test_due_accepts_datetimes_and_gives_the_same_instant(req: Request) -> None:
    from motcua.clock.engine import Pause, from_us

    due = CAL.due(
        from_us(req.start),
        hours=req.amount / HOUR_US,
        cutoff=None
        if req.cutoff is None
        else f"{req.cutoff // 3600:02d}:{req.cutoff // 60 % 60:02d}",
        pauses=[Pause(from_us(a), None if b is None else from_us(b)) for a, b in req.pauses],
    )
    expected = req.due()
    assert due is not None
    assert expected is not None
    assert due.utcoffset() == timedelta(hours=7)
    assert abs(to_us(due) - expected) <= 1  # hours as a float may round by 1 µs


# --- numpy's business-day arithmetic, as calendar.md states it --------------------------------


@PROPS
@given(starts, st.integers(1, 30))
def test_whole_days_land_on_numpy_busday_offset_backward(start: int, days: int) -> None:
    """calendar.md: busday_offset(weekmask='1111111', every non-working date as a holiday,
    roll='backward') gives the day arithmetic. A start at or before the first opening of a
    working day counts that day in full, so it lands one day earlier."""
    due = CAL.due_us(start, days * WORKING_DAY_HOURS * HOUR_US)
    assert due is not None
    day, tod = _local_day_and_tod(start)
    whole_first_day = CAL.is_working_day(day) and tod <= CAL.periods_us[0][0]
    expected = np.busday_offset(
        np.datetime64(day, "D"),
        days - 1 if whole_first_day else days,
        roll="backward",
        busdaycal=CAL.busdaycal,
    )
    assert _local_day_and_tod(due)[0] == expected.astype(date)


@PROPS
@given(st.integers(0, len(CAL.working_days) - 1))
def test_the_kth_working_day_is_numpy_busday_offset_from_the_first_day(k: int) -> None:
    got = np.busday_offset(
        np.datetime64(CAL.first_day, "D"), k, roll="forward", busdaycal=CAL.busdaycal
    )
    assert (got - np.datetime64("1970-01-01", "D")).astype(int) == CAL.working_days[k]


def test_precomputed_day_tables_match_the_working_day_list() -> None:
    import bisect

    for n in range(CAL._first_ord, CAL._last_ord + 1):
        i = bisect.bisect_left(CAL.working_days, n)
        assert CAL._index_of_day[n - CAL._first_ord] == i
        working = i < len(CAL.working_days) and CAL.working_days[i] == n
        assert bool(CAL._is_working_day[n - CAL._first_ord]) == working
