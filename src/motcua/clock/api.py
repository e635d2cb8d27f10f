"""``/api/v1/calendar``: a year of the working calendar, and due times computed on it.

Both are public: the calendar holds no personal data, and integrators need the same due times
as the receipts motcua prints.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from motcua.core.errors import FieldError, ValidationFailed
from motcua.core.problem import ERRORS

from . import selectors
from .engine import WORKING_DAY_HOURS

router = Router(tags=["clock"])


class CalendarQuery(Schema):
    calendar: str | None = Field(
        None, description="Code of the calendar (an agency's); the default calendar if absent."
    )


class OfficePeriod(Schema):
    start: str = Field(..., examples=["07:30"])
    end: str = Field(..., examples=["11:30"])


class CalendarOut(Schema):
    code: str
    name: str
    base: str | None = Field(None, description="Code of the calendar whose days it inherits.")
    office_hours: list[OfficePeriod]
    working_day_hours: int = Field(
        WORKING_DAY_HOURS, description="Working hours in one working day."
    )


class DayOut(Schema):
    date: date
    kind: str = Field(..., description="holiday, day_off or working_day.")
    name: str
    working: bool = Field(..., description="Whether the day is worked.")
    reason: str
    announcement: str
    source: str = Field(..., description="seed (law, holidays package) or admin (amendment).")


class CalendarYearOut(Schema):
    calendar: CalendarOut
    year: int
    first_year: int = Field(..., description="First year the calendar covers.")
    last_year: int = Field(..., description="Last year the calendar covers.")
    exceptions: list[DayOut] = Field(
        ..., description="Holidays, days off and worked weekend days of the year."
    )
    non_working_dates: list[date] = Field(
        ..., description="Every date of the year that is not worked, weekends included."
    )


class PauseIn(Schema):
    start: datetime
    # Optional in the schema only so that a missing end is reported like every other domain
    # error (``pauses[0].end``); an open pause has no due time and is refused.
    end: datetime | None = Field(None, description="Required: a pause needs an end.")


class DueTimeIn(Schema):
    start: datetime = Field(
        ...,
        description="ISO 8601 instant the dossier was received; without an offset it is "
        "local time (Asia/Ho_Chi_Minh).",
        examples=["2026-03-10T10:00:00+07:00"],
    )
    working_days: float | None = Field(
        None, description="Amount in working days (1 day = 8 working hours); may be fractional."
    )
    working_hours: float | None = Field(
        None, description="Amount in working hours; may be fractional. Give one amount only."
    )
    cutoff: str | None = Field(
        None,
        description="HH:MM: received after it on a working day, the clock starts the next "
        "working day.",
        examples=["15:00"],
    )
    pauses: list[PauseIn] = Field(
        default_factory=list, description="Intervals during which the clock does not run."
    )
    restart_at: datetime | None = Field(
        None,
        description="Restart policy: the whole amount runs again from this instant.",
    )
    calendar: str | None = Field(None, description="Calendar code; the default if absent.")


class DueTimeOut(Schema):
    due_at: datetime = Field(..., examples=["2026-03-10T15:30:00+07:00"])
    counted_from: datetime = Field(
        ..., description="The instant the clock starts, after the start rules and the cut-off."
    )


def _calendar_out(year: selectors.CalendarYear) -> CalendarOut:
    cal = year.calendar
    return CalendarOut(
        code=cal.code,
        name=cal.name,
        base=cal.base.code if cal.base_id and cal.base else None,
        office_hours=[OfficePeriod(start=a, end=b) for a, b in cal.periods],
        working_day_hours=WORKING_DAY_HOURS,
    )


@router.post(
    "/due-time",
    response={200: DueTimeOut, **ERRORS},
    summary="Compute a due time",
)
def due_time(request: HttpRequest, payload: DueTimeIn, query: Query[CalendarQuery]) -> DueTimeOut:
    """The due time of an amount of working time from a start, with cut-off, pauses and restart,
    as in docs/calendar.md. ``counted_from`` is where the clock starts."""
    if payload.calendar and query.calendar and payload.calendar != query.calendar:
        raise ValidationFailed(
            _("The due-time request is not valid."),
            [FieldError("calendar", _("The calendar in the body and in the query differ."))],
        )
    result = selectors.compute_due_time(
        start=payload.start,
        working_days=payload.working_days,
        working_hours=payload.working_hours,
        cutoff=payload.cutoff,
        pauses=[(p.start, p.end) for p in payload.pauses],
        restart_at=payload.restart_at,
        calendar_code=payload.calendar or query.calendar,
    )
    assert result.due_at is not None  # every pause has an end
    return DueTimeOut(due_at=result.due_at, counted_from=result.counted_from)


# Registered after /due-time: the {year} pattern would otherwise capture that path.
@router.get(
    "/{year}",
    response={200: CalendarYearOut, **ERRORS},
    summary="One year of the working calendar",
)
def calendar_year(request: HttpRequest, year: int, query: Query[CalendarQuery]) -> CalendarYearOut:
    """Office hours, the year's exceptions and every non-working date of the year."""
    result = selectors.calendar_year(year, query.calendar)
    return CalendarYearOut(
        calendar=_calendar_out(result),
        year=result.year,
        first_year=result.first_year,
        last_year=result.last_year,
        exceptions=[
            DayOut(
                date=e.date,
                kind=e.kind,
                name=e.name,
                working=e.working,
                reason=e.reason,
                announcement=e.announcement,
                source=e.source,
            )
            for e in result.exceptions
        ],
        non_working_dates=result.non_working_dates,
    )
