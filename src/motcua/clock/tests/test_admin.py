"""The calendar admin writes only through the services: amendments with a reason and an
announcement, revocation through its own view, office hours through ``set_office_hours``;
seeded days and the change log cannot be edited or deleted."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from motcua.clock import services
from motcua.clock.models import Calendar, CalendarChange, CalendarDay, DayKind, DaySource
from motcua.clock.selectors import working_calendar
from motcua.identity.models import User

TUESDAY = date(2026, 3, 10)


@pytest.fixture
def admin_client(calendar: Calendar) -> Client:
    user = User.objects.create_superuser("root", password="x")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _amend(client: Client, calendar: Calendar, **overrides: str) -> object:
    data = {
        "calendar": str(calendar.pk),
        "date": "2026-03-10",
        "kind": DayKind.DAY_OFF,
        "name": "Nghỉ bão",
        "reason": "Bão số 3",
        "announcement": "Công văn 123/UBND-VP",
        **overrides,
    }
    return client.post(reverse("admin:clock_calendarday_add"), data)


@pytest.mark.parametrize("name", ["clock_calendar", "clock_calendarday", "clock_calendarchange"])
def test_lists_render(admin_client: Client, name: str) -> None:
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_add_amendment_goes_through_the_service(admin_client: Client, calendar: Calendar) -> None:
    response = _amend(admin_client, calendar)
    assert response.status_code == 302  # type: ignore[attr-defined]
    row = CalendarDay.objects.get(calendar=calendar, date=TUESDAY)
    assert (row.source, row.kind, row.created_by.username) == (
        DaySource.ADMIN,
        DayKind.DAY_OFF,
        "root",
    )
    change = CalendarChange.objects.get()
    assert (change.action, change.actor.username) == ("add", "root")
    assert not working_calendar(calendar).is_working_day(TUESDAY)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"announcement": ""}, "announcement"),
        ({"date": "2026-03-15"}, "date"),  # a Sunday is already off
        ({"date": "2040-03-06"}, "date"),  # outside the calendar
        ({"kind": "holiday"}, "kind"),
        ({"kind": DayKind.WORKING_DAY}, "date"),  # Tuesday is already worked
    ],
)
def test_add_amendment_errors_stay_on_the_form(
    admin_client: Client, calendar: Calendar, overrides: dict, field: str
) -> None:
    count = CalendarDay.objects.count()
    response = _amend(admin_client, calendar, **overrides)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert field in response.context["adminform"].form.errors  # type: ignore[attr-defined]
    assert CalendarDay.objects.count() == count
    assert not CalendarChange.objects.exists()


def test_a_seeded_holiday_can_be_made_a_working_day(
    admin_client: Client, calendar: Calendar
) -> None:
    response = _amend(
        admin_client, calendar, date="2026-09-02", kind=DayKind.WORKING_DAY, name="Trực"
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    row = CalendarDay.objects.get(calendar=calendar, date=date(2026, 9, 2))
    assert (row.source, row.kind) == (DaySource.ADMIN, DayKind.WORKING_DAY)


def test_rows_cannot_be_edited_or_deleted(admin_client: Client, calendar: Calendar) -> None:
    seeded = CalendarDay.objects.get(calendar=calendar, date=date(2026, 9, 2))
    change_url = reverse("admin:clock_calendarday_change", args=[seeded.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200  # view only
    assert b"not revocable" in page.content
    admin_client.post(change_url, {"name": "Đổi tên", "kind": DayKind.DAY_OFF})
    seeded.refresh_from_db()
    assert seeded.name == "Quốc khánh"
    delete_url = reverse("admin:clock_calendarday_delete", args=[seeded.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert CalendarDay.objects.filter(pk=seeded.pk).exists()


def test_revoke_view(admin_client: Client, calendar: Calendar) -> None:
    row = services.amend_day(
        calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ", reason="Bão", announcement="CV 1"
    )
    url = reverse("admin:clock_calendarday_revoke", args=[row.pk])
    page = admin_client.get(reverse("admin:clock_calendarday_change", args=[row.pk]))
    assert url.encode() in page.content
    assert admin_client.get(url).status_code == 200
    refused = admin_client.post(url, {"reason": "", "announcement": ""})
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"reason", "announcement"}
    assert CalendarDay.objects.filter(pk=row.pk).exists()
    done = admin_client.post(url, {"reason": "Nhầm", "announcement": "CV 2"})
    assert done.status_code == 302
    assert not CalendarDay.objects.filter(pk=row.pk).exists()
    assert list(CalendarChange.objects.order_by("id").values_list("action", flat=True)) == [
        "add",
        "remove",
    ]
    assert working_calendar(calendar).is_working_day(TUESDAY)


def test_revoke_view_refuses_a_seeded_day(admin_client: Client, calendar: Calendar) -> None:
    seeded = CalendarDay.objects.get(calendar=calendar, date=date(2026, 9, 2))
    url = reverse("admin:clock_calendarday_revoke", args=[seeded.pk])
    response = admin_client.post(url, {"reason": "x", "announcement": "y"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert CalendarDay.objects.filter(pk=seeded.pk).exists()
    assert not CalendarChange.objects.exists()


def test_revoke_needs_permission(calendar: Calendar) -> None:
    row = services.amend_day(
        calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ", reason="Bão", announcement="CV 1"
    )
    staff = User.objects.create_user("staff", password="x", is_staff=True)
    client = Client()
    client.force_login(staff)
    url = reverse("admin:clock_calendarday_revoke", args=[row.pk])
    assert client.post(url, {"reason": "x", "announcement": "y"}).status_code == 403
    assert CalendarDay.objects.filter(pk=row.pk).exists()


def test_change_log_is_read_only(admin_client: Client, calendar: Calendar) -> None:
    services.amend_day(
        calendar, TUESDAY, DayKind.DAY_OFF, name="Nghỉ", reason="Bão", announcement="CV 1"
    )
    change = CalendarChange.objects.get()
    assert admin_client.get(reverse("admin:clock_calendarchange_add")).status_code == 403
    url = reverse("admin:clock_calendarchange_change", args=[change.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"reason": "rewritten"})
    change.refresh_from_db()
    assert change.reason == "Bão"
    delete = reverse("admin:clock_calendarchange_delete", args=[change.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_office_hours_go_through_the_service(admin_client: Client, calendar: Calendar) -> None:
    url = reverse("admin:clock_calendar_change", args=[calendar.pk])
    assert b"07:30-11:30, 13:00-17:00" in admin_client.get(url).content
    revision = calendar.revision
    response = admin_client.post(
        url, {"name": calendar.name, "office_hours": "08:00-12:00, 13:30-17:30"}
    )
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.periods == [["08:00", "12:00"], ["13:30", "17:30"]]
    assert calendar.revision != revision
    assert working_calendar(calendar).periods_s == ((28_800, 43_200), (48_600, 63_000))


@pytest.mark.parametrize("hours", ["8-12", "12:00-08:00", "07:30-12:00, 11:00-17:00", ""])
def test_bad_office_hours_stay_on_the_form(
    admin_client: Client, calendar: Calendar, hours: str
) -> None:
    url = reverse("admin:clock_calendar_change", args=[calendar.pk])
    response = admin_client.post(url, {"name": calendar.name, "office_hours": hours})
    assert response.status_code == 200
    assert "office_hours" in response.context["adminform"].form.errors
    calendar.refresh_from_db()
    assert calendar.periods == [["07:30", "11:30"], ["13:00", "17:00"]]


def test_add_agency_calendar(admin_client: Client, calendar: Calendar) -> None:
    response = admin_client.post(
        reverse("admin:clock_calendar_add"),
        {"code": "xa-a", "name": "Xã A", "base": str(calendar.pk), "office_hours": "08:00-12:00"},
    )
    assert response.status_code == 302
    own = Calendar.objects.get(code="xa-a")
    assert (own.base_id, own.periods, own.is_default) == (calendar.pk, [["08:00", "12:00"]], False)
    duplicate = admin_client.post(
        reverse("admin:clock_calendar_add"),
        {"code": "xa-a", "name": "Xã A", "office_hours": "08:00-12:00"},
    )
    assert duplicate.status_code == 200
    assert Calendar.objects.filter(code="xa-a").count() == 1


def test_calendars_cannot_be_deleted(admin_client: Client, calendar: Calendar) -> None:
    url = reverse("admin:clock_calendar_delete", args=[calendar.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Calendar.objects.filter(pk=calendar.pk).exists()
