"""The index's periods: a month (``2026-03``), a quarter (``2026-Q1``) or a year (``2026``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed, invalid
from motcua.core.localtime import isoformat_local

from ..scope import Period

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Years a period may fall in: the aggregates' dates need a following day, and instants before
# 1900 have no meaning for the one-stop system.
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True)
class IndexPeriod:
    label: str  # canonical: 2026, 2026-Q1, 2026-03
    kind: str  # year | quarter | month
    period: Period

    def as_of(self, now: datetime) -> datetime:
        """The period's end, or now while it runs; a period that has not started is refused."""
        try:
            return self.period.as_of(now)
        except ValidationFailed:
            raise invalid(
                "period",
                _("The period %(period)s has not started yet (today is %(today)s).")
                % {"period": self.label, "today": isoformat_local(now)[:10]},
            ) from None

    def as_dict(self) -> dict[str, str]:
        return {
            "label": self.label,
            "kind": self.kind,
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
        }


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str | None) -> IndexPeriod:
    value = (text or "").strip()
    expected = _("Expected a year (2026), a quarter (2026-Q1) or a month (2026-03).")
    if not value:
        raise invalid("period", _("Required. %(expected)s") % {"expected": expected})
    if m := _YEAR.match(value):
        year = int(m[1])
        if FIRST_YEAR <= year <= LAST_YEAR:
            return IndexPeriod(value, "year", Period(date(year, 1, 1), date(year, 12, 31)))
    elif m := _QUARTER.match(value):
        year, quarter = int(m[1]), int(m[2])
        if FIRST_YEAR <= year <= LAST_YEAR:
            first = date(year, 3 * quarter - 2, 1)
            last = _month_end(year, 3 * quarter)
            return IndexPeriod(f"{year:04d}-Q{quarter}", "quarter", Period(first, last))
    elif m := _MONTH.match(value):
        year, month = int(m[1]), int(m[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return IndexPeriod(
                value, "month", Period(date(year, month, 1), _month_end(year, month))
            )
    raise invalid(
        "period",
        _("%(value)r is not a period. %(expected)s") % {"value": value, "expected": expected},
    )
