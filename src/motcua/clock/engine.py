"""Working-time arithmetic: turns (start, amount, cut-off, pauses, calendar) into a due time.

Representation. Every instant maps to a *working offset*: the working time, in microseconds,
between the opening of the calendar's first working day and that instant. Working day number
``k`` (0-based, counting only working days) covers offsets ``[k·H, (k+1)·H]`` where ``H`` is the
working time of one day (8 h by default). An instant outside office hours maps to the offset of
the next opening (evening, lunch, weekend and holidays all collapse onto it), which is exactly
the "clock starts at the next opening" rule of ``calendar.md``.

The due time is the *first* instant at which the counted working time reaches the amount. Offset
``(k+1)·H`` is both "17:00 of day k" and "07:30 of day k+1"; taking the first instant picks
17:00, which is the period-end boundary rule (and 11:30 rather than 13:00 for the lunch break).

Two implementations share this representation and must agree (tested with hypothesis):
``WorkingCalendar.due`` for one dossier, in microseconds, and ``WorkingCalendar.due_bulk`` for
arrays. The bulk path counts working days with ``numpy.busday_count`` over a
``weekmask='1111111'`` calendar that lists every non-working date (precomputed once per date of
the range, then looked up), and maps a day number back to its date by indexing the array of
working days. ``numpy.busday_offset`` gives the same date (tested) but, with every weekend listed
as a holiday, steps past the non-working days one by one: ~40 µs per element when counted from
the calendar's first day (docs/adr/0003-working-time-engine.md).

Local time is Asia/Ho_Chi_Minh, a fixed UTC+7 since 1975; the engine adds the offset instead of
consulting the time-zone database on every call (see docs/adr/0003-working-time-engine.md).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

from motcua.core.localtime import LOCAL_TZ

US = 1_000_000
HOUR_US = 3600 * US
DAY_US = 86_400 * US
LOCAL_OFFSET_US = 7 * HOUR_US
WORKING_DAY_HOURS = 8  # 1 working day = 8 working hours, whatever a calendar's office hours
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Sentinel for "no end" (an open pause): larger than any offset the calendar can produce.
OPEN = np.iinfo(np.int64).max // 4
NO_PAUSE = np.iinfo(np.int64).min


class CalendarRangeError(ValueError):
    """An instant falls outside the years the calendar is defined for."""


@dataclass(frozen=True)
class Pause:
    """A dated interval during which the clock does not run. ``end=None``: still paused."""

    start: datetime
    end: datetime | None


def to_us(dt: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: an instant needs a time zone")
    return (dt - _EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    """The local (Asia/Ho_Chi_Minh) datetime of an epoch-microsecond value."""
    return (_EPOCH + timedelta(microseconds=int(us))).astimezone(LOCAL_TZ)


def hours_to_us(hours: float) -> int:
    return round(hours * HOUR_US)


def parse_hhmm(text: str | time) -> int:
    """'07:30' (or a ``time``, as a procedure's cut-off is stored) → seconds since midnight.

    Raises ValueError with a readable message."""
    if isinstance(text, time):
        return text.hour * 3600 + text.minute * 60 + text.second
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("invalid time %(text)r (expected HH:MM)") % {"text": text}) from None
    return parsed.hour * 3600 + parsed.minute * 60 + parsed.second


class WorkingCalendar:
    """A compiled calendar: office periods and the set of working days over a range of years.

    ``periods``: ordered, non-overlapping (start, end) pairs of seconds since local midnight.
    ``non_working``: every date that is not worked in ``[first_year, last_year]``, weekends
    included (a Saturday worked by announcement is simply absent from it).
    """

    def __init__(
        self,
        periods: Sequence[tuple[int, int]],
        non_working: Iterable[date],
        first_year: int,
        last_year: int,
    ) -> None:
        self._check_periods(periods)
        self.periods_s = tuple((int(a), int(b)) for a, b in periods)
        self.periods_us = tuple((a * US, b * US) for a, b in self.periods_s)
        self.day_us = sum(b - a for a, b in self.periods_us)
        self.first_day = date(first_year, 1, 1)
        self.last_day = date(last_year, 12, 31)
        off = {d for d in non_working if self.first_day <= d <= self.last_day}
        self.non_working = frozenset(off)
        first_ord = (self.first_day - date(1970, 1, 1)).days
        last_ord = (self.last_day - date(1970, 1, 1)).days
        off_ord = {(d - date(1970, 1, 1)).days for d in off}
        # Epoch-day numbers of the working days, ascending; index in this list = day number k.
        self.working_days: list[int] = [
            n for n in range(first_ord, last_ord + 1) if n not in off_ord
        ]
        if not self.working_days:
            raise ValueError(_("the calendar has no working day"))
        self._first_ord = first_ord
        self._last_ord = last_ord
        self._working_days_arr = np.asarray(self.working_days, dtype=np.int64)
        self.busdaycal = np.busdaycalendar(
            weekmask="1111111",
            holidays=np.array(sorted(off), dtype="datetime64[D]"),
        )
        # busday_count and is_busday for every date of the range, computed once (~7,700 dates):
        # the bulk path then looks them up instead of searching per element (5× faster).
        every_date = np.arange(
            np.datetime64(self.first_day, "D"), np.datetime64(self.last_day, "D") + 1
        )
        self._index_of_day = np.busday_count(
            self.first_day, every_date, busdaycal=self.busdaycal
        ).astype(np.int64)
        self._is_working_day = np.is_busday(every_date, busdaycal=self.busdaycal)
        # Cumulative working time at the start of each period, for the inverse mapping.
        cum = 0
        self._cum: list[tuple[int, int, int]] = []  # (period start, period end, worked before)
        for a, b in self.periods_us:
            self._cum.append((a, b, cum))
            cum += b - a

    @staticmethod
    def _check_periods(periods: Sequence[tuple[int, int]]) -> None:
        if not periods:
            raise ValueError(_("office hours need at least one period"))
        previous_end = 0
        for a, b in periods:
            if not (0 <= a < b <= 86_400):
                raise ValueError(_("each office period must start before it ends, within the day"))
            if a < previous_end:
                raise ValueError(_("office periods must be in order and must not overlap"))
            previous_end = b

    # ----- single path -------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        self._check_day_ord((day - date(1970, 1, 1)).days)
        return day not in self.non_working

    def _check_day_ord(self, day_ord: int) -> None:
        if day_ord < self._first_ord or day_ord > self._last_ord:
            day = date(1970, 1, 1) + timedelta(days=day_ord)
            raise CalendarRangeError(
                _("the working calendar does not cover %(year)s (it covers %(first)s–%(last)s)")
                % {"year": day.year, "first": self.first_day.year, "last": self.last_day.year}
            )

    def _worked_in_day(self, tod: int) -> int:
        """Working microseconds from midnight to time-of-day ``tod`` (µs)."""
        acc = 0
        for a, b in self.periods_us:
            if tod <= a:
                return acc
            if tod < b:
                return acc + tod - a
            acc += b - a
        return acc

    def offset(self, t_us: int) -> int:
        """Working offset of an instant (µs since the epoch)."""
        local_us = t_us + LOCAL_OFFSET_US
        day = local_us // DAY_US
        self._check_day_ord(day)
        i = bisect.bisect_left(self.working_days, day)
        if i < len(self.working_days) and self.working_days[i] == day:
            return i * self.day_us + self._worked_in_day(local_us - day * DAY_US)
        return i * self.day_us

    def start_offset(self, t_us: int, cutoff_s: int | None = None) -> int:
        """Offset at which the clock starts for a dossier received at ``t_us``.

        After the cut-off on a working day, the clock starts at the next working day's opening.
        """
        local_us = t_us + LOCAL_OFFSET_US
        day = local_us // DAY_US
        self._check_day_ord(day)
        i = bisect.bisect_left(self.working_days, day)
        if i < len(self.working_days) and self.working_days[i] == day:
            tod = local_us - day * DAY_US
            if cutoff_s is not None and tod > cutoff_s * US:
                return (i + 1) * self.day_us
            return i * self.day_us + self._worked_in_day(tod)
        return i * self.day_us

    def instant(self, offset: int) -> int:
        """The first instant (µs since the epoch) whose working offset is ``offset`` (> 0)."""
        if offset <= 0:
            # k would be -1, and working_days[-1] the calendar's *last* day.
            raise ValueError("a due offset must be greater than 0")
        k = (offset - 1) // self.day_us
        worked = offset - k * self.day_us  # in (0, H]
        if k >= len(self.working_days):
            raise CalendarRangeError(
                _("the due time falls after the end of the working calendar (%(last)s)")
                % {"last": self.last_day.year}
            )
        for a, b, before in self._cum:
            if worked <= before + (b - a):
                tod = a + worked - before
                break
        else:  # pragma: no cover - worked ≤ H always lands in a period
            raise AssertionError(worked)
        return self.working_days[k] * DAY_US + tod - LOCAL_OFFSET_US

    def opening(self, offset: int) -> int:
        """The last instant (µs since the epoch) whose working offset is ``offset`` (≥ 0).

        That is where a clock standing at ``offset`` actually runs from: the instant itself
        inside office hours, otherwise the next opening (13:00 for 11:30, 07:30 of the next
        working day for 17:00). ``instant`` is its mirror image, used for due times.
        """
        k = offset // self.day_us
        worked = offset - k * self.day_us  # in [0, H)
        if offset < 0 or k >= len(self.working_days):
            raise CalendarRangeError(
                _("the working calendar does not cover %(year)s (it covers %(first)s–%(last)s)")
                % {
                    "year": self.last_day.year + 1,
                    "first": self.first_day.year,
                    "last": self.last_day.year,
                }
            )
        for a, b, before in self._cum:
            if worked < before + (b - a):
                tod = a + worked - before
                break
        else:  # pragma: no cover - worked < H always lands in a period
            raise AssertionError(worked)
        return self.working_days[k] * DAY_US + tod - LOCAL_OFFSET_US

    def start_instant_us(self, t_us: int, cutoff_s: int | None = None) -> int:
        """The instant the clock starts for a dossier received at ``t_us`` (start rules)."""
        return self.opening(self.start_offset(t_us, cutoff_s))

    def due_us(
        self,
        start_us: int,
        amount_us: int,
        cutoff_s: int | None = None,
        pauses: Sequence[tuple[int, int | None]] = (),
    ) -> int | None:
        """Due instant in µs, or None while an open pause holds the clock before the amount is
        used up. ``pauses`` are (start, end) in µs; ``end=None`` is open."""
        if amount_us <= 0:
            raise ValueError(_("the amount of time must be greater than 0"))
        pos = self.start_offset(start_us, cutoff_s)
        remaining = amount_us
        if pauses:
            for p_start, p_end in sorted(pauses, key=lambda p: p[0]):
                p_end_off = OPEN if p_end is None else self.offset(p_end)
                if p_end_off <= pos:
                    continue
                p_start_off = self.offset(p_start)
                if p_start_off >= pos + remaining:
                    break
                if p_start_off > pos:
                    remaining -= p_start_off - pos
                pos = p_end_off
                if pos >= OPEN:
                    return None
        return self.instant(pos + remaining)

    def due(
        self,
        start: datetime,
        *,
        hours: float | None = None,
        days: float | None = None,
        cutoff: str | time | None = None,
        pauses: Sequence[Pause] = (),
        restart_at: datetime | None = None,
    ) -> datetime | None:
        """Due time for an amount of working hours or days (1 day = 8 hours).

        ``restart_at``: under the ``restart`` supplement policy the whole amount runs again from
        that instant (start rules apply to it); pauses before it no longer matter.
        """
        amount_us = amount_to_us(hours=hours, days=days)
        begin = restart_at if restart_at is not None else start
        cutoff_s = parse_hhmm(cutoff) if cutoff is not None and cutoff != "" else None
        raw = [(to_us(p.start), None if p.end is None else to_us(p.end)) for p in pauses]
        result = self.due_us(to_us(begin), amount_us, cutoff_s, raw)
        return None if result is None else from_us(result)

    def worked_us(
        self, start_us: int, end_us: int, pauses: Sequence[tuple[int, int | None]] = ()
    ) -> int:
        """Working time between two instants, minus the working time inside pauses."""
        a = self.offset(start_us)
        b = self.offset(end_us)
        if b <= a:
            return 0
        total = b - a
        covered_to = a
        for p_start, p_end in sorted(pauses, key=lambda p: p[0]):
            ps = max(self.offset(p_start), covered_to)
            pe = b if p_end is None else min(self.offset(p_end), b)
            if pe > ps:
                total -= pe - ps
                covered_to = pe
        return total

    # ----- bulk path ---------------------------------------------------------------------
    def _check_days(self, days: npt.NDArray[np.int64]) -> None:
        if days.size and (days.min() < self._first_ord or days.max() > self._last_ord):
            bad = int(days.min() if days.min() < self._first_ord else days.max())
            self._check_day_ord(bad)

    def _worked_in_day_bulk(self, tod: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        acc = np.zeros_like(tod)
        for a, b in self.periods_us:
            acc += np.clip(tod - a, 0, b - a)
        return acc

    def offsets_bulk(
        self, t_us: npt.NDArray[np.int64], cutoff_s: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[np.int64]:
        """Vectorised ``offset``: the working offset of each instant (µs since the epoch);
        with ``cutoff_s`` (seconds, -1 for none), the offset at which a dossier received then
        starts counting (``start_offset``)."""
        local_us = t_us + LOCAL_OFFSET_US
        day = local_us // DAY_US
        self._check_days(day)
        tod = local_us - day * DAY_US
        idx = self._index_of_day[day - self._first_ord]
        working = self._is_working_day[day - self._first_ord]
        off = idx * self.day_us + np.where(working, self._worked_in_day_bulk(tod), 0)
        if cutoff_s is not None:
            late = working & (cutoff_s >= 0) & (tod > cutoff_s * US)
            off = np.where(late, (idx + 1) * self.day_us, off)
        return off

    def _instants_bulk(self, offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        k = (offsets - 1) // self.day_us
        worked = offsets - k * self.day_us
        if k.size and k.min() < 0:  # a negative index would wrap to the calendar's end
            raise ValueError("a due offset must be greater than 0")
        if k.size and k.max() >= len(self.working_days):
            raise CalendarRangeError(
                _("the due time falls after the end of the working calendar (%(last)s)")
                % {"last": self.last_day.year}
            )
        tod = np.zeros_like(offsets)
        placed = np.zeros(offsets.shape, dtype=bool)
        for a, b, before in self._cum:
            here = ~placed & (worked <= before + (b - a))
            tod = np.where(here, a + worked - before, tod)
            placed |= here
        # k counts working days from the calendar's first one: the k-th worked date is a lookup.
        # np.busday_offset(first_day, k, roll="forward") is the same date (tested), but walks
        # past every listed non-working day one by one.
        day_ord = self._working_days_arr[k]
        return day_ord * DAY_US + tod - LOCAL_OFFSET_US

    def due_bulk(
        self,
        start_us: npt.ArrayLike,
        amount_us: npt.ArrayLike,
        cutoff_s: npt.ArrayLike | None = None,
        pause_start_us: npt.ArrayLike | None = None,
        pause_end_us: npt.ArrayLike | None = None,
    ) -> npt.NDArray[np.int64]:
        """Vectorised ``due_us``.

        ``cutoff_s``: seconds since midnight, ``-1`` for none. Pauses: two (N, P) arrays; an
        absent pause has start ``NO_PAUSE``; an open pause has end ``NO_PAUSE`` too (no end).
        Returns µs since the epoch; ``NO_PAUSE`` where an open pause holds the clock.
        """
        starts = np.asarray(start_us, dtype=np.int64)
        amounts = np.asarray(amount_us, dtype=np.int64)
        if amounts.size and amounts.min() <= 0:
            raise ValueError(_("the amount of time must be greater than 0"))
        cut = None if cutoff_s is None else np.asarray(cutoff_s, dtype=np.int64)
        pos = self.offsets_bulk(starts, cut)
        remaining = amounts.copy()
        if pause_start_us is not None and pause_end_us is not None:
            ps_raw = np.asarray(pause_start_us, dtype=np.int64).reshape(len(starts), -1)
            pe_raw = np.asarray(pause_end_us, dtype=np.int64).reshape(len(starts), -1)
            order = np.argsort(np.where(ps_raw == NO_PAUSE, np.iinfo(np.int64).max, ps_raw), axis=1)
            ps_raw = np.take_along_axis(ps_raw, order, axis=1)
            pe_raw = np.take_along_axis(pe_raw, order, axis=1)
            for j in range(ps_raw.shape[1]):
                present = ps_raw[:, j] != NO_PAUSE
                if not present.any():
                    continue
                safe_start = np.where(present, ps_raw[:, j], starts)
                open_end = present & (pe_raw[:, j] == NO_PAUSE)
                safe_end = np.where(present & ~open_end, pe_raw[:, j], starts)
                ps_off = self.offsets_bulk(safe_start)
                pe_off = np.where(open_end, OPEN, self.offsets_bulk(safe_end))
                hit = present & (pe_off > pos) & (ps_off < pos + remaining)
                remaining = np.where(hit & (ps_off > pos), remaining - (ps_off - pos), remaining)
                pos = np.where(hit, pe_off, pos)
        held = pos >= OPEN
        result = self._instants_bulk(np.where(held, self.day_us, pos + remaining))
        return np.where(held, NO_PAUSE, result)


def amount_to_us(*, hours: float | None = None, days: float | None = None) -> int:
    if (hours is None) == (days is None):
        raise ValueError(_("give either working hours or working days, not both"))
    value = float(hours) if hours is not None else float(days) * WORKING_DAY_HOURS  # type: ignore[arg-type]
    # NaN passes "<= 0" unnoticed and infinity cannot become microseconds: refuse both here.
    if not math.isfinite(value * HOUR_US):
        raise ValueError(_("the amount of time must be a finite number"))
    if value <= 0:
        raise ValueError(_("the amount of time must be greater than 0"))
    return hours_to_us(value)
