"""Reads of the calendar, and the compiled ``WorkingCalendar`` every due time is computed on."""

from __future__ import annotations

import math
import re
import threading
import time as time_module
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.core.localtime import LOCAL_TZ, local_date

from .engine import (
    HOUR_US,
    WORKING_DAY_HOURS,
    CalendarRangeError,
    WorkingCalendar,
    amount_to_us,
    from_us,
    parse_hhmm,
    to_us,
)
from .models import Calendar, CalendarDay, DayKind


@dataclass(frozen=True)
class DayEntry:
    date: date
    kind: str
    name: str
    reason: str
    announcement: str
    source: str
    working: bool


def default_calendar() -> Calendar:
    calendar = Calendar.objects.filter(is_default=True).first()
    if calendar is None:
        raise NotFound(_("There is no default working calendar yet: run `motcua init`."))
    return calendar


def get_calendar(code: str | None = None) -> Calendar:
    if not code:
        return default_calendar()
    calendar = Calendar.objects.select_related("base").filter(code=code).first()
    if calendar is None:
        raise NotFound(_("There is no working calendar with code %(code)r.") % {"code": code})
    return calendar


def calendar_range() -> tuple[int, int]:
    return settings.MOTCUA_CALENDAR_FIRST_YEAR, settings.MOTCUA_CALENDAR_LAST_YEAR


def effective_days(calendar: Calendar, first: date, last: date) -> dict[date, CalendarDay]:
    """Exceptions in force for ``calendar`` between two dates: its base's, overridden by its own."""
    chain = [calendar]
    if calendar.base_id is not None:
        chain.insert(0, Calendar.objects.get(pk=calendar.base_id))
    days: dict[date, CalendarDay] = {}
    for cal in chain:
        for day in CalendarDay.objects.filter(calendar=cal, date__range=(first, last)):
            days[day.date] = day
    return days


def _is_working(day: date, entry: CalendarDay | None) -> bool:
    if entry is None:
        return day.weekday() < 5
    return entry.kind == DayKind.WORKING_DAY


def non_working_dates(calendar: Calendar, first_year: int, last_year: int) -> list[date]:
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    days = effective_days(calendar, first, last)
    result = []
    current = first
    while current <= last:
        if not _is_working(current, days.get(current)):
            result.append(current)
        current += timedelta(days=1)
    return result


def year_exceptions(calendar: Calendar, year: int) -> list[DayEntry]:
    """The dated exceptions of one year (holidays, days off, worked weekend days)."""
    days = effective_days(calendar, date(year, 1, 1), date(year, 12, 31))
    return [
        DayEntry(
            date=d.date,
            kind=d.kind,
            name=d.name,
            reason=d.reason,
            announcement=d.announcement,
            source=d.source,
            working=_is_working(d.date, d),
        )
        for d in sorted(days.values(), key=lambda x: x.date)
    ]


def parse_periods(periods: list[list[str]]) -> list[tuple[int, int]]:
    return [(parse_hhmm(a), parse_hhmm(b)) for a, b in periods]


_cache: dict[int, tuple[tuple[object, ...], WorkingCalendar]] = {}
_checked: dict[int | None, float] = {}  # calendar id (None: the default) → last revalidation
_default_id: list[int] = []
_cache_lock = threading.Lock()
# How long a compiled calendar is trusted before its revision is read again. Amendments are rare
# and this process forgets its copy at once when it makes one (``forget``); another process's
# amendment is seen within this delay. Without it every due time costs a query.
REVALIDATE_SECONDS = 1.0


_trusted: list[bool] = [True]


def forget(calendar_id: int | None = None) -> None:
    """Drop compiled calendars (all when no id is given): called by every calendar change.

    Until the change commits, nothing is trusted without revalidation: if the change is rolled
    back, a copy compiled inside its transaction must not outlive it.
    """
    with _cache_lock:
        if calendar_id is None:
            _cache.clear()
            _default_id.clear()
        else:
            _cache.pop(calendar_id, None)
        _checked.clear()
        _trusted[0] = False

    def committed() -> None:
        with _cache_lock:
            _checked.clear()
            _trusted[0] = True

    transaction.on_commit(committed)


