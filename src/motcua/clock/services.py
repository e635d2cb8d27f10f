"""Writes to the calendar: seeding from ``holidays``, amendments (audited), office hours."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

import holidays
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, ValidationFailed
from motcua.identity.models import User

from .engine import WorkingCalendar
from .models import Calendar, CalendarChange, CalendarDay, DayKind, DaySource, default_periods
from .selectors import calendar_range, effective_days, forget, parse_periods
from .signals import calendar_amended

DEFAULT_CODE = "default"
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
# Names stored in the calendar are data, in Vietnamese like the holiday names of the package.
_WORKED_SATURDAY = "Ngày làm việc bù (thay cho ngày nghỉ {target})"


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0


def ensure_default_calendar() -> Calendar:
    calendar = Calendar.objects.filter(is_default=True).first()
    if calendar is not None:
        return calendar
    calendar, _created = Calendar.objects.get_or_create(
        code=DEFAULT_CODE,
        defaults={"name": "Lịch làm việc chung", "periods": default_periods(), "is_default": True},
    )
    return calendar


def _package_days(first_year: int, last_year: int) -> dict[date, tuple[str, str]]:
    """(kind, name) of every exception the ``holidays`` package knows for VN in a year range."""
    vn = holidays.country_holidays("VN", language="vi", years=range(first_year, last_year + 1))
    days: dict[date, tuple[str, str]] = {}
    for day, name in vn.items():
        days[day] = (DayKind.HOLIDAY, name)
    # The package knows the Saturdays worked in exchange for a weekday off ("thay cho ngày …").
    substitutes = {}
    for day, name in vn.items():
        for worked in vn.weekend_workdays:
            if worked.strftime("%d/%m/%Y") in name:
                substitutes[worked] = day
    for worked in vn.weekend_workdays:
        if first_year <= worked.year <= last_year:
            target = substitutes.get(worked)
            label = (
                _WORKED_SATURDAY.format(target=f"{target:%d/%m/%Y}")
                if target
                else "Ngày làm việc bù"
            )
            days[worked] = (DayKind.WORKING_DAY, label)
    return days


@transaction.atomic
def seed_holidays(
    calendar: Calendar, first_year: int | None = None, last_year: int | None = None
) -> SeedResult:
    """Load the public holidays and announced swaps; idempotent, never touches amendments."""
    default_first, default_last = calendar_range()
    first_year = first_year or default_first
    last_year = last_year or default_last
    result = SeedResult()
    existing = {
        d.date: d
        for d in CalendarDay.objects.filter(
            calendar=calendar, date__range=(date(first_year, 1, 1), date(last_year, 12, 31))
        )
    }
    to_create = []
    for day, (kind, name) in sorted(_package_days(first_year, last_year).items()):
        current = existing.get(day)
        if current is None:
            to_create.append(
                CalendarDay(
                    calendar=calendar, date=day, kind=kind, name=name, source=DaySource.SEED
                )
            )
        elif current.source == DaySource.SEED and (current.kind, current.name) != (kind, name):
            current.kind, current.name = kind, name
            current.save(update_fields=["kind", "name"])
            result.updated += 1
    CalendarDay.objects.bulk_create(to_create)
    result.created = len(to_create)
    if result.created or result.updated:
        _new_revision(calendar.pk)
    return result


def _check_amendment_text(reason: str, announcement: str) -> list[FieldError]:
    errors = []
    if not reason.strip():
        errors.append(FieldError("reason", _("Give the reason for the change.")))
    if not announcement.strip():
        errors.append(
            FieldError("announcement", _("Give the announcement the change is based on."))
        )
    return errors


def _range_error(day: date) -> FieldError | None:
    first, last = calendar_range()
    if first <= day.year <= last:
        return None
    return FieldError(
        "date",
        _("%(day)s is outside the calendar (%(first)s–%(last)s).")
        % {"day": f"{day:%d/%m/%Y}", "first": first, "last": last},
    )


def check_amendment(
    calendar: Calendar, day: date, kind: str, *, name: str, reason: str, announcement: str
) -> list[FieldError]:
    """Every problem with a proposed amendment (used by ``amend_day`` and the admin form)."""
    errors = _check_amendment_text(reason, announcement)
    if kind not in (DayKind.DAY_OFF, DayKind.WORKING_DAY):
        errors.append(FieldError("kind", _("The kind must be 'day_off' or 'working_day'.")))
    if not name.strip():
        errors.append(FieldError("name", _("Give the amended day a name.")))
    if (bad := _range_error(day)) is not None:
        errors.append(bad)
        return errors
    label = f"{day:%d/%m/%Y}"
    own = CalendarDay.objects.filter(calendar=calendar, date=day, source=DaySource.ADMIN).first()
    if own is not None:
        # Stacking amendments would bury the first one's reason: revoke it, then amend again.
        errors.append(
            FieldError(
                "date",
                _("%(day)s already has an amendment (%(name)s): revoke it first.")
                % {"day": label, "name": own.name},
            )
        )
        return errors
    entry = effective_days(calendar, day, day).get(day)
    working_now = day.weekday() < 5 if entry is None else entry.kind == DayKind.WORKING_DAY
    if kind == DayKind.DAY_OFF and not working_now:
        errors.append(FieldError("date", _("%(day)s is already a day off.") % {"day": label}))
    if kind == DayKind.WORKING_DAY and working_now:
        errors.append(FieldError("date", _("%(day)s is already a working day.") % {"day": label}))
    return errors


@transaction.atomic
def amend_day(
    calendar: Calendar,
    day: date,
    kind: str,
    *,
    name: str,
    reason: str,
    announcement: str,
    actor: User | None = None,
) -> CalendarDay:
    """Add a day off on a working day, or a working day on a day off (e.g. a swapped Saturday)."""
    # The lock serialises amendments of one calendar, so the check below stays true until commit.
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    errors = check_amendment(
        calendar, day, kind, name=name, reason=reason, announcement=announcement
    )
    if errors:
        raise ValidationFailed(_("The calendar amendment is not valid."), errors)
    row, _created = CalendarDay.objects.update_or_create(
        calendar=calendar,
        date=day,
        defaults={
            "kind": kind,
            "name": name.strip(),
            "reason": reason.strip(),
            "announcement": announcement.strip(),
            "source": DaySource.ADMIN,
            "created_by": actor,
        },
    )
    _record(calendar, day, CalendarChange.Action.ADD, kind, name, reason, announcement, actor)
    return row


def check_revocation(
    calendar: Calendar, day: date, *, reason: str, announcement: str
) -> list[FieldError]:
    errors = _check_amendment_text(reason, announcement)
    if not CalendarDay.objects.filter(calendar=calendar, date=day, source=DaySource.ADMIN).exists():
        errors.append(
            FieldError(
                "date",
                _("%(day)s has no amendment by an administrator.") % {"day": f"{day:%d/%m/%Y}"},
            )
        )
    return errors


@transaction.atomic
def revoke_amendment(
    calendar: Calendar, day: date, *, reason: str, announcement: str, actor: User | None = None
) -> None:
    """Take back an amendment; the day returns to what the law and the package say."""
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    errors = check_revocation(calendar, day, reason=reason, announcement=announcement)
    if errors:
        raise ValidationFailed(_("The revocation is not valid."), errors)
    row = CalendarDay.objects.get(calendar=calendar, date=day, source=DaySource.ADMIN)
    row.delete()
    if calendar.is_default:
        # An amendment may have replaced a seeded row (a holiday made a working day).
        seed_holidays(calendar, day.year, day.year)
    _record(
        calendar, day, CalendarChange.Action.REMOVE, row.kind, row.name, reason, announcement, actor
    )


def _record(
    calendar: Calendar,
    day: date,
    action: str,
    kind: str,
    name: str,
    reason: str,
    announcement: str,
    actor: User | None,
) -> None:
    CalendarChange.objects.create(
        calendar=calendar,
        date=day,
        action=action,
        kind=kind,
        name=name.strip(),
        reason=reason.strip(),
        announcement=announcement.strip(),
        actor=actor,
    )
    _new_revision(calendar.pk)
    calendar_amended.send(sender=Calendar, calendar=calendar, dates=[day])


def _new_revision(calendar_id: int) -> None:
    Calendar.objects.filter(pk=calendar_id).update(revision=uuid.uuid4())
    # Derived calendars inherit this one's days: forget every compiled copy, not just this one.
    forget()


def check_periods(periods: object) -> list[FieldError]:
    """Problems with office hours given as ``[["07:30", "11:30"], ["13:00", "17:00"]]``."""
    message = _(
        "Give the office hours as ordered, non-overlapping HH:MM periods, e.g. "
        '[["07:30", "11:30"], ["13:00", "17:00"]].'
    )
    if not isinstance(periods, list) or not all(
        isinstance(p, list | tuple)
        and len(p) == 2
        and all(isinstance(x, str) and _HHMM.match(x) for x in p)
        for p in periods
    ):
        return [FieldError("periods", message)]
    try:
        WorkingCalendar(parse_periods(periods), [], 2000, 2000)  # order and bounds
    except ValueError as exc:
        return [FieldError("periods", str(exc))]
    return []


@transaction.atomic
def set_office_hours(
    calendar: Calendar, periods: list[list[str]], actor: User | None = None
) -> Calendar:
    errors = check_periods(periods)
    if errors:
        raise ValidationFailed(_("The office hours are not valid."), errors)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    calendar.periods = [list(p) for p in periods]
    calendar.revision = uuid.uuid4()
    calendar.save(update_fields=["periods", "revision"])
    forget()
    calendar_amended.send(sender=Calendar, calendar=calendar, dates=[])
    return calendar


def check_new_calendar(code: str, name: str, periods: object) -> list[FieldError]:
    errors = []
    if not _SLUG.match(code or ""):
        errors.append(
            FieldError("code", _("Give a code of letters, digits, hyphens or underscores."))
        )
    elif Calendar.objects.filter(code=code).exists():
        errors.append(FieldError("code", _("A calendar with this code already exists.")))
    if not (name or "").strip():
        errors.append(FieldError("name", _("Give the calendar a name.")))
    return errors + check_periods(periods)


@transaction.atomic
def create_calendar(
    *, code: str, name: str, periods: list[list[str]], base: Calendar | None = None
) -> Calendar:
    """A calendar with its own office hours (an agency's), inheriting ``base``'s days off.

    ``base`` defaults to the deployment's default calendar, so the national holidays and the
    announced swaps apply; the new calendar's own amendments override them.
    """
    errors = check_new_calendar(code, name, periods)
    if errors:
        raise ValidationFailed(_("The calendar is not valid."), errors)
    if base is None:
        base = Calendar.objects.filter(is_default=True).first()
    if base is not None and base.base_id is not None:
        # Inheritance is one level deep (selectors.effective_days): keep it that way.
        base = Calendar.objects.get(pk=base.base_id)
    return Calendar.objects.create(
        code=code, name=name.strip(), periods=[list(p) for p in periods], base=base
    )


@transaction.atomic
def rename_calendar(calendar: Calendar, name: str) -> Calendar:
    if not name.strip():
        raise ValidationFailed(
            _("The calendar is not valid."), [FieldError("name", _("Give the calendar a name."))]
        )
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    calendar.name = name.strip()
    calendar.save(update_fields=["name"])
    return calendar
