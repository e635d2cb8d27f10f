"""The service index on a history made through the engine, every available metric checked with
its arithmetic written out; the metrics motcua cannot compute yet; the ranking with ties; the
command and the API.

The world (``dossiers/tests/conftest.py``): province H99, its service centre, the justice and
building departments, a tax office; three published province-level procedures, all offered
fully online. Here one is set to "not online", one gets its dossier components (so it has the
7 mandatory parts), and a fourth procedure, a draft with every part, is added."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from motcua.agencies.models import Agency, RoleAssignment
from motcua.agencies.services import upsert_agencies
from motcua.catalog.models import DocumentRequirement, ProcedureVersion, Status
from motcua.core.errors import ValidationFailed
from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import DossierEvent
from motcua.dossiers.services import intake, perform
from motcua.dossiers.tests.conftest import local
from motcua.identity.models import User
from motcua.stats.figures import direct
from motcua.stats.index import parse_period, service_index
from motcua.stats.index.compute import rank
from motcua.stats.index.config import load_config
from motcua.stats.index.inputs import AgencyRef
from motcua.stats.scope import Scope
from motcua.stats.snapshots import invalidate

from .conftest import World
from .test_equivalence import BASE, HOUR, play, script

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 15, 10, 0, tzinfo=LOCAL_TZ)


def _counter(world: World, when: str, agency: Agency | None = None, procedure: str | None = None):
    extra = {"agency": agency.code} if agency else {}
    if procedure:
        extra["procedure"] = procedure
    dossier, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(**extra), now=local(when)
    )
    return dossier


def _online(world: World, when: str):
    receiver = world.actor("receiver")
    dossier, _ = intake(
        "submit", receiver, {**world.counter_data(), "channel": "online"}, now=local(when)
    )
    return perform(dossier.code, "receive", receiver, {}, now=local(when))


def _approve(world: World, code: str, forward: str, approve: str, leader: str = "leader"):
    perform(code, "forward", world.actor("receiver"), {}, now=local(forward))
    return perform(code, "approve", world.actor(leader), {}, now=local(approve))


def _catalogue(world: World) -> None:
    """Procedure 1.000003 (land) not online; 1.000001 with its components; a draft 1.000009
    with every mandatory part."""
    ProcedureVersion.objects.filter(pk=world.land_version.pk).update(online_level="none")
    DocumentRequirement.objects.create(version=world.version, position=1, name="Tờ khai")
    from motcua.catalog.models import Procedure

    draft = ProcedureVersion.objects.get(pk=world.version.pk)
    procedure = Procedure.objects.create(code="1.000009")
    draft.pk = None
    draft.procedure = procedure
    draft.status = Status.DRAFT
    draft.save()
    DocumentRequirement.objects.create(version=draft, position=1, name="Đơn")
    procedure.current = draft
    procedure.save()


@pytest.fixture
def history(world: World) -> World:
    """Justice, first quarter of 2026 (as of 1 April 00:00):
    D6 received 22 Dec 2025, approved 6 Jan (late)           carried over, resolved late
    D1 counter 2 Mar 08:00, approved 3 Mar                    received, resolved early
    D2 online  2 Mar 09:00 (due Fri 6 Mar 09:00), approved 9 Mar  received online, late
    D3 online  30 Mar 08:00, open (due Fri 3 Apr)             received online, within
    D4 counter 10 Mar, suspended 11 Mar, still suspended      received, paused
    D5 counter 2 Mar 08:00 (due Fri 6 Mar 08:00), open        received, overdue
    Building: one counter dossier 2 Mar 08:00, approved 3 Mar (early)."""
    _catalogue(world)
    d6 = _counter(world, "2025-12-22T08:00")
    _approve(world, d6.code, "2025-12-22T09:00", "2026-01-06T10:00")
    d1 = _counter(world, "2026-03-02T08:00")
    assert _approve(world, d1.code, "2026-03-02T09:00", "2026-03-03T10:00").timeliness == "early"
    d2 = _online(world, "2026-03-02T09:00")
    assert d2.due_at == local("2026-03-06T09:00")
    assert _approve(world, d2.code, "2026-03-02T10:00", "2026-03-09T10:00").timeliness == "late"
    _online(world, "2026-03-30T08:00")
    d4 = _counter(world, "2026-03-10T08:00")
    perform(d4.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T09:00"))
    perform(
        d4.code,
        "suspend",
        world.actor("leader"),
        {"reason": "Chờ xác minh"},
        now=local("2026-03-11T08:00"),
    )
    d5 = _counter(world, "2026-03-02T08:00")
    assert d5.due_at == local("2026-03-06T08:00")
    b1 = _counter(world, "2026-03-02T08:00", agency=world.building)
    _approve(world, b1.code, "2026-03-02T09:00", "2026-03-03T10:00", leader="builder_leader")
    return world


def _metrics(index) -> dict:
    return {m["key"]: m for g in index.as_dict()["groups"] for m in g["metrics"]}


def test_every_available_metric_by_hand(history: World) -> None:
    index = service_index("2026-Q1", history.justice, now=NOW)
    data = index.as_dict()
    assert data["as_of"] == "2026-04-01T00:00:00+07:00"
    assert data["period"] == {
        "label": "2026-Q1",
        "kind": "quarter",
        "from": "2026-01-01",
        "to": "2026-03-31",
    }
    f = data["figures"]
    assert f["carried_over"] == 1 and f["received"] == {
        "counter": 3,
        "online": 2,
        "postal": 0,
        "total": 5,
    }
    assert f["resolved"] == {"early": 1, "on_time": 0, "late": 2, "total": 3}
    assert f["in_progress"] == {"within_deadline": 1, "overdue": 1, "paused": 1, "total": 3}
    m = _metrics(index)
    # Progress: (early 1 + on time 0 + open within 1) / handled (1 carried over + 5 received)
    # = 2/6 = 33.33 %; 20 × 2/6 = 6.666… → 6.67.
    assert (m["progress"]["numerator"], m["progress"]["denominator"]) == (2, 6)
    assert (m["progress"]["value"], m["progress"]["score"]) == (33.33, 6.67)
    # C: online 2 / received 5 = 40 %; min(6, 6 × 0.4 / 0.5) = 4.8.
    assert (m["online_dossiers"]["numerator"], m["online_dossiers"]["denominator"]) == (2, 5)
    assert (m["online_dossiers"]["value"], m["online_dossiers"]["score"]) == (40.0, 4.8)
    # A: published procedures of the province level: 3, offered online: 2 (land is not);
    # min(2, 2 × (2/3) / 0.8) = 1.666… → 1.67.
    assert (m["procedures_online"]["numerator"], m["procedures_online"]["denominator"]) == (2, 3)
    assert (m["procedures_online"]["value"], m["procedures_online"]["score"]) == (66.67, 1.67)
    # B: online services 2 (1.000001, 1.000002), of which 1.000001 received online dossiers;
    # 4 × 1/2 = 2.
    assert (m["services_used"]["numerator"], m["services_used"]["denominator"]) == (1, 2)
    assert m["services_used"]["score"] == 2.0
    # 7 parts: published and draft procedures: 4; complete: 1.000001 and the draft 1.000009
    # (the two others have no dossier components); 2 × 2/4 = 1.
    assert (m["complete_parts"]["numerator"], m["complete_parts"]["denominator"]) == (2, 4)
    assert m["complete_parts"]["score"] == 1.0
    # Total: 1 + 6.67 + 1.67 + 2 + 4.8 = 16.14 over 2 + 20 + 2 + 4 + 6 = 34 → 47.47 %.
    assert (data["score"], data["available_max"], data["max"]) == (16.14, 34.0, 100.0)
    assert data["percent"] == 47.47
    groups = {g["key"]: g for g in data["groups"]}
    assert (groups["online_service"]["score"], groups["online_service"]["available_max"]) == (
        8.47,
        12.0,
    )
    assert (groups["digitisation"]["score"], groups["digitisation"]["available_max"]) == (0.0, 0.0)
    assert groups["digitisation"]["percent"] is None
    assert data["config_version"] == load_config().version


def test_metrics_not_available_are_never_scored(history: World) -> None:
    m = _metrics(service_index("2026-Q1", history.justice, now=NOW))
    missing = {
        "published_on_time",
        "updated_on_time",
        "synced_to_portal",
        "electronic_results",
        "digitised_components",
        "certified_copies",
        "data_reuse",
        "results_to_data_store",
        "population_data_dossiers",
        "population_data_procedures",
        "dossiers_paid_online",
        "procedures_with_online_payment",
        "fee_data_published",
        "feedback_on_time",
        "feedback_satisfaction",
        "dossier_satisfaction",
    }
    assert {k for k, v in m.items() if v["status"] == "not_available"} == missing
    for key in missing:
        metric = m[key]
        assert metric["score"] is None and metric["value"] is None and metric["numerator"] is None
        assert metric["reason"], key
        assert metric["weight"] > 0  # still shown with its weight: what it would be worth
    assert "đánh giá" in m["dossier_satisfaction"]["reason"]  # ratings


def test_paused_dossiers_as_configured(history: World) -> None:
    def progress(mode: str) -> tuple:
        override = {"groups": {"progress": {"metrics": {"progress": {"paused": mode}}}}}
        metric = _metrics(service_index("2026-Q1", history.justice, now=NOW, config=override))
        return (
            metric["progress"]["numerator"],
            metric["progress"]["denominator"],
            metric["progress"]["score"],
        )

    assert progress("not_within") == (2, 6, 6.67)
    assert progress("within") == (3, 6, 10.0)  # 20 × 3/6
    assert progress("excluded") == (2, 5, 8.0)  # 20 × 2/5


def test_configuration_changes_the_score(history: World, settings) -> None:
    # The decision's original split: online payment folded away, progress worth 30.
    settings.MOTCUA_SERVICE_INDEX = {
        "version": "local-2026",
        "groups": {
            "progress": {"weight": 30, "metrics": {"progress": {"weight": 30}}},
            "online_service": {"metrics": {"online_dossiers": {"target": 0.4}}},
        },
    }
    data = service_index("2026-Q1", history.justice, now=NOW).as_dict()
    m = {m["key"]: m for g in data["groups"] for m in g["metrics"]}
    assert m["progress"]["score"] == 10.0  # 30 × 2/6
    assert m["online_dossiers"]["score"] == 6.0  # min(6, 6 × 0.4 / 0.4)
    assert m["online_dossiers"]["formula"] == "min(6, 6 × (N/D) / 0.4)"
    assert (data["config_version"], data["max"]) == ("local-2026", 110.0)
    # 1 + 10 + 1.67 + 2 + 6 = 20.67 over 2 + 30 + 12 = 44.
    assert (data["score"], data["available_max"]) == (20.67, 44.0)


def test_no_dossiers_means_no_data_not_zero(world: World) -> None:
    data = service_index("2026-Q1", world.building, now=NOW).as_dict()
    m = {m["key"]: m for g in data["groups"] for m in g["metrics"]}
    for key in ("progress", "online_dossiers"):
        assert (m[key]["status"], m[key]["score"], m[key]["denominator"]) == ("no_data", None, 0)
    # Three published procedures, all online, none used: B = 0/3 scores 0, honestly.
    assert (m["services_used"]["numerator"], m["services_used"]["denominator"]) == (0, 3)
    assert m["services_used"]["score"] == 0.0
    assert data["available_max"] == 2 + 2 + 4  # parts, A, B


def test_ranking_with_ties_and_unranked_agencies(history: World) -> None:
    upsert_agencies(
        [
            {
                "code": "000.00.04.H99",
                "name": "Sở Y tế",
                "kind": "department",
                "level": "province",
                "parent": "000.00.00.H99",
            }
        ]
    )
    health = Agency.objects.get(code="000.00.04.H99")
    boss = User.objects.create_user("health_leader", password="x", full_name="Leader")
    RoleAssignment.objects.create(official=boss, agency=health, role="leader")
    h1 = _counter(history, "2026-03-02T08:00", agency=health)
    perform(h1.code, "forward", history.actor("receiver"), {}, now=local("2026-03-02T09:00"))
    perform(h1.code, "approve", Actor.for_user(boss), {}, now=local("2026-03-03T10:00"))
    root = Agency.objects.get(code="000.00.00.H99")
    data = service_index("2026-Q1", root, now=NOW).as_dict()
    ranking = [
        (r["rank"], r["agency"]["code"], r["score"], r["percent"], r["dossiers"])
        for r in data["ranking"]
    ]
    # Building and health: progress 20 (1/1), C 0/1 → 0, A 1.67, B 0/2 → 0, parts 1:
    # 22.67 / 34 = 66.68 %; justice 16.14 / 34 = 47.47 %. Equal shares, equal rank.
    assert ranking[:3] == [
        (1, "000.00.03.H99", 22.67, 66.68, 1),
        (1, "000.00.04.H99", 22.67, 66.68, 1),
        (3, "000.00.02.H99", 16.14, 47.47, 6),
    ]
    unranked = {r["agency"]["code"]: r for r in data["ranking"][3:]}
    assert set(unranked) == {"000.00.01.H99", "000.00.30.H99"}  # the centre, the tax office
    assert all(r["rank"] is None and r["not_ranked_reason"] for r in unranked.values())
    # The province: everything of its subtree.
    assert data["figures"]["total"] == 8


def test_rank_orders_by_share_of_the_available_maximum() -> None:
    from motcua.stats.figures import Figures
    from motcua.stats.index.compute import evaluate_unit
    from motcua.stats.index.inputs import UnitInputs

    config = load_config()

    def unit(good: int, total: int):
        figures = Figures()
        figures.received["counter"] = total
        figures.resolved["early"] = good
        figures.resolved["late"] = total - good
        return evaluate_unit(config, UnitInputs(figures=figures))

    refs = [AgencyRef(i, f"A{i}", f"Agency {i}") for i in range(5)]
    # Progress 20 × 1/2 = 10; C = 0 online of 2 → 0; nothing else measurable (no procedures):
    # 10 / 26. A fully on-time unit: 20 / 26.
    entries = rank(
        config,
        {
            refs[0]: unit(1, 2),
            refs[1]: unit(2, 2),
            refs[2]: unit(0, 0),
            refs[3]: unit(2, 2),
            refs[4]: unit(0, 3),
        },
    )
    assert [(e.rank, e.agency.code) for e in entries] == [
        (1, "A1"),
        (1, "A3"),
        (3, "A0"),
        (4, "A4"),
        (None, "A2"),
    ]
    assert entries[0].result.score == Decimal(20) and entries[0].result.available_max == Decimal(26)


def test_command_json_and_table(history: World, capsys) -> None:
    call_command("service_index", "--period", "2026-Q1", "--agency", history.justice.code)
    data = json.loads(capsys.readouterr().out)
    assert (data["score"], data["available_max"]) == (16.14, 34.0)
    call_command("service_index", "--period", "2026-Q1")
    whole = json.loads(capsys.readouterr().out)  # every agency; the top ones ranked
    assert whole["scope"]["agency"] is None and whole["figures"]["total"] == 7
    assert [r["agency"]["code"] for r in whole["ranking"]] == ["000.00.00.H99"]
    with translation.override("en"):
        call_command(
            "service_index", "--period", "2026-Q1", "--agency", "000.00.00.H99", "--format", "table"
        )
    out = capsys.readouterr().out
    # The province: progress (2 + 1) / (6 + 1) → 8.57; C 2/6 → 4; parts 1; A 1.67; B 2.
    assert "Score 17.24 over an available maximum of 34 (50.71%)" in out
    assert "Sở Tư pháp (000.00.02.H99)" in out and "8.57 / 20" in out
    assert "n/a [1]" in out  # not available, with the reason below


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--period", "2026-13"], "--period"),
        (["--period", "2026-Q1", "--agency", "nope"], "--agency"),
        (["--period", "2026-Q1", "--format", "xml"], "--format"),
        (["--period", "2999"], "--period"),
        (["--period", "2026-Q1", "--config", "/nonexistent/index.json"], "--config"),
    ],
)
def test_command_refuses_bad_arguments(world: World, capsys, args, expected) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("service_index", *args)
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err


def test_api_scoped_to_the_official(history: World) -> None:
    client = Client()
    url = "/api/v1/service-index"
    assert client.get(url, {"period": "2026-Q1"}).status_code == 401
    client.force_login(history.users["leader"])  # leader at justice: justice only
    response = client.get(url, {"period": "2026-Q1"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["agency"]["code"] == history.justice.code
    assert (body["score"], body["available_max"], body["max"]) == (16.14, 34.0, 100.0)
    assert body["period"]["from"] == "2026-01-01"
    denied = client.get(url, {"period": "2026-Q1", "agency": "000.00.00.H99"})
    assert denied.status_code == 403 and denied["Content-Type"] == "application/problem+json"
    bad = client.get(url, {"period": "2026-Q7"}).json()
    assert bad["status"] == 422 and bad["errors"][0]["field"] == "period"
    client.force_login(history.users["inspector"])  # inspector at the province: everything
    body = client.get(url, {"period": "2026-Q1"}).json()
    assert body["scope"]["agency"]["code"] == "000.00.00.H99"
    assert [r["agency"]["code"] for r in body["ranking"]][:2] == ["000.00.03.H99", "000.00.02.H99"]


# ----- randomised: the index's figures per child are the definition's -------------------------
@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scripts=st.lists(script, min_size=1, max_size=6),
    label=st.sampled_from(["2026-02", "2026-03", "2026-Q1", "2026"]),
    now_hours=st.integers(min_value=24 * 30, max_value=24 * 120),
)
def test_random_histories_match_the_definition(world: World, scripts, label, now_hours) -> None:
    for arrival, channel, which, plan, gaps in scripts:
        try:
            play(world, arrival, channel, which, plan, gaps)
        except Exception as exc:  # a move not allowed at that moment: the script ends there
            if type(exc).__name__ not in {"Conflict", "PermissionDenied"}:
                raise
    invalidate(datetime(2000, 1, 1, tzinfo=LOCAL_TZ))
    # While a period runs the index reads the dossiers' current state: "now" is after every event.
    latest = DossierEvent.objects.order_by("-at").values_list("at", flat=True).first()
    now = max(BASE + now_hours * HOUR, (latest or BASE) + HOUR)
    root = Agency.objects.get(code="000.00.00.H99")
    try:
        index = service_index(label, root, now=now)
    except ValidationFailed:
        assert parse_period(label).period.start > now  # only a period not started is refused
        return
    as_of = index.as_of
    assert as_of == min(now, index.period.period.end)
    period = index.period.period
    assert index.result.figures.as_dict() == direct(Scope(agency=root), period, as_of).as_dict()
    for entry in index.ranking:
        child = Agency.objects.get(code=entry.agency.code)
        expected = direct(Scope(agency=child), period, as_of)
        assert entry.result.figures.as_dict() == expected.as_dict()
        progress = next(m for g in entry.result.groups for m in g.metrics if m.key == "progress")
        good = expected.resolved["early"] + expected.resolved["on_time"]
        assert (progress.numerator, progress.denominator) == (
            good + expected.in_progress["within_deadline"],
            expected.total,
        )
        assert (entry.rank is None) == (expected.total == 0)
