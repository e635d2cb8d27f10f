"""Monthly sums of the daily flows, for closed months only.

A report over a year summed every daily-flow row of it: at provincial scale nearly one row per
dossier (the key is fine-grained: day × agency × procedure × field × channel × shard), so a
year-to-date dashboard read a million rows twice. A closed month's flows no longer change —
the engine bumps the flows of the day it acts on, which is today — so they are summed once per
key into ``MonthlyFlow`` when a report first needs that month, and read from there after.

What can still change a past month, and forgets its sums here:
  * ``rebuild_flows`` (after an import or a repair) — ``forget(first, last)``;
  * an engine action dated in a past month (a test's or a replay's ``now``; in production only
    a transaction that straddles midnight at a month's end) — ``rollup.bump`` calls ``forget``
    for any day before the current month.

Each month is also summed over procedures and fields (``MonthlyAgencyFlow``, month × agency ×
channel): a report that neither filters nor groups by procedure or field reads that instead.

``plan(ranges, today)`` splits ranges of whole days into the closed months they contain
entirely (read from ``MonthlyFlow``) and the days left over (read from ``DailyFlow``); both
models have the same key columns, so a report groups either the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction

from .models import (
    COUNTERS,
    BottleneckResult,
    DailyFlow,
    MonthDone,
    MonthlyAgencyFlow,
    MonthlyFlow,
)

_KEY = ("agency_id", "procedure_id", "field_id", "channel")


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Plan:
    months: list[date]  # closed months read from MonthlyFlow
    days: list[tuple[date, date]]  # [first, until) day ranges read from DailyFlow


def plan(ranges: Iterable[tuple[date, date]], today: date) -> Plan:
    """For each ``[first, until)`` range of whole days: the months entirely inside it that
    ended before ``today``'s month, and the days of the range outside those months."""
    current = month_of(today)
    months: list[date] = []
    days: list[tuple[date, date]] = []
    for first, until in ranges:
        if first >= until:
            continue
        month = first if first.day == 1 else next_month(month_of(first))
        start = month
        while next_month(month) <= until and next_month(month) <= current:
            months.append(month)
            month = next_month(month)
        if month == start:  # no closed month inside: all days
            days.append((first, until))
            continue
        if first < start:
            days.append((first, start))
        if month < until:
            days.append((month, until))
    return Plan(months, days)


def ensure(months: list[date]) -> None:
    """Sum the daily flows of each month not summed yet (one ``INSERT … SELECT`` each)."""
    if not months:
        return
    done = set(MonthDone.objects.filter(month__in=months).values_list("month", flat=True))
    for month in dict.fromkeys(months):
        if month not in done:
            _compute(month)


def _compute(month: date) -> None:
    q = connection.ops.quote_name
    key = ", ".join(_KEY)
    sums = ", ".join(f"SUM({column})" for column in COUNTERS)
    ops = connection.ops
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # First, so that two processes computing the same month do not both insert rows:
            # the second fails here on the unique month and leaves the first one's rows.
            MonthDone.objects.create(month=month)
            cursor.execute(
                f"INSERT INTO {q(MonthlyFlow._meta.db_table)} "  # noqa: S608
                f"(month, {key}, {', '.join(COUNTERS)}) "
                f"SELECT %s, {key}, {sums} FROM {q(DailyFlow._meta.db_table)} "
                f"WHERE day >= %s AND day < %s GROUP BY {key}",
                [
                    ops.adapt_datefield_value(month),
                    ops.adapt_datefield_value(month),
                    ops.adapt_datefield_value(next_month(month)),
                ],
            )
            cursor.execute(
                f"INSERT INTO {q(MonthlyAgencyFlow._meta.db_table)} "  # noqa: S608
                f"(month, agency_id, channel, {', '.join(COUNTERS)}) "
                f"SELECT month, agency_id, channel, {sums} "
                f"FROM {q(MonthlyFlow._meta.db_table)} WHERE month = %s "
                f"GROUP BY month, agency_id, channel",
                [ops.adapt_datefield_value(month)],
            )
    except IntegrityError:
        pass  # computed at the same moment by another process: the same sums


def forget(first: date, last: date) -> int:
    """Forget the sums of the months from ``first``'s to ``last``'s (their days changed), and
    the stored bottlenecks of any period that overlaps those days (``stored_bottlenecks``: a
    closed period's would otherwise be kept as final)."""
    since, until = month_of(first), next_month(month_of(last))
    MonthlyFlow.objects.filter(month__gte=since, month__lt=until).delete()
    MonthlyAgencyFlow.objects.filter(month__gte=since, month__lt=until).delete()
    BottleneckResult.objects.filter(first__lte=last, last__gte=first).delete()
    deleted, _ = MonthDone.objects.filter(month__gte=since, month__lt=until).delete()
    return deleted
