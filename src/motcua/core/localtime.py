"""The local time zone of Vietnam and conversions.

Instants are stored in UTC; rules that speak of days (working days, report periods, dossier
codes) use the local date in Asia/Ho_Chi_Minh, UTC+7 without daylight saving since 1975.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC_OFFSET = timedelta(hours=7)


def local(dt: datetime) -> datetime:
    """The same instant in local time. Naive datetimes are refused: they are ambiguous."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    return dt.astimezone(LOCAL_TZ)


def local_date(dt: datetime) -> date:
    return local(dt).date()


def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601; an instant without an offset is local time (Asia/Ho_Chi_Minh)."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value


def isoformat_local(dt: datetime) -> str:
    """ISO 8601 with the local offset, seconds precision: ``2026-03-16T08:00:00+07:00``."""
    return local(dt).replace(microsecond=0).isoformat()
