"""The demo's simulated history on a small scale: a week, two communes and the provincial
procedures, through the import path and the engine."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.db import transaction

from motcua.agencies.services import load_sample_province
from motcua.cli.demo_history import seed_history
from motcua.cli.management.commands.demo import load_sample_catalog
from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers import refs
from motcua.dossiers.models import Dossier, DossierEvent, DossierStep
from motcua.stats.aggregated import aggregated
from motcua.stats.figures import direct
from motcua.stats.scope import Period, Scope

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 6, 16, 30, tzinfo=LOCAL_TZ)  # a Friday, ten days before Tết 2026
SMALL: dict[str, Any] = {
    "now": NOW,
    "months": 0.25,
    "recent_days": 3,
    "communes": ["012.50.00.H20", "001.50.00.H20", "002.50.00.H20"],
    # The demo's commune, the tax office and the land registry: through the engine.
    "showcase": ["012.50.00.H20", "000.00.30.H20", "000.01.04.H20"],
    "scale": 0.3,
}


@pytest.fixture
def province(calendar: object) -> None:
    load_sample_province()
    procedures, problem = load_sample_catalog()
    assert procedures and not problem


def _picture() -> tuple[list[tuple[str, str, str]], int, int]:
    dossiers = list(Dossier.objects.order_by("code").values_list("code", "state", "timeliness"))
    return dossiers, DossierEvent.objects.count(), DossierStep.objects.count()


class _Undo(Exception):
    pass


def _seed_and_undo() -> tuple[Any, Any]:
    """Seed inside a savepoint, look, and roll it back: the next seed starts from the same
    empty province (events are append-only, they cannot be deleted)."""
    try:
        with transaction.atomic():
            result = seed_history(**SMALL)
            picture = _picture()
            raise _Undo
    except _Undo:
        refs.clear()
    return result, picture


def test_a_small_history_is_alive_and_its_aggregates_are_exact(province: None) -> None:
    result = seed_history(**SMALL)
    assert not result.skipped
    assert result.imported > 100 and result.replayed > 20
    assert result.replay_refused == 0, result.refusals
    states = result.states
    assert {"returned", "result_ready", "in_progress", "submitted"} <= set(states)
    assert len(states) >= 6, states
    assert sum(states.values()) == Dossier.objects.count()
    assert Dossier.objects.filter(imported=True).count() == result.imported
    # Roughly half online, no online dossier for a procedure offered at the counter only.
    channels = {c: Dossier.objects.filter(channel=c).count() for c in ("counter", "online")}
    assert 0.3 < channels["online"] / sum(channels.values()) < 0.7
    assert not Dossier.objects.filter(channel="online", procedure__code="2.000815").exists()
    # The replayed dossiers walked their workflows: inter-agency steps, desks, decisions.
    replayed = Dossier.objects.filter(imported=False)
    assert DossierStep.objects.filter(dossier__in=replayed, agency__code="000.00.30.H20").exists()
    assert DossierEvent.objects.filter(action="forward").count() > result.replayed
    assert DossierEvent.objects.filter(action="approve", dossier__in=replayed).exists()
    assert Dossier.objects.filter(timeliness="late").exists()
    # Nothing in the future.
    assert not DossierEvent.objects.filter(at__gt=NOW).exists()
    # The aggregates (flows, snapshots) equal the definition over the dossiers.
    period = Period(date(2026, 1, 26), date(2026, 2, 6))
    as_of = period.as_of(NOW)
    for group in (None, "agency", "channel"):
        got = aggregated(Scope(), period, as_of, group=group)
        total = direct(Scope(), period, as_of)
        merged = type(total)()
        for figures in got.values():
            merged.add(figures)
        assert merged.as_dict() == total.as_dict()
    assert total.received_total > 0 and total.resolved_total > 0


def test_deterministic_and_run_once(province: None) -> None:
    first, picture = _seed_and_undo()
    assert Dossier.objects.count() == 0
    second = seed_history(**SMALL)
    assert (second.imported, second.replayed) == (first.imported, first.replayed)
    assert _picture() == picture
    again = seed_history(**SMALL)
    assert again.skipped and _picture() == picture
