"""Due times worked out by hand (never by the engine) on the default office hours,
07:30–11:30 and 13:00–17:00. March 2026: Mon 9, Tue 10, Wed 11, Thu 12, Fri 13, Sat 14,
Sun 15, Mon 16, Tue 17."""

from __future__ import annotations

from datetime import time

import pytest

from motcua.clock.engine import (
    CalendarRangeError,
    Pause,
    WorkingCalendar,
    amount_to_us,
    parse_hhmm,
)
from motcua.core.localtime import isoformat_local

from .support import local as L
from .support import package_calendar

CAL = package_calendar()


def due(
    start: str,
    *,
    hours: float | None = None,
    days: float | None = None,
    cutoff: str | None = None,
    pauses: tuple[tuple[str, str | None], ...] = (),
    restart: str | None = None,
) -> str | None:
    result = CAL.due(
        L(start),
        hours=hours,
        days=days,
        cutoff=cutoff,
        pauses=[Pause(L(a), None if b is None else L(b)) for a, b in pauses],
        restart_at=None if restart is None else L(restart),
    )
    return None if result is None else isoformat_local(result)


# --- the examples of calendar.md ----------------------------------------------------------


def test_spec_example_received_mid_morning() -> None:
    # 1.5 h before lunch, 2.5 h after.
    assert due("2026-03-10 10:00", hours=4) == "2026-03-10T15:30:00+07:00"


def test_spec_example_pause() -> None:
    # 10 h before the pause (Mon 7.5 + Tue 2.5), 14 h after (Thu 5.5 + Fri 8 + Mon 0.5).
    pause = (("2026-03-10 10:00", "2026-03-12 10:00"),)
    assert due("2026-03-09 08:00", days=3, pauses=pause) == "2026-03-16T08:00:00+07:00"


def test_spec_example_restart() -> None:
    # 24 h from Thu 10:00: Thu 5.5 + Fri 8 + Mon 8 + Tue 2.5.
    pause = (("2026-03-10 10:00", "2026-03-12 10:00"),)
    got = due("2026-03-09 08:00", days=3, pauses=pause, restart="2026-03-12 10:00")
    assert got == "2026-03-17T10:00:00+07:00"


def test_spec_example_received_in_the_evening() -> None:
    assert due("2026-03-10 18:30", days=1) == "2026-03-11T17:00:00+07:00"


# --- boundaries, and starts outside office hours ------------------------------------------

TABLE = [
    # start, hours, expected due: the period-end boundary rule
    ("2026-03-10 10:00", 1.5, "2026-03-10T11:30:00+07:00"),  # 11:30, not 13:00
    ("2026-03-10 13:00", 4, "2026-03-10T17:00:00+07:00"),  # 17:00, not Wed 07:30
    ("2026-03-10 07:30", 4, "2026-03-10T11:30:00+07:00"),
    ("2026-03-10 07:30", 8, "2026-03-10T17:00:00+07:00"),
    ("2026-03-10 07:30", 12, "2026-03-11T11:30:00+07:00"),
    ("2026-03-10 16:59", 1 / 60, "2026-03-10T17:00:00+07:00"),
    ("2026-03-10 11:29", 1 / 60, "2026-03-10T11:30:00+07:00"),
    # starts on a boundary or outside office hours
    ("2026-03-10 11:30", 1, "2026-03-10T14:00:00+07:00"),  # clock starts at 13:00
    ("2026-03-10 17:00", 1, "2026-03-11T08:30:00+07:00"),  # clock starts Wed 07:30
    ("2026-03-10 12:00", 2, "2026-03-10T15:00:00+07:00"),  # lunch
    ("2026-03-10 12:59", 0.25, "2026-03-10T13:15:00+07:00"),
    ("2026-03-10 20:00", 2, "2026-03-11T09:30:00+07:00"),  # evening
    ("2026-03-10 05:00", 2, "2026-03-10T09:30:00+07:00"),  # before opening
    ("2026-03-10 00:00", 0.5, "2026-03-10T08:00:00+07:00"),  # midnight
    ("2026-03-14 10:00", 8, "2026-03-16T17:00:00+07:00"),  # Saturday
    ("2026-03-15 23:59", 0.25, "2026-03-16T07:45:00+07:00"),  # Sunday night
    ("2026-03-13 16:00", 2, "2026-03-16T08:30:00+07:00"),  # Friday over the weekend
    ("2026-03-13 16:00", 1, "2026-03-13T17:00:00+07:00"),  # Friday, up to 17:00 exactly
    # holidays: 30 Apr (Thu) and 1 May (Fri) 2026, then the weekend
    ("2026-04-30 09:00", 8, "2026-05-04T17:00:00+07:00"),
    ("2026-04-29 16:00", 2, "2026-05-04T08:30:00+07:00"),
    # Hùng Kings' day 2026 is a Sunday (26 Apr), compensated on Monday 27 Apr
    ("2026-04-24 14:00", 8, "2026-04-28T14:00:00+07:00"),
    # New Year: Thu 1 Jan 2026
    ("2025-12-31 16:00", 2, "2026-01-02T08:30:00+07:00"),
    # Vietnamese Culture Day, Tue 24 Nov 2026 (a holiday since 2026)
    ("2026-11-23 16:00", 2, "2026-11-25T08:30:00+07:00"),
    # fractional days and hours
    ("2026-03-10 07:30", 12.5, "2026-03-11T13:30:00+07:00"),
]


