"""Seeding, amendments (audited, signalled), office hours, per-agency calendars, and the
compiled-calendar cache."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

import pytest
from django.db import transaction

from motcua.clock import services
from motcua.clock.models import Calendar, CalendarChange, CalendarDay, DayKind, DaySource
from motcua.clock.selectors import non_working_dates, working_calendar, year_exceptions
from motcua.clock.signals import calendar_amended
from motcua.core.errors import ValidationFailed
from motcua.core.localtime import isoformat_local
from motcua.identity.models import User

from .support import FIRST_YEAR, LAST_YEAR, package_non_working
from .support import local as L

TUESDAY = date(2026, 3, 10)
SATURDAY = date(2026, 3, 14)
SUNDAY = date(2026, 3, 15)


class Text(TypedDict):
    reason: str
    announcement: str


TEXT: Text = {"reason": "Bão số 3", "announcement": "Công văn 123/UBND-VP"}


def _fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [e.field for e in exc.value.errors]


@pytest.fixture
def admin_user(db: Any) -> User:
    return User.objects.create_user("admin", password="x")


@pytest.fixture
def signals() -> Any:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    calendar_amended.connect(receiver)
    yield received
    calendar_amended.disconnect(receiver)


# --- seeding ------------------------------------------------------------------------------


def test_seeded_calendar_is_the_package_calendar(calendar: Calendar) -> None:
    """The DB-free calendar the property tests use is exactly the one ``init`` seeds."""
    compiled = working_calendar(calendar)
    assert set(non_working_dates(calendar, FIRST_YEAR, LAST_YEAR)) == package_non_working()
    assert compiled.non_working == frozenset(package_non_working())
    assert compiled.periods_s == ((27_000, 41_400), (46_800, 61_200))


def test_seeding_is_idempotent(calendar: Calendar) -> None:
    count = calendar.days.count()
    revision = Calendar.objects.get(pk=calendar.pk).revision
    again = services.seed_holidays(calendar)
    assert (again.created, again.updated) == (0, 0)
    assert calendar.days.count() == count
    assert Calendar.objects.get(pk=calendar.pk).revision == revision
    assert services.ensure_default_calendar().pk == calendar.pk


def test_seeding_records_swaps_as_working_days(calendar: Calendar) -> None:
    saturday = CalendarDay.objects.get(calendar=calendar, date=date(2025, 4, 26))
    assert saturday.kind == DayKind.WORKING_DAY
    assert "02/05/2025" in saturday.name
    assert saturday.source == DaySource.SEED
    friday = CalendarDay.objects.get(calendar=calendar, date=date(2025, 5, 2))
    assert friday.kind == DayKind.HOLIDAY


def test_seeding_never_touches_an_amendment(calendar: Calendar) -> None:
    services.amend_day(calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ bão", **TEXT)
    services.seed_holidays(calendar)
    row = CalendarDay.objects.get(calendar=calendar, date=TUESDAY)
    assert (row.source, row.kind) == (DaySource.ADMIN, DayKind.DAY_OFF)


# --- amendments ---------------------------------------------------------------------------


def test_day_off_is_audited_signalled_and_seen_at_once(
    calendar: Calendar, admin_user: User, signals: list
) -> None:
    cal = working_calendar(calendar)
    assert cal.is_working_day(TUESDAY)
    before = Calendar.objects.get(pk=calendar.pk).revision
    row = services.amend_day(
        calendar, TUESDAY, DayKind.DAY_OFF, name=" Nghỉ bão ", actor=admin_user, **TEXT
    )
    assert (row.source, row.name, row.created_by) == (DaySource.ADMIN, "Nghỉ bão", admin_user)
    change = CalendarChange.objects.get(calendar=calendar, date=TUESDAY)
    assert (change.action, change.kind, change.actor) == ("add", DayKind.DAY_OFF, admin_user)
    assert (change.reason, change.announcement) == (TEXT["reason"], TEXT["announcement"])
    assert Calendar.objects.get(pk=calendar.pk).revision != before
    assert len(signals) == 1
    assert signals[0]["calendar"].pk == calendar.pk
    assert signals[0]["dates"] == [TUESDAY]
    assert not working_calendar(calendar).is_working_day(TUESDAY)
    # Mon 9 Mar 16:00 + 2 h now skips Tuesday.
    due = working_calendar(calendar).due(L("2026-03-09 16:00"), hours=2)
    assert isoformat_local(due) == "2026-03-11T08:30:00+07:00"


def test_working_saturday(calendar: Calendar) -> None:
    services.amend_day(calendar, SATURDAY, DayKind.WORKING_DAY, name="Làm bù", **TEXT)
    assert working_calendar(calendar).is_working_day(SATURDAY)
    entry = {e.date: e for e in year_exceptions(calendar, 2026)}[SATURDAY]
    assert (entry.working, entry.source) == (True, DaySource.ADMIN)
    due = working_calendar(calendar).due(L("2026-03-13 16:00"), hours=2)
    assert isoformat_local(due) == "2026-03-14T08:30:00+07:00"


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (SUNDAY, DayKind.DAY_OFF),  # a weekend day
        (date(2026, 9, 2), DayKind.DAY_OFF),  # a holiday
        (TUESDAY, DayKind.WORKING_DAY),  # a weekday
        (date(2026, 8, 22), DayKind.WORKING_DAY),  # an announced worked Saturday
    ],
)
def test_amendment_that_changes_nothing_is_refused(
    calendar: Calendar, day: date, kind: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.amend_day(calendar, day, kind, name="x", **TEXT)
    assert _fields(exc) == ["date"]
    assert not CalendarChange.objects.exists()


def test_amendment_needs_name_reason_and_announcement(calendar: Calendar) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.amend_day(calendar, TUESDAY, "holiday", name=" ", reason="", announcement="  ")
    assert sorted(_fields(exc)) == ["announcement", "kind", "name", "reason"]
    assert not CalendarDay.objects.filter(calendar=calendar, date=TUESDAY).exists()


def test_amendment_outside_the_range(calendar: Calendar) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.amend_day(calendar, date(2040, 3, 6), DayKind.DAY_OFF, name="x", **TEXT)
    assert _fields(exc) == ["date"]
    assert "2015" in exc.value.errors[0].message


def test_a_second_amendment_of_the_same_day_is_refused(calendar: Calendar) -> None:
    services.amend_day(calendar, SATURDAY, DayKind.WORKING_DAY, name="Làm bù", **TEXT)
    with pytest.raises(ValidationFailed) as exc:
        services.amend_day(calendar, SATURDAY, DayKind.DAY_OFF, name="x", **TEXT)
    assert _fields(exc) == ["date"]


def test_revoke(calendar: Calendar, admin_user: User, signals: list) -> None:
    services.amend_day(calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ", **TEXT)
    assert not working_calendar(calendar).is_working_day(TUESDAY)
    services.revoke_amendment(
        calendar, TUESDAY, reason="Nhầm", announcement="CV 124", actor=admin_user
    )
    assert working_calendar(calendar).is_working_day(TUESDAY)
    assert not CalendarDay.objects.filter(calendar=calendar, date=TUESDAY).exists()
    actions = list(
        CalendarChange.objects.filter(date=TUESDAY).order_by("id").values_list("action", "actor")
    )
    assert actions == [("add", None), ("remove", admin_user.pk)]
    assert [s["dates"] for s in signals] == [[TUESDAY], [TUESDAY]]


def test_revoking_an_amendment_of_a_holiday_restores_the_holiday(calendar: Calendar) -> None:
    national_day = date(2026, 9, 2)
    services.amend_day(calendar, national_day, DayKind.WORKING_DAY, name="Trực", **TEXT)
    assert working_calendar(calendar).is_working_day(national_day)
    services.revoke_amendment(calendar, national_day, **TEXT)
    row = CalendarDay.objects.get(calendar=calendar, date=national_day)
    assert (row.kind, row.source, row.name) == (DayKind.HOLIDAY, DaySource.SEED, "Quốc khánh")
    assert not working_calendar(calendar).is_working_day(national_day)


def test_revoke_refuses_seeded_days_and_needs_reasons(calendar: Calendar) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.revoke_amendment(calendar, date(2026, 9, 2), reason="", announcement="")
    assert sorted(_fields(exc)) == ["announcement", "date", "reason"]
    assert CalendarDay.objects.filter(calendar=calendar, date=date(2026, 9, 2)).exists()
    assert not CalendarChange.objects.exists()


# --- the compiled-calendar cache ----------------------------------------------------------


def test_cache_reuses_the_compiled_calendar_until_a_change(calendar: Calendar) -> None:
    first = working_calendar(calendar)
    assert working_calendar(calendar) is first
    services.amend_day(calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ", **TEXT)
    assert working_calendar(calendar) is not first


def test_cache_never_serves_a_rolled_back_amendment(calendar: Calendar) -> None:
    """A counter would give the rolled-back change and the next one the same revision, and the
    cache would then serve the rolled-back calendar; a random UUID cannot collide."""
    working_calendar(calendar)

    class Rollback(Exception):
        pass

    def amend_then_fail() -> None:
        with transaction.atomic():
            services.amend_day(calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ", **TEXT)
            assert not working_calendar(calendar).is_working_day(TUESDAY)  # seen inside
            raise Rollback

    with pytest.raises(Rollback):
        amend_then_fail()
    assert working_calendar(calendar).is_working_day(TUESDAY)
    # The next, different change: Tuesday is still worked, Wednesday is off.
    services.amend_day(calendar, date(2026, 3, 11), DayKind.DAY_OFF, name="Nghỉ", **TEXT)
    compiled = working_calendar(calendar)
    assert compiled.is_working_day(TUESDAY)
    assert not compiled.is_working_day(date(2026, 3, 11))


# --- office hours and per-agency calendars ------------------------------------------------


def test_office_hours_change_is_seen_even_through_a_stale_instance(
    calendar: Calendar, signals: list
) -> None:
    stale = Calendar.objects.get(pk=calendar.pk)
    working_calendar(stale)
    services.set_office_hours(calendar, [["08:00", "12:00"], ["13:30", "17:30"]])
    assert len(signals) == 1
    compiled = working_calendar(stale)  # still holds the old periods in memory
    assert compiled.periods_s == ((28_800, 43_200), (48_600, 63_000))
    # 07:45 + 4 h = 08:00–12:00 (13:15 on the old hours).
    due = compiled.due(L("2026-03-10 07:45"), hours=4)
    assert isoformat_local(due) == "2026-03-10T12:00:00+07:00"


@pytest.mark.parametrize(
    "periods",
    [
        [],
        [["11:30", "07:30"]],
        [["07:30", "12:00"], ["11:00", "17:00"]],
        [["7h30", "11:30"]],
        [["07:30"]],
        "07:30-11:30",
        [["07:30", "25:00"]],
    ],
)
def test_bad_office_hours_are_refused(calendar: Calendar, periods: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.set_office_hours(calendar, periods)
    assert _fields(exc) == ["periods"]
    assert Calendar.objects.get(pk=calendar.pk).periods == [["07:30", "11:30"], ["13:00", "17:00"]]


def test_agency_calendar_inherits_days_and_has_its_own_hours(calendar: Calendar) -> None:
    own = services.create_calendar(
        code="ubnd-phuong-1", name="UBND phường 1", periods=[["08:00", "12:00"], ["13:30", "17:30"]]
    )
    assert own.base_id == calendar.pk
    compiled = working_calendar(own)
    assert compiled.non_working == working_calendar(calendar).non_working
    # Tue 07:45 + 4 h = 08:00–12:00 (13:15 on the default hours); 17:15 + 1 h = 0.25 h, then
    # 08:00–08:45 the next day (08:30 on the default hours).
    assert isoformat_local(compiled.due(L("2026-03-10 07:45"), hours=4)) == (
        "2026-03-10T12:00:00+07:00"
    )
    assert isoformat_local(compiled.due(L("2026-03-10 17:15"), hours=1)) == (
        "2026-03-11T08:45:00+07:00"
    )
    # An amendment of the default calendar reaches the agency's at once...
    services.amend_day(calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ", **TEXT)
    assert not working_calendar(own).is_working_day(TUESDAY)
    # ...and the agency's own amendment overrides it, without touching the default.
    services.amend_day(own, TUESDAY, DayKind.WORKING_DAY, name="Trực", **TEXT)
    assert working_calendar(own).is_working_day(TUESDAY)
    assert not working_calendar(calendar).is_working_day(TUESDAY)
    services.amend_day(own, SATURDAY, DayKind.WORKING_DAY, name="Làm thêm", **TEXT)
    assert working_calendar(own).is_working_day(SATURDAY)
    assert not working_calendar(calendar).is_working_day(SATURDAY)


def test_create_calendar_validation(calendar: Calendar) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.create_calendar(code="default", name=" ", periods=[["09:00", "08:00"]])
    assert sorted(_fields(exc)) == ["code", "name", "periods"]
    with pytest.raises(ValidationFailed) as exc:
        services.create_calendar(code="có dấu", name="x", periods=[["08:00", "12:00"]])
    assert _fields(exc) == ["code"]
    assert Calendar.objects.count() == 1


def test_rename_calendar(calendar: Calendar) -> None:
    assert services.rename_calendar(calendar, " Lịch mới ").name == "Lịch mới"
    with pytest.raises(ValidationFailed):
        services.rename_calendar(calendar, "")