def working_calendar(calendar: Calendar | None = None) -> WorkingCalendar:
    """The compiled calendar, rebuilt only when its revision (or its base's) has changed.

    The revisions are read at most once per ``REVALIDATE_SECONDS`` per calendar and process;
    callers computing many due times reuse the returned object.
    """
    wanted = calendar.pk if calendar is not None else (_default_id[0] if _default_id else None)
    if wanted is not None:
        checked = _checked.get(wanted)
        cached = _cache.get(wanted)
        fresh = checked is not None and time_module.monotonic() - checked < REVALIDATE_SECONDS
        if cached is not None and fresh and _trusted[0]:
            return cached[1]
    if calendar is None:
        calendar = default_calendar()
        with _cache_lock:
            _default_id[:] = [calendar.pk]
    # Office hours and base are read with the revisions, never taken from the instance passed
    # in: a caller may hold a copy loaded before ``set_office_hours``, and compiling that copy
    # under the new revision would cache the old hours for good.
    row = (
        Calendar.objects.filter(pk=calendar.pk)
        .values_list("revision", "periods", "base_id", "base__revision")
        .first()
    )
    if row is None:
        raise NotFound(
            _("There is no working calendar with code %(code)r.") % {"code": calendar.code}
        )
    revision, periods, base_id, base_revision = row
    first_year, last_year = calendar_range()
    key = (revision, base_id, base_revision, first_year, last_year)
    cached = _cache.get(calendar.pk)
    if cached is not None and cached[0] == key:
        _checked[calendar.pk] = time_module.monotonic()
        return cached[1]
    if calendar.base_id != base_id:
        calendar = Calendar.objects.get(pk=calendar.pk)
    compiled = WorkingCalendar(
        parse_periods(periods),
        non_working_dates(calendar, first_year, last_year),
        first_year,
        last_year,
    )
    with _cache_lock:
        _cache[calendar.pk] = (key, compiled)
        _checked[calendar.pk] = time_module.monotonic()
    return compiled


# ----- the year view and the due-time query (API and CLI) ------------------------------------


@dataclass(frozen=True)
class CalendarYear:
    calendar: Calendar
    year: int
    first_year: int
    last_year: int
    exceptions: list[DayEntry]
    non_working_dates: list[date]


def calendar_year(year: int, code: str | None = None) -> CalendarYear:
    """One year of a calendar: its exceptions and every date that is not worked."""
    calendar = get_calendar(code)
    first, last = calendar_range()
    if not first <= year <= last:
        raise NotFound(
            _("The working calendar covers %(first)s–%(last)s, not %(year)s.")
            % {"first": first, "last": last, "year": year}
        )
    return CalendarYear(
        calendar=calendar,
        year=year,
        first_year=first,
        last_year=last,
        exceptions=year_exceptions(calendar, year),
        non_working_dates=non_working_dates(calendar, year, year),
    )


@dataclass(frozen=True)
class DueTime:
    """``due_at`` is None while an open pause holds the clock; ``counted_from`` is the instant
    the clock starts (the start, or the restart, after the start rules and the cut-off)."""

    due_at: datetime | None
    counted_from: datetime


_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _aware(dt: datetime) -> datetime:
    """An instant given without an offset is local time (interfaces.md)."""
    return dt.replace(tzinfo=LOCAL_TZ) if dt.tzinfo is None else dt


def _out_of_range(field: str, dt: datetime, first: int, last: int) -> FieldError | None:
    try:
        day = local_date(dt)
    except OverflowError:  # e.g. 9999-12-31T23:00Z is in the year 10000 in Hà Nội
        day = dt.date()
    else:
        if first <= day.year <= last:
            return None
    return FieldError(
        field,
        _("%(day)s is outside the working calendar (%(first)s–%(last)s).")
        % {"day": f"{day:%d/%m/%Y}", "first": first, "last": last},
    )