@pytest.mark.parametrize(("start", "hours", "expected"), TABLE)
def test_table(start: str, hours: float, expected: str) -> None:
    assert due(start, hours=hours) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-03-10 07:30", 1.5, "2026-03-11T11:30:00+07:00"),
        ("2026-03-10 13:00", 0.5, "2026-03-10T17:00:00+07:00"),
        ("2026-03-10 10:00", 0.25, "2026-03-10T13:30:00+07:00"),  # 2 h: 1.5 + 0.5
        ("2026-03-09 08:00", 5, "2026-03-16T08:00:00+07:00"),
    ],
)
def test_fractional_working_days(start: str, days: float, expected: str) -> None:
    assert due(start, days=days) == expected


def test_an_instant_with_another_offset_is_the_same_instant() -> None:
    from datetime import datetime

    start = datetime.fromisoformat("2026-03-10T03:00:00+00:00")  # 10:00 in Hà Nội
    assert isoformat_local(CAL.due(start, hours=4)) == "2026-03-10T15:30:00+07:00"


# --- cut-off ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "cutoff", "hours", "expected"),
    [
        ("2026-03-10 14:59", "15:00", 1, "2026-03-10T15:59:00+07:00"),  # before
        ("2026-03-10 15:00", "15:00", 1, "2026-03-10T16:00:00+07:00"),  # exactly at: same day
        ("2026-03-10 15:01", "15:00", 1, "2026-03-11T08:30:00+07:00"),  # after: next day
        ("2026-03-13 15:30", "15:00", 8, "2026-03-16T17:00:00+07:00"),  # Friday after
        ("2026-03-14 16:00", "15:00", 1, "2026-03-16T08:30:00+07:00"),  # Saturday: no effect
        ("2026-03-10 17:30", "18:00", 1, "2026-03-11T08:30:00+07:00"),  # closed anyway
        ("2026-03-10 08:00", "07:00", 1, "2026-03-11T08:30:00+07:00"),  # early cut-off
        ("2026-04-29 15:30", "15:00", 1, "2026-05-04T08:30:00+07:00"),  # before 2 holidays
    ],
)
def test_cutoff(start: str, cutoff: str, hours: float, expected: str) -> None:
    assert due(start, hours=hours, cutoff=cutoff) == expected


def test_cutoff_as_a_time_object_as_stored_on_a_procedure() -> None:
    assert (
        isoformat_local(CAL.due(L("2026-03-10 15:01"), hours=1, cutoff=time(15, 0)))
        == "2026-03-11T08:30:00+07:00"
    )


@pytest.mark.parametrize(
    ("start", "cutoff", "counted_from"),
    [
        ("2026-03-10 10:00", None, "2026-03-10T10:00:00+07:00"),
        ("2026-03-10 11:30", None, "2026-03-10T13:00:00+07:00"),
        ("2026-03-10 12:15", None, "2026-03-10T13:00:00+07:00"),
        ("2026-03-10 17:00", None, "2026-03-11T07:30:00+07:00"),
        ("2026-03-10 06:00", None, "2026-03-10T07:30:00+07:00"),
        ("2026-03-14 10:00", None, "2026-03-16T07:30:00+07:00"),
        ("2026-03-10 15:00", "15:00", "2026-03-10T15:00:00+07:00"),
        ("2026-03-10 15:01", "15:00", "2026-03-11T07:30:00+07:00"),
        ("2026-04-29 18:00", None, "2026-05-04T07:30:00+07:00"),
    ],
)
def test_counted_from(start: str, cutoff: str | None, counted_from: str) -> None:
    from motcua.clock.engine import from_us, to_us

    cutoff_s = None if cutoff is None else parse_hhmm(cutoff)
    assert isoformat_local(from_us(CAL.start_instant_us(to_us(L(start)), cutoff_s))) == (
        counted_from
    )


# --- pauses -------------------------------------------------------------------------------

