"""Imported dossiers are part of the product, not a side table: the public lookup finds them,
the period report counts them (the same figures as a direct query over the dossiers), and the
statistics are rebuilt whoever calls the import — not only the command."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers.importing import import_history
from motcua.stats.figures import direct
from motcua.stats.models import DailyFlow, SnapshotDone
from motcua.stats.report import build_report
from motcua.stats.scope import Period, Scope

from .conftest import World

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=LOCAL_TZ)


def history(world: World) -> list[dict[str, Any]]:
    j = world.justice.code

    def d(n: int, channel: str, received: str, **more: Any) -> dict[str, Any]:
        return {
            "code": f"{j}-2602{n:02d}-0001",
            "procedure": world.version.procedure.code,
            "agency": j,
            "channel": channel,
            "received_at": f"{received}+07:00",
            "applicant": {"name": "Trần Thị Bích Ngọc", "national_id": "082190004321"},
            **more,
        }

    return [
        d(2, "online", "2026-02-02T09:00", outcome="approved",
          resolved_at="2026-02-03T10:00:00+07:00", returned_at="2026-02-04T08:00:00+07:00"),
        d(3, "counter", "2026-02-03T09:00", outcome="refused",
          resolved_at="2026-02-20T10:00:00+07:00"),
        d(4, "counter", "2026-02-04T09:00"),  # still open
        d(5, "postal", "2026-02-05T09:00",
          pauses=[{"start": "2026-02-06T09:00:00+07:00", "end": None, "kind": "supplement"}]),
        d(6, "online", "2026-03-02T09:00", outcome="withdrawn",
          resolved_at="2026-03-03T09:00:00+07:00"),
    ]  # fmt: skip


def import_file(tmp_path: Path, lines: list[dict[str, Any]]) -> Any:
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    # import_history itself, as the demo seeding calls it: no command importing stats.sweep.
    return import_history(path, now=NOW)


def test_the_public_lookup_finds_an_imported_dossier_masked(world: World, tmp_path: Path) -> None:
    import_file(tmp_path, history(world))
    with translation.override("en"):
        response = Client().get(f"/api/v1/public/dossiers/{world.justice.code}-260202-0001")
        paused = Client().get(f"/api/v1/public/dossiers/{world.justice.code}-260205-0001")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "returned"
    assert body["applicant_initials"] == "T. T. B. N."
    assert body["received_at"].startswith("2026-02-02T09:00:00")
    assert body["returned_at"].startswith("2026-02-04T08:00:00")
    assert "082190004321" not in response.content.decode()
    assert paused.status_code == 200
    assert (paused.json()["state"], paused.json()["paused"]) == ("awaiting_supplement", True)


def test_the_period_report_counts_imported_dossiers_as_a_direct_query(
    world: World, tmp_path: Path
) -> None:
    result = import_file(tmp_path, history(world))
    assert result.imported == 5
    assert result.aggregate_seconds > 0  # the statistics were rebuilt
    assert DailyFlow.objects.exists()
    assert SnapshotDone.objects.filter(at=datetime(2026, 3, 1, tzinfo=LOCAL_TZ)).exists()

    february = build_report(None, "2026-02-01", "2026-02-28", now=NOW)
    figures = february.figures.as_dict()
    assert figures["received"] == {"counter": 2, "online": 1, "postal": 1, "total": 4}
    assert figures["resolved"]["total"] == 2  # approved 3 Feb, refused 20 Feb
    assert figures["in_progress"]["paused"] == 1
    assert figures["in_progress"]["total"] == 2
    period = Period(date(2026, 2, 1), date(2026, 2, 28))
    assert figures == direct(Scope(), period, period.as_of(NOW)).as_dict()

    march = build_report({"agency": world.justice.code}, "2026-03-01", "2026-03-31", now=NOW)
    assert march.figures.as_dict()["carried_over"] == 2
    assert march.figures.as_dict()["received"]["online"] == 1
    period = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert march.figures.as_dict() == direct(Scope(), period, period.as_of(NOW)).as_dict()
