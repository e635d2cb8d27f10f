"""The report and the rebuild against the definition, on randomised histories made through the
engine (the scripts of ``test_equivalence``): the daily flows rebuilt from the dossier table are
the flows the engine maintained; a live report equals the definition; every figure's drill-down
lists exactly as many dossiers as the figure; every breakdown adds up."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import World
from motcua.stats.figures import Figures, direct
from motcua.stats.models import DailyFlow, OpenSnapshot, SnapshotDone
from motcua.stats.rebuild import rebuild, rebuild_flows
from motcua.stats.report import build_report
from motcua.stats.report_drill import FIGURES, report_dossiers
from motcua.stats.snapshots import ensure_snapshot, invalidate

from .test_equivalence import play, script
from .test_report import LATER, history_fixture  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def flows() -> dict[tuple[Any, ...], tuple[int, ...]]:
    rows = DailyFlow.objects.values_list(
        "day",
        "agency_id",
        "procedure_id",
        "field_id",
        "channel",
        "shard",
        "received",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
    )
    return {row[:6]: row[6:] for row in rows if any(row[6:])}


def test_rebuild_gives_the_flows_the_engine_kept(world: World, history: dict[str, Dossier]) -> None:
    kept = flows()
    assert sum(v[0] for v in kept.values()) == 13  # every received dossier (see test_report)
    DailyFlow.objects.filter(day__gte=date(2026, 3, 1)).delete()
    DailyFlow.objects.filter(day__lt=date(2026, 3, 1)).update(received=99)  # spoil the rest
    rows, received, resolved = rebuild_flows(date(2026, 2, 1), date(2026, 4, 30))
    assert (received, resolved) == (13, 7)  # A B D E I K N resolved (B in February)
    assert flows() == kept
    assert rows == len(kept)


def test_rebuild_forgets_snapshots_from_its_first_day(
    world: World, history: dict[str, Dossier]
) -> None:
    for day in (date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)):
        ensure_snapshot(datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ))
    assert SnapshotDone.objects.count() == 3
    summary = rebuild(date(2026, 3, 1))
    assert summary.snapshots_forgotten == 2
    assert [s.at.astimezone(LOCAL_TZ).date() for s in SnapshotDone.objects.all()] == [
        date(2026, 2, 1)
    ]
    assert not OpenSnapshot.objects.filter(at__gte=datetime(2026, 3, 1, tzinfo=LOCAL_TZ)).exists()
    assert summary.first == date(2026, 3, 1) and summary.last is not None
    assert build_report({}, "2026-03-01", "2026-03-31", now=LATER).figures.total == 11


def _command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with translation.override("en"):
            call_command("stats_rebuild", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_command(world: World, history: dict[str, Dossier]) -> None:
    code, out, err = _command()
    assert code == 0, err
    assert out.startswith("Daily flows rebuilt from 2026-02-25 to ")  # the first reception
    assert "13 dossiers received, 7 resolved" in out
    code, out, err = _command("--from", "2026-13-01", "--to", "2026-03-01")
    assert code == 2 and "--from:" in err and "Traceback" not in err
    code, out, err = _command("--from", "2026-03-02", "--to", "2026-03-01")
    assert code == 2 and "--from:" in err


def test_the_command_without_dossiers(db: object) -> None:
    code, out, _err = _command()
    assert code == 0 and out.startswith("No dossier has been received")


# Each example writes through the engine; shrinking would replay hundreds of histories.
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scripts=st.lists(script, min_size=1, max_size=8),
    first=st.integers(min_value=0, max_value=45),
    now_hours=st.integers(min_value=0, max_value=24 * 60),
)
def test_report_drill_down_and_rebuild_on_random_histories(
    world: World, scripts: list[Any], first: int, now_hours: int
) -> None:
    for arrival, channel, which, plan, gaps in scripts:
        try:
            play(world, arrival, channel, which, plan, gaps)
        except Exception as exc:  # a move not allowed at that moment: the script ends there
            if type(exc).__name__ not in {"Conflict", "PermissionDenied"}:
                raise
    invalidate(datetime(2000, 1, 1, tzinfo=LOCAL_TZ))  # the history was written backwards
    kept = flows()
    rebuild_flows(date(2026, 1, 1), date(2026, 9, 30))
    assert flows() == kept

    # Live: "now" after every event, inside the period.
    last_event = datetime(2026, 2, 2, tzinfo=LOCAL_TZ) + timedelta(days=100)
    now = last_event + timedelta(hours=now_hours)
    period_first = date(2026, 2, 2) + timedelta(days=first)
    report = build_report({}, period_first, now.date() + timedelta(days=3), now=now)
    assert report.live and report.as_of == now
    assert report.figures.as_dict() == direct(report.scope, report.period, now).as_dict()
    report.figures.check()
    _drill_down_counts(report)

    # Past: as of the end of a period, every breakdown adds up to the report.
    past = build_report({}, period_first, period_first + timedelta(days=20), now=now)
    assert not past.live
    for group in ("agency", "channel", "procedure"):
        rows = build_report({}, past.period.first, past.period.last, now=now, breakdown=group).rows
        total = Figures()
        for row in rows:
            total.add(row.figures)
        assert total.as_dict() == past.figures.as_dict()
    _drill_down_counts(past)


def _drill_down_counts(report: Any) -> None:
    values = report.figures.as_dict()
    for figure in FIGURES:
        name, _dot, part = figure.partition(".")
        expected = values[name] if not part else values[name][part]
        if isinstance(expected, dict):
            expected = expected["total"]
        page = report_dossiers(report.scope, report.period, report.as_of, figure, page_size=1)
        assert page.count == expected, figure
