"""Helpers shared by the clock's tests.

``package_calendar()`` compiles the calendar straight from the ``holidays`` package, without the
database, so hypothesis can run thousands of cases quickly; ``test_seeded_calendar_is_the_package
_calendar`` proves it identical to the calendar ``motcua init`` seeds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import holidays

from motcua.clock.engine import WorkingCalendar, from_us, to_us
from motcua.core.localtime import LOCAL_TZ, isoformat_local

FIRST_YEAR, LAST_YEAR = 2015, 2035
DEFAULT_PERIODS = [(7 * 3600 + 30 * 60, 11 * 3600 + 30 * 60), (13 * 3600, 17 * 3600)]


def package_non_working(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> set[date]:
    vn = holidays.country_holidays("VN", language="vi", years=range(first_year, last_year + 1))
    worked = set(vn.weekend_workdays)
    off = set()
    day = date(first_year, 1, 1)
    while day <= date(last_year, 12, 31):
        if day in vn or (day.weekday() >= 5 and day not in worked):
            off.add(day)
        day += timedelta(days=1)
    return off


@cache
def package_calendar() -> WorkingCalendar:
    return WorkingCalendar(DEFAULT_PERIODS, package_non_working(), FIRST_YEAR, LAST_YEAR)


def local(text: str) -> datetime:
    """'2026-03-10 10:00' → that local instant."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def us(text: str) -> int:
    return to_us(local(text))


def show(t_us: int | None) -> str | None:
    return None if t_us is None else isoformat_local(from_us(t_us))