PAUSES = [
    # a pause inside a weekend changes nothing: Fri 5.5 h + Mon 2.5 h
    (
        "2026-03-13 10:00",
        8,
        (("2026-03-14 08:00", "2026-03-15 20:00"),),
        "2026-03-16T10:00:00+07:00",
    ),
    # ends in the evening: 1 h before it, the clock resumes Wed 07:30 for 7 h
    (
        "2026-03-10 08:00",
        8,
        (("2026-03-10 09:00", "2026-03-10 18:00"),),
        "2026-03-11T16:00:00+07:00",
    ),
    # began before the start: the clock starts when it ends
    (
        "2026-03-10 10:00",
        2,
        (("2026-03-09 09:00", "2026-03-11 09:00"),),
        "2026-03-11T11:00:00+07:00",
    ),
    # overlapping pauses: 1 h, then from Wed 08:00 3 h
    (
        "2026-03-10 08:00",
        4,
        (("2026-03-10 09:00", "2026-03-10 14:00"), ("2026-03-10 13:30", "2026-03-11 08:00")),
        "2026-03-11T11:00:00+07:00",
    ),
    # a pause beginning exactly at the due time does not move it
    (
        "2026-03-10 10:00",
        4,
        (("2026-03-10 15:30", "2026-03-10 16:30"),),
        "2026-03-10T15:30:00+07:00",
    ),
    # a pause over lunch only changes nothing
    (
        "2026-03-10 10:00",
        4,
        (("2026-03-10 12:00", "2026-03-10 12:45"),),
        "2026-03-10T15:30:00+07:00",
    ),
    # a pause after the due time changes nothing
    (
        "2026-03-10 10:00",
        4,
        (("2026-03-11 08:00", "2026-03-12 08:00"),),
        "2026-03-10T15:30:00+07:00",
    ),
    # an empty pause changes nothing
    (
        "2026-03-10 10:00",
        4,
        (("2026-03-10 11:00", "2026-03-10 11:00"),),
        "2026-03-10T15:30:00+07:00",
    ),
    # paused 1 h inside office hours: due 1 h later
    (
        "2026-03-10 10:00",
        4,
        (("2026-03-10 14:00", "2026-03-10 15:00"),),
        "2026-03-10T16:30:00+07:00",
    ),
    # open pause before the due time: no due time while paused
    ("2026-03-10 10:00", 4, (("2026-03-10 14:00", None),), None),
    # open pause from the due time on: the amount is already used up
    ("2026-03-10 10:00", 4, (("2026-03-10 15:30", None),), "2026-03-10T15:30:00+07:00"),
]


@pytest.mark.parametrize(("start", "hours", "pauses", "expected"), PAUSES)
def test_pauses(start: str, hours: float, pauses: tuple, expected: str | None) -> None:
    assert due(start, hours=hours, pauses=pauses) == expected


def test_restart_applies_the_cutoff_to_the_restart_instant() -> None:
    # Complete dossier received Thu 16:00 after a 15:00 cut-off: counted from Fri 07:30,
    # then Fri + Mon + Tue.
    got = due("2026-03-09 08:00", days=3, cutoff="15:00", restart="2026-03-12 16:00")
    assert got == "2026-03-17T17:00:00+07:00"


def test_restart_still_counts_a_later_suspension() -> None:
    # 24 h from Thu 10:00, suspended Mon 16 all day: one more working day.
    got = due(
        "2026-03-09 08:00",
        days=3,
        restart="2026-03-12 10:00",
        pauses=(("2026-03-16 07:30", "2026-03-16 17:00"),),
    )
    assert got == "2026-03-18T10:00:00+07:00"


# --- other office hours and errors --------------------------------------------------------


def test_other_office_hours() -> None:
    # 08:00–12:00 and 13:30–17:30: Tue 07:45 + 4 h → 12:00 (13:15 on the default hours);
    # from lunch at 12:00, 4 h → 17:30 (17:00 on the default hours).
    cal = WorkingCalendar(
        [(8 * 3600, 12 * 3600), (13 * 3600 + 1800, 17 * 3600 + 1800)],
        CAL.non_working,
        2015,
        2035,
    )
    assert isoformat_local(cal.due(L("2026-03-10 07:45"), hours=4)) == ("2026-03-10T12:00:00+07:00")
    assert isoformat_local(cal.due(L("2026-03-10 12:00"), hours=4)) == ("2026-03-10T17:30:00+07:00")


def test_one_working_day_is_eight_hours_whatever_the_office_hours() -> None:
    # A single 07:00–11:00 period (4 h a day): 1 working day (8 h) takes two days.
    cal = WorkingCalendar([(7 * 3600, 11 * 3600)], CAL.non_working, 2015, 2035)
    assert isoformat_local(cal.due(L("2026-03-10 07:00"), days=1)) == ("2026-03-11T11:00:00+07:00")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"hours": 1, "days": 1},
        {"hours": 0},
        {"days": -1},
        {"hours": float("nan")},
        {"hours": float("inf")},
        {"hours": 1e308},
    ],
)
def test_bad_amounts_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        amount_to_us(**kwargs)


def test_outside_the_calendar_range() -> None:
    with pytest.raises(CalendarRangeError):
        CAL.due(L("2014-12-31 10:00"), hours=1)
    with pytest.raises(CalendarRangeError):
        CAL.due(L("2035-12-31 10:00"), days=5)  # due in 2036
    with pytest.raises(CalendarRangeError):
        CAL.due(L("2036-01-02 10:00"), hours=1)


def test_bad_office_hours_are_refused() -> None:
    for periods in ([], [(10 * 3600, 9 * 3600)], [(8 * 3600, 12 * 3600), (11 * 3600, 13 * 3600)]):
        with pytest.raises(ValueError):
            WorkingCalendar(periods, [], 2020, 2020)