def check_due_time(
    *,
    start: datetime | None,
    working_days: float | None = None,
    working_hours: float | None = None,
    cutoff: str | time | None = None,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
    restart_at: datetime | None = None,
    allow_open_pauses: bool = False,
) -> list[FieldError]:
    """Every problem with a due-time request, one ``FieldError`` each, named as in the API body
    (``start``, ``working_days``, ``pauses[1].end``, …). ``start=None``: not checked here (the
    caller could not parse it and has said so)."""
    first, last = calendar_range()
    errors: list[FieldError] = []
    amount_field = "working_hours" if working_hours is not None else "working_days"
    if working_days is not None and working_hours is not None:
        errors.append(
            FieldError("working_days", _("Give either working days or working hours, not both."))
        )
    elif working_days is None and working_hours is None:
        errors.append(
            FieldError("working_days", _("Give the amount in working days or in working hours."))
        )
    else:
        value = working_hours if working_hours is not None else working_days
        assert value is not None
        if not math.isfinite(value):
            errors.append(FieldError(amount_field, _("The amount must be a finite number.")))
        elif not math.isfinite(value * WORKING_DAY_HOURS * HOUR_US):
            errors.append(FieldError(amount_field, _("The amount is too large.")))
        elif value <= 0 or amount_to_us(hours=working_hours, days=working_days) <= 0:
            errors.append(FieldError(amount_field, _("The amount must be greater than 0.")))
    if isinstance(cutoff, str) and not _HHMM.match(cutoff):
        errors.append(FieldError("cutoff", _("Give the cut-off as HH:MM, e.g. 15:00.")))
    if start is not None:
        start = _aware(start)
        if (bad := _out_of_range("start", start, first, last)) is not None:
            errors.append(bad)
    if restart_at is not None:
        restart_at = _aware(restart_at)
        if (bad := _out_of_range("restart_at", restart_at, first, last)) is not None:
            errors.append(bad)
        elif start is not None and restart_at < start:
            errors.append(FieldError("restart_at", _("The restart must not be before the start.")))
    for i, (p_start, p_end) in enumerate(pauses):
        p_start = _aware(p_start)
        if (bad := _out_of_range(f"pauses[{i}].start", p_start, first, last)) is not None:
            errors.append(bad)
        if p_end is None:
            if not allow_open_pauses:
                errors.append(FieldError(f"pauses[{i}].end", _("A pause needs an end.")))
            continue
        p_end = _aware(p_end)
        if (bad := _out_of_range(f"pauses[{i}].end", p_end, first, last)) is not None:
            errors.append(bad)
        elif p_end < p_start:
            errors.append(
                FieldError(
                    f"pauses[{i}].end", _("The end of a pause must not be before its start.")
                )
            )
    return errors


def compute_due_time(
    *,
    start: datetime,
    working_days: float | None = None,
    working_hours: float | None = None,
    cutoff: str | time | None = None,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
    restart_at: datetime | None = None,
    calendar_code: str | None = None,
    allow_open_pauses: bool = False,
) -> DueTime:
    """Validate a due-time request (``check_due_time``) and compute it on the calendar in the
    database. Raises ``ValidationFailed`` naming each bad field, ``NotFound`` for the calendar."""
    errors = check_due_time(
        start=start,
        working_days=working_days,
        working_hours=working_hours,
        cutoff=cutoff,
        pauses=pauses,
        restart_at=restart_at,
        allow_open_pauses=allow_open_pauses,
    )
    if errors:
        raise ValidationFailed(_("The due-time request is not valid."), errors)
    start = _aware(start)
    restart_at = None if restart_at is None else _aware(restart_at)
    checked = [(_aware(a), None if b is None else _aware(b)) for a, b in pauses]
    last = calendar_range()[1]
    amount_field = "working_hours" if working_hours is not None else "working_days"
    compiled = working_calendar(get_calendar(calendar_code))
    cutoff_s = None if cutoff is None else parse_hhmm(cutoff)
    begin_us = to_us(restart_at if restart_at is not None else start)
    raw = [(to_us(a), None if b is None else to_us(b)) for a, b in checked]
    amount_us = amount_to_us(hours=working_hours, days=working_days)
    try:
        counted_us = compiled.start_instant_us(begin_us, cutoff_s)
        due_us = compiled.due_us(begin_us, amount_us, cutoff_s, raw)
    except CalendarRangeError:
        raise ValidationFailed(
            _("The due-time request is not valid."),
            [
                FieldError(
                    amount_field,
                    _("The due time falls after the end of the working calendar (%(last)s).")
                    % {"last": last},
                )
            ],
        ) from None
    return DueTime(
        due_at=None if due_us is None else from_us(due_us),
        counted_from=from_us(counted_us),
    )
