"""Monthly sums of the daily flows: which days a report reads from them, that a report reading
them equals the definition, and that whatever changes a closed month's days forgets them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import World, local
from motcua.stats import monthly
from motcua.stats.figures import direct
from motcua.stats.models import COUNTERS, DailyFlow, MonthDone, MonthlyAgencyFlow, MonthlyFlow
from motcua.stats.rebuild import rebuild
from motcua.stats.report import build_report
from motcua.stats.scope import Period, Scope
from motcua.stats.snapshots import invalidate

from .test_report import EXPECTED_MARCH, LATER, MARCH, counter

# The history of test_report (its fixture "history"), imported so that pytest finds it here.
from .test_report import history_fixture as history_fixture

days = st.dates(min_value=date(2023, 11, 1), max_value=date(2026, 3, 31))


def _days_of(first: date, until: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((until - first).days)}


@given(
    ranges=st.lists(st.tuples(days, st.integers(0, 400)), max_size=4),
    today=days,
)
def test_plan_reads_every_day_once_and_only_closed_whole_months_by_month(
    ranges: list[tuple[date, int]], today: date
) -> None:
    # Disjoint ranges, as a report's sub-periods are.
    spans, end = [], date(2023, 1, 1)
    for start, length in sorted(ranges):
        first = max(start, end)
        spans.append((first, first + timedelta(days=length)))
        end = first + timedelta(days=length)
    wanted = set().union(*(_days_of(a, b) for a, b in spans)) if spans else set()
    split = monthly.plan(spans, today)
    by_month = [_days_of(m, monthly.next_month(m)) for m in split.months]
    by_day = [_days_of(a, b) for a, b in split.days]
    read = [d for part in by_month + by_day for d in part]
    assert len(read) == len(set(read))  # no day twice
    assert set(read) == wanted  # every day of the ranges, nothing else
    current = today.replace(day=1)
    for month in split.months:
        assert month.day == 1 and monthly.next_month(month) <= current  # closed
        assert any(a <= month and monthly.next_month(month) <= b for a, b in spans)


def test_next_month_at_the_year_end() -> None:
    assert monthly.next_month(date(2025, 12, 1)) == date(2026, 1, 1)
    assert monthly.next_month(date(2024, 2, 1)) == date(2024, 3, 1)


@pytest.mark.django_db
def test_a_report_over_closed_months_sums_them_once_and_equals_the_definition(
    world: World, history: dict[str, Dossier]
) -> None:
    with time_machine.travel(LATER, tick=False):
        report = build_report({}, *MARCH, now=LATER)
        assert report.figures.as_dict() == EXPECTED_MARCH
        assert list(MonthDone.objects.values_list("month", flat=True)) == [date(2026, 3, 1)]
        daily = DailyFlow.objects.filter(day__gte=date(2026, 3, 1), day__lt=date(2026, 4, 1))
        assert sum(r.received for r in MonthlyFlow.objects.all()) == sum(r.received for r in daily)
        # Both months as sub-periods, and a period cutting through February: same figures as
        # the definition, each.
        by_month = build_report({}, "2026-02-10", "2026-03-31", now=LATER, breakdown="month")
        for row in by_month.rows:
            assert row.period is not None and row.as_of is not None
            assert row.figures.as_dict() == direct(Scope(), row.period, row.as_of).as_dict()
        assert MonthDone.objects.count() == 1  # February is not whole in that period


@pytest.mark.django_db
def test_an_action_dated_in_a_summed_month_forgets_its_sums(
    world: World, history: dict[str, Dossier]
) -> None:
    with time_machine.travel(LATER, tick=False):
        assert build_report({}, *MARCH, now=LATER).figures.received_total == 9
        assert MonthDone.objects.filter(month=date(2026, 3, 1)).exists()
        counter(world, "2026-03-20T09:00")  # recorded late, dated in March
        assert not MonthDone.objects.filter(month=date(2026, 3, 1)).exists()
        invalidate(local("2026-03-01T00:00"))  # the open snapshots are the test's to forget
        report = build_report({}, *MARCH, now=LATER)
        assert report.figures.received_total == 10
        period = Period(date(2026, 3, 1), date(2026, 3, 31))
        assert report.figures.as_dict() == direct(Scope(), period, report.as_of).as_dict()


@pytest.mark.django_db
def test_a_rebuild_forgets_the_sums_of_the_months_it_recounts(
    world: World, history: dict[str, Dossier]
) -> None:
    with time_machine.travel(LATER, tick=False):
        build_report({}, *MARCH, now=LATER)
        MonthlyFlow.objects.update(received=99)  # spoilt sums
        MonthlyAgencyFlow.objects.update(received=99)
        rebuild(date(2026, 3, 1), date(2026, 3, 31))
        assert not MonthDone.objects.exists() and not MonthlyFlow.objects.exists()
        assert not MonthlyAgencyFlow.objects.exists()
        assert build_report({}, *MARCH, now=LATER).figures.as_dict() == EXPECTED_MARCH


@pytest.mark.django_db
def test_the_sums_per_agency_are_the_sums_per_key_summed(
    world: World, history: dict[str, Dossier]
) -> None:
    """A report without procedures or fields reads the month per agency × channel; with them,
    per key: both must give the daily flows' figures."""
    with time_machine.travel(LATER, tick=False):
        plain = build_report({}, *MARCH, now=LATER)
        assert plain.figures.as_dict() == EXPECTED_MARCH
        fine: dict[tuple[int, str], list[int]] = {}
        for row in MonthlyFlow.objects.all():
            sums = fine.setdefault((row.agency_id, row.channel), [0, 0, 0, 0])
            for i, name in enumerate(COUNTERS):
                sums[i] += getattr(row, name)
        coarse = {
            (row.agency_id, row.channel): [getattr(row, name) for name in COUNTERS]
            for row in MonthlyAgencyFlow.objects.all()
        }
        assert coarse == fine and coarse
        for breakdown in ("agency", "level", "channel", "field", "procedure"):
            grouped = build_report({}, *MARCH, now=LATER, breakdown=breakdown)
            assert grouped.figures.as_dict() == EXPECTED_MARCH, breakdown
        procedure = world.version.procedure
        only = build_report({"procedure": procedure.code}, *MARCH, now=LATER)
        period = Period(date(2026, 3, 1), date(2026, 3, 31))
        scope = Scope(procedure_id=procedure.pk)
        assert only.figures.as_dict() == direct(scope, period, only.as_of).as_dict()


@pytest.mark.django_db
def test_recounted_days_forget_the_stored_bottlenecks_over_them(world: World) -> None:
    """A closed period's stored bottlenecks are final unless its days are recounted (an import,
    a repair): then they are computed again when next asked for."""
    from motcua.stats.models import BottleneckResult

    def stored(first: date, last: date) -> BottleneckResult:
        return BottleneckResult.objects.create(agency=world.justice, first=first, last=last)

    february = stored(date(2026, 2, 1), date(2026, 2, 28))
    year = stored(date(2026, 1, 1), date(2026, 12, 31))
    march_end = stored(date(2026, 3, 31), date(2026, 4, 30))
    may = stored(date(2026, 5, 1), date(2026, 5, 31))
    rebuild(date(2026, 3, 1), date(2026, 3, 31))
    left = set(BottleneckResult.objects.values_list("pk", flat=True))
    assert left == {february.pk, may.pk}
    assert year.pk not in left and march_end.pk not in left
