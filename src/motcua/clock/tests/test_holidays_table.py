"""Announced swaps and the Tết breaks 2020–2030, with expected dates written by hand from the
official calendar and the government's announcements (never computed by the engine).

Tết (1st day of the 1st lunar month, Vietnamese calendar at UTC+7). The brief listed
2030-02-03; that is the Chinese date (UTC+8). The new moon falls on 2 Feb 2030 at 16:07 UTC,
23:07 in Hà Nội but 00:07 on 3 Feb in Beijing, so Vietnamese Tết 2030 is Saturday 2 Feb, as
the ``holidays`` package says; see docs/calendar.md.
"""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from .support import local as L
from .support import package_calendar

CAL = package_calendar()


def _due(start: str, days: float) -> str:
    result = CAL.due(L(start), days=days)
    assert result is not None
    return result.isoformat()


# --- announced swaps (a weekday off for a Saturday worked) ---------------------------------

SWAPS = [
    # 2024: 30 Apr (Tue) and 1 May (Wed); Mon 29 Apr off for Sat 4 May worked.
    ("2024-04-26 16:00", 1, "2024-05-02T16:00:00+07:00"),  # skips Sat 27 – Wed 1 May
    ("2024-05-02 08:00", 3, "2024-05-06T08:00:00+07:00"),  # Thu 7.5 + Fri 8 + Sat 8 + Mon 0.5
    ("2024-05-03 16:00", 1, "2024-05-04T16:00:00+07:00"),  # Friday → the worked Saturday
    ("2024-05-04 10:00", 0.25, "2024-05-04T13:30:00+07:00"),  # received on that Saturday
    # 2025: 30 Apr (Wed), 1 May (Thu); Fri 2 May off for Sat 26 Apr worked.
    ("2025-04-25 16:00", 1, "2025-04-26T16:00:00+07:00"),  # Friday → the worked Saturday
    ("2025-04-29 16:00", 1, "2025-05-05T16:00:00+07:00"),  # skips Wed 30 Apr – Sun 4 May
    ("2025-04-25 08:00", 5, "2025-05-06T08:00:00+07:00"),  # Fri, Sat, Mon, Tue, Mon 5 May
    # 2026: 1 and 2 Sep (Tue, Wed); Mon 31 Aug off for Sat 22 Aug worked.
    ("2026-08-21 16:00", 1, "2026-08-22T16:00:00+07:00"),  # Friday → the worked Saturday
    ("2026-08-28 16:00", 1, "2026-09-03T16:00:00+07:00"),  # skips Sat 29 Aug – Wed 2 Sep
    ("2026-08-21 08:00", 7, "2026-09-03T08:00:00+07:00"),  # Fri 21 … Fri 28, then Thu 3 Sep
]


@pytest.mark.parametrize(("start", "days", "expected"), SWAPS)
def test_announced_swaps(start: str, days: float, expected: str) -> None:
    assert _due(start, days) == expected


@pytest.mark.parametrize(
    ("worked_saturday", "day_off"),
    [
        (date(2024, 5, 4), date(2024, 4, 29)),
        (date(2025, 4, 26), date(2025, 5, 2)),
        (date(2026, 8, 22), date(2026, 8, 31)),
    ],
)
def test_swap_days(worked_saturday: date, day_off: date) -> None:
    assert worked_saturday.weekday() == 5
    assert day_off.weekday() < 5
    assert CAL.is_working_day(worked_saturday)
    assert not CAL.is_working_day(day_off)


# --- Tết ----------------------------------------------------------------------------------

# year: (Tết, last working day before the break, first working day after it)
TET = {
    2020: (date(2020, 1, 25), date(2020, 1, 22), date(2020, 1, 30)),  # off Thu 23 – Wed 29
    2021: (date(2021, 2, 12), date(2021, 2, 9), date(2021, 2, 17)),  # off Wed 10 – Tue 16
    2022: (date(2022, 2, 1), date(2022, 1, 28), date(2022, 2, 7)),  # off Mon 31 – Fri 4
    2023: (date(2023, 1, 22), date(2023, 1, 19), date(2023, 1, 27)),  # off Fri 20 – Thu 26
    2024: (date(2024, 2, 10), date(2024, 2, 7), date(2024, 2, 15)),  # off Thu 8 – Wed 14
    2025: (date(2025, 1, 29), date(2025, 1, 24), date(2025, 2, 3)),  # off Mon 27 – Fri 31
    2026: (date(2026, 2, 17), date(2026, 2, 13), date(2026, 2, 23)),  # off Mon 16 – Fri 20
    2027: (date(2027, 2, 6), date(2027, 2, 3), date(2027, 2, 11)),  # off Thu 4 – Wed 10
    2028: (date(2028, 1, 26), date(2028, 1, 21), date(2028, 1, 31)),  # off Mon 24 – Fri 28
    2029: (date(2029, 2, 13), date(2029, 2, 9), date(2029, 2, 19)),  # off Mon 12 – Fri 16
    2030: (date(2030, 2, 2), date(2030, 1, 30), date(2030, 2, 7)),  # off Thu 31 – Wed 6
}


@pytest.mark.parametrize("year", sorted(TET))
def test_tet_day_agrees_with_the_package(year: int) -> None:
    tet = TET[year][0]
    vn = holidays.country_holidays("VN", language="vi", years=year)
    assert vn.get(tet) == "Tết Nguyên Đán"
    assert vn.get(date.fromordinal(tet.toordinal() - 1)) == "Giao thừa Tết Nguyên Đán"


def test_tet_2030_is_not_the_chinese_date() -> None:
    vn = holidays.country_holidays("VN", language="vi", years=2030)
    assert vn.get(date(2030, 2, 3)) == "Mùng hai Tết Nguyên Đán"


@pytest.mark.parametrize("year", sorted(TET))
def test_a_dossier_received_before_tet_is_due_after_the_break(year: int) -> None:
    tet, last_before, first_after = TET[year]
    # 1 h on the last day, 7 h on the first day back (07:30–11:30, 13:00–16:00).
    start = f"{last_before.isoformat()} 16:00"
    assert _due(start, 1) == f"{first_after.isoformat()}T16:00:00+07:00"
    # Every day between is off, the eve and the first four days of Tết included.
    for ordinal in range(last_before.toordinal() + 1, first_after.toordinal()):
        assert not CAL.is_working_day(date.fromordinal(ordinal)), date.fromordinal(ordinal)
    for offset in range(-1, 4):
        assert not CAL.is_working_day(date.fromordinal(tet.toordinal() + offset))
    assert CAL.is_working_day(last_before)
    assert CAL.is_working_day(first_after)


def test_tet_2026_break_is_monday_16_to_friday_20_february() -> None:
    # Announced for civil servants: Mon 16 – Fri 20 Feb 2026 (calendar.md).
    for day in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, day))
    assert CAL.is_working_day(date(2026, 2, 13))
    assert CAL.is_working_day(date(2026, 2, 23))
