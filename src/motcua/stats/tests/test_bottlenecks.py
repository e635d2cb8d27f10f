"""Bottlenecks on a history made through the engine: seed 000's land registry → tax office chain
must come out on top. Working hours written by hand (default office hours 07:30–11:30 and
13:00–17:00; March 2026 has no holiday).

Land procedure 1.000003 (5 working days = 40 h): TN centre 4 h → XL justice 12 h → THUE tax
office 16 h → PD justice 4 h → TKQ centre 4 h. Standard procedure 1.000001 (4 days = 32 h):
TN 4 h → XL 16 h → PD 8 h → TKQ 4 h."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from motcua.clock.engine import HOUR_US, to_us
from motcua.clock.selectors import working_calendar
from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers.models import DossierStep, Pause
from motcua.dossiers.services import intake, perform
from motcua.dossiers.tests.conftest import local
from motcua.stats.bottlenecks import bottlenecks, read_steps
from motcua.stats.scope import Period

from .conftest import World
from .test_equivalence import BASE, HOUR, play, script

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
AS_OF = datetime(2026, 4, 1, tzinfo=LOCAL_TZ)


def _act(world: World, code: str, action: str, who: str, when: str, **data: object):
    return perform(code, action, world.actor(who), dict(data), now=local(when))


def _land(
    world: World, tax_from: str, tax_to: str, approve: str, pause: tuple[str, str] | None = None
):
    """Received Mon 2 Mar 08:00 (due Mon 9 Mar 08:00: 7.5 + 8 × 4 + 0.5 h); TN until 09:00;
    XL until Tue 3 Mar 10:00 (9 h held of 12, on time); THUE at the tax office from then."""
    d, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(procedure=world.land_version.procedure.code),
        now=local("2026-03-02T08:00"),
    )
    assert d.due_at == local("2026-03-09T08:00")
    _act(world, d.code, "forward", "receiver", "2026-03-02T09:00")
    _act(world, d.code, "forward", "specialist", tax_from, agency=world.tax.code)
    if pause:
        _act(world, d.code, "suspend", "tax", pause[0], reason="Chờ nộp thuế")
        _act(world, d.code, "resume", "tax", pause[1])
    _act(world, d.code, "forward", "tax", tax_to)
    return _act(world, d.code, "approve", "leader", approve)


@pytest.fixture
def chain(world: World) -> dict[str, str]:
    # L1: THUE Tue 3 Mar 10:00 → Tue 10 Mar 10:00 = 5.5 + 8 + 8 + 8 + 8 + 2.5 = 40 h (due Thu
    # 5 Mar 10:00: late). PD 10:00 → 14:00 = 2.5 h (due 15:30, on time). Dossier late.
    l1 = _land(world, "2026-03-03T10:00", "2026-03-10T10:00", "2026-03-10T14:00")
    # TKQ from the approval, Tue 14:00, result handed back Mon 16 Mar: late, but it started
    # when the dossier was already resolved — it did not make it late.
    _act(
        world,
        l1.code,
        "return_result",
        "receiver",
        "2026-03-16T08:00",
        method="counter",
        recipient="An",
    )
    # L2: THUE Tue 3 Mar 10:00 → Mon 9 Mar 10:00 = 32 h, minus the suspension Wed 4 Mar 08:00 →
    # Thu 5 Mar 08:00 (7.5 + 0.5 = 8 working hours) = 24 h; its due time moves 8 h to Fri 6 Mar
    # 10:00: still late. PD Mon 9 Mar 10:00 → Tue 10 Mar 14:00 = 5.5 + 5 = 10.5 h (late). The
    # dossier's due moves to Tue 10 Mar 08:00: late.
    l2 = _land(
        world,
        "2026-03-03T10:00",
        "2026-03-09T10:00",
        "2026-03-10T14:00",
        pause=("2026-03-04T08:00", "2026-03-05T08:00"),
    )
    # L3: THUE Tue 3 Mar 10:00 → Wed 4 Mar 16:00 = 5.5 + 7 = 12.5 h (early). PD Wed 16:00 →
    # Thu 09:00 = 1 + 1.5 = 2.5 h (due Thu 10:30, on time). Dossier early.
    l3 = _land(world, "2026-03-03T10:00", "2026-03-04T16:00", "2026-03-05T09:00")
    # S1, the standard procedure: XL Mon 2 Mar 09:00 → Mon 9 Mar 09:00 = 6.5 + 8 × 4 + 1.5 =
    # 40 h of 16 (due Wed 4 Mar 09:00: late); PD 09:00 → 10:00 = 1 h; the dossier (due Fri
    # 6 Mar 08:00) late.
    s1, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-03-02T08:00")
    )
    _act(world, s1.code, "forward", "receiver", "2026-03-02T09:00")
    _act(world, s1.code, "forward", "specialist", "2026-03-09T09:00")
    _act(world, s1.code, "approve", "leader", "2026-03-09T10:00")
    return {"l1": l1.code, "l2": l2.code, "l3": l3.code, "s1": s1.code}


def test_the_tax_step_of_the_land_chain_is_the_top_bottleneck(world: World, chain) -> None:
    result = bottlenecks(MARCH, AS_OF)
    top = result.steps[0]
    assert (top.procedure.code, top.step.code, top.agency.code) == (
        "1.000003",
        "THUE",
        world.tax.code,
    )
    assert top.inter_agency
    s = top.stats
    assert (s.handled, s.late, s.caused) == (3, 2, 2)
    assert float(s.late_share) == 66.67
    # Held 12.5, 24, 40 h: median 24; 90th percentile 24 + 0.8 × (40 − 24) = 36.8.
    assert (float(s.held_median), float(s.held_p90), float(s.allotted)) == (24.0, 36.8, 16.0)
    # Next: S1's XL at justice (1 caused, 1 late of 1), then the land PD (1 caused, 1 late of 3).
    second, third = result.steps[1], result.steps[2]
    assert (
        second.procedure.code,
        second.step.code,
        second.stats.caused,
        second.stats.late_share,
    ) == ("1.000001", "XL", 1, 100)
    assert (third.procedure.code, third.step.code, third.stats.caused, third.stats.handled) == (
        "1.000003",
        "PD",
        1,
        3,
    )
    # PD held 2.5, 10.5, 2.5 h: median 2.5, p90 2.5 + 0.8 × 8 = 8.9.
    assert (float(third.stats.held_median), float(third.stats.held_p90)) == (2.5, 8.9)
    assert all(row.stats.caused == 0 for row in result.steps[3:])
    tkq = next(r for r in result.steps if r.step.code == "TKQ")
    assert (tkq.stats.handled, tkq.stats.late, tkq.stats.caused) == (1, 1, 0)
    # L1, L2 and S1 were late; 4 TN + 4 XL + 3 THUE + 4 PD + 1 TKQ steps ended.
    assert (result.late_dossiers, result.steps_handled) == (3, 16)


def test_by_agency(world: World, chain) -> None:
    rows = {r.agency.code: r.stats for r in bottlenecks(MARCH, AS_OF).agencies}
    first = bottlenecks(MARCH, AS_OF).agencies[0]
    # Tax and justice both made 2 dossiers late (L1, L2 / S1, L2) with 2 late steps; the tax
    # office's share late (2 of 3) is the higher.
    assert first.agency.code == world.tax.code
    assert (rows[world.tax.code].handled, rows[world.tax.code].caused) == (3, 2)
    justice = rows[world.justice.code]
    assert (justice.handled, justice.late, justice.caused) == (8, 2, 2)
    centre = rows[world.centre.code]
    assert (centre.handled, centre.late, centre.caused) == (5, 1, 0)


def test_held_hours_equal_the_single_path(world: World, chain) -> None:
    """The bulk arithmetic is ``WorkingCalendar.worked_us`` minus pauses, step by step."""
    calendar = working_calendar()
    result = bottlenecks(MARCH, AS_OF, procedure_id=world.land_version.procedure_id)
    expected: dict[tuple[str, str], list[float]] = {}
    for step in DossierStep.objects.filter(
        dossier__procedure=world.land_version.procedure, ended_at__isnull=False
    ):
        pauses = [
            (to_us(p.start), to_us(p.end) if p.end else None)
            for p in Pause.objects.filter(dossier_id=step.dossier_id)
        ]
        worked = calendar.worked_us(to_us(step.started_at), to_us(step.ended_at), pauses)
        expected.setdefault((step.code, step.agency.code), []).append(worked / HOUR_US)
    for row in result.steps:
        values = expected[(row.step.code, row.agency.code)]
        assert row.stats.handled == len(values)
        assert float(row.stats.held_median) == pytest.approx(
            float(np.percentile(values, 50)), abs=0.005
        )
        assert float(row.stats.held_p90) == pytest.approx(
            float(np.percentile(values, 90)), abs=0.005
        )
    assert sorted(expected[("THUE", world.tax.code)]) == [12.5, 24.0, 40.0]


def test_scope_and_period(world: World, chain) -> None:
    # The tax office: its own steps, and nothing of the dossiers it does not resolve.
    tax = bottlenecks(MARCH, AS_OF, [world.tax.pk])
    assert [(r.step.code, r.agency.code) for r in tax.steps] == [("THUE", world.tax.code)]
    # Justice: its dossiers' steps wherever they were held, the tax office's included.
    justice = bottlenecks(MARCH, AS_OF, [world.justice.pk])
    assert justice.steps[0].step.code == "THUE" and justice.steps_handled == 16
    # The building department has nothing.
    assert bottlenecks(MARCH, AS_OF, [world.building.pk]).steps == []
    # As of Fri 6 March only steps ended by then count: no late dossier yet but S1 (due 08:00).
    early = bottlenecks(MARCH, datetime(2026, 3, 6, 12, 0, tzinfo=LOCAL_TZ))
    assert early.late_dossiers == 1
    assert all(r.stats.caused == 0 for r in early.steps)  # S1's XL had not ended


def test_api(world: World, chain) -> None:
    client = Client()
    url = "/api/v1/bottlenecks"
    assert client.get(url, {"from": "2026-03-01", "to": "2026-03-31"}).status_code == 401
    client.force_login(world.users["leader"])
    response = client.get(url, {"from": "2026-03-01", "to": "2026-03-31", "limit": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["agency"]["code"] == world.justice.code
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert (body["step_count"], len(body["steps"])) == (8, 2)  # 5 land + 3 standard steps
    top = body["steps"][0]
    assert (top["step"]["code"], top["agency"]["code"], top["caused_late_dossiers"]) == (
        "THUE",
        world.tax.code,
        2,
    )
    assert top["held_hours"] == {"median": 24.0, "p90": 36.8} and top["late_share"] == 66.67
    only_land = client.get(
        url, {"from": "2026-03-01", "to": "2026-03-31", "procedure": "1.000003"}
    ).json()
    assert {r["procedure"]["code"] for r in only_land["steps"]} == {"1.000003"}
    assert only_land["scope"]["procedure"]["code"] == "1.000003"
    bad = client.get(url, {"from": "2026-03-31", "to": "2026-03-01", "procedure": "nope"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"from", "procedure"}
    assert (
        client.get(url, {"from": "2026-13-01", "to": "2026-03-01"}).json()["errors"][0]["field"]
        == "from"
    )
    assert (
        client.get(
            url, {"from": "2026-03-01", "to": "2026-03-31", "agency": "000.00.00.H99"}
        ).status_code
        == 403
    )
    assert client.get(url, {"from": "2999-03-01", "to": "2999-03-31"}).status_code == 422
    assert (
        client.get(url, {"from": "2026-03-01", "to": "2026-03-31", "limit": 0}).status_code == 422
    )


# ----- randomised: the bulk path against the single path and the definition -------------------
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scripts=st.lists(script, min_size=1, max_size=6),
    cut=st.integers(min_value=0, max_value=24 * 60),
)
def test_random_histories_match_the_definition(world: World, scripts, cut) -> None:
    for arrival, channel, which, plan, gaps in scripts:
        try:
            play(world, arrival, channel, which, plan, gaps)
        except Exception as exc:  # a move not allowed at that moment: the script ends there
            if type(exc).__name__ not in {"Conflict", "PermissionDenied"}:
                raise
    period = Period(date(2026, 2, 1), date(2026, 6, 30))
    as_of = BASE + cut * HOUR
    table = read_steps(period, as_of)
    calendar = working_calendar()
    steps = {s.pk: s for s in DossierStep.objects.select_related("dossier")}
    expected_ids = {
        pk
        for pk, s in steps.items()
        if s.ended_at is not None and period.start <= s.ended_at < as_of
    }
    assert set(table.step.tolist()) == expected_ids
    for i, pk in enumerate(table.step.tolist()):
        step = steps[pk]
        pauses = [
            (to_us(p.start), to_us(p.end) if p.end else None)
            for p in Pause.objects.filter(dossier_id=step.dossier_id, start__lt=as_of)
        ]
        assert table.held[i] == calendar.worked_us(
            to_us(step.started_at), to_us(step.ended_at), pauses
        )
        d = step.dossier
        late = (
            d.due_at is not None
            and d.due_at < as_of
            and (d.resolved_at is None or d.resolved_at > d.due_at)
        )
        assert bool(table.dossier_late[i]) == late
        caused = (
            late
            and step.timeliness == "late"
            and (d.resolved_at is None or step.started_at < d.resolved_at)
        )
        assert bool(table.caused[i]) == caused
