"""The period report on a small history made through the engine, every figure and rate worked
out by hand (default office hours 07:30–11:30, 13:00–17:00; the test procedure takes 4 working
days = 32 working hours).

The history, around the period March 2026 (Sunday 1 – Tuesday 31):

  A  counter  Wed 25 Feb 09:00  approved Tue 3 Mar 08:30   due Tue 3 Mar 09:00: 2.5 + 4 (Wed),
                                                           8 (Thu), 8 (Fri), 8 (Mon), 1.5 (Tue)
                                                           → carried over, resolved on time
  B  counter  Thu 26 Feb 10:00  approved Fri 27 Feb        → resolved before March: not counted
  C  counter  Fri 27 Feb 08:00  still open                 due Thu 5 Mar 08:00 → carried over,
                                                           overdue on 1 April
  D  online   submitted Sun 1 Mar, received Mon 2 Mar 08:00, approved Tue 3 Mar 10:00
                                                           due Fri 6 Mar 08:00 → early
  E  counter  Mon 9 Mar 08:00   approved Fri 13 Mar 10:00  due Fri 13 Mar 08:00: 7.5 + 8 + 8 +
                                                           8 + 0.5 → late
  F  counter  Tue 10 Mar 08:00  supplement requested Wed 11 Mar, never supplied → paused
  G  counter  Wed 11 Mar 08:00  suspended Thu 12 Mar, still suspended → paused
  H  online   received Mon 30 Mar 08:00, open              due Fri 3 Apr 08:00 → within
  I  counter  Mon 16 Mar 08:00  refused Tue 17 Mar 09:00   (a refusal is a result) → early
  J  online   submitted Fri 20 Mar, never received         → not counted
  K  counter  Wed 18 Mar 08:00  withdrawn Wed 18 Mar 10:00 → early
  L  counter  completion requested at the desk Thu 19 Mar → never received: not counted
  M  postal   submitted Mon 23 Mar, received Tue 24 Mar 09:00, open
                                                           due Mon 30 Mar 09:00 → overdue
  N  counter  Tue 31 Mar 15:00 (Sở Xây dựng), approved Thu 2 Apr → open on 1 April, within
  O  counter  Thu 2 Apr 08:00                              → after the period: not counted

As of the period's end (Wed 1 April 00:00):
  carried_over = A, C = 2
  received     = counter E F G I K N = 6, online D H = 2, postal M = 1 → 9
  total        = 2 + 9 = 11
  resolved     = early D I K = 3, on time A = 1, late E = 1 → 5
  in_progress  = within H N = 2, overdue C M = 2, paused F G = 2 → 6;  5 + 6 = 11
  on_time_rate          = (3 + 1) / 5  = 80.00
  online_rate           = 2 / 9        = 22.222… → 22.22
  on_time_rate_of_total = (3 + 1) / 11 = 36.3636… → 36.36
  online_share_of_total = 2 / 11       = 18.1818… → 18.18
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from motcua.core.errors import ValidationFailed
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import intake, perform
from motcua.dossiers.tests.conftest import World, local
from motcua.stats.figures import Figures, direct
from motcua.stats.report import build_report, month_flows, months_of
from motcua.stats.report_drill import FIGURES, report_dossiers
from motcua.stats.scope import Period

pytestmark = pytest.mark.django_db

LATER = local("2026-06-01T00:00")  # "now": after every event of the history
MARCH = ("2026-03-01", "2026-03-31")


def counter(world: World, when: str, **extra: object) -> Dossier:
    dossier, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(**extra), now=local(when)
    )
    return dossier


def remote(world: World, channel: str, submitted: str, received: str | None) -> Dossier:
    receiver = world.actor("receiver")
    dossier, _ = intake(
        "submit", receiver, world.counter_data(channel=channel), now=local(submitted)
    )
    if received:
        dossier = perform(dossier.code, "receive", receiver, {}, now=local(received))
    return dossier


def act(world: World, dossier: Dossier, action: str, who: str, when: str, **data: object) -> None:
    perform(dossier.code, action, world.actor(who), dict(data), now=local(when))


def forward(world: World, dossier: Dossier, when: str) -> None:
    act(world, dossier, "forward", "receiver", when)


def approve(world: World, dossier: Dossier, when: str, leader: str = "leader") -> None:
    act(world, dossier, "approve", leader, when)


@pytest.fixture(name="history")
def history_fixture(world: World) -> dict[str, Dossier]:
    d: dict[str, Dossier] = {}
    d["A"] = counter(world, "2026-02-25T09:00")
    forward(world, d["A"], "2026-02-25T10:00")
    approve(world, d["A"], "2026-03-03T08:30")
    d["B"] = counter(world, "2026-02-26T10:00")
    forward(world, d["B"], "2026-02-26T11:00")
    approve(world, d["B"], "2026-02-27T09:00")
    d["C"] = counter(world, "2026-02-27T08:00")
    forward(world, d["C"], "2026-02-27T09:00")
    d["D"] = remote(world, "online", "2026-03-01T20:00", "2026-03-02T08:00")
    forward(world, d["D"], "2026-03-02T09:00")
    approve(world, d["D"], "2026-03-03T10:00")
    d["E"] = counter(world, "2026-03-09T08:00")
    forward(world, d["E"], "2026-03-09T09:00")
    approve(world, d["E"], "2026-03-13T10:00")
    d["F"] = counter(world, "2026-03-10T08:00")
    forward(world, d["F"], "2026-03-10T09:00")
    act(world, d["F"], "request_supplement", "specialist", "2026-03-11T08:00", items=["Tờ khai"])
    d["G"] = counter(world, "2026-03-11T08:00")
    forward(world, d["G"], "2026-03-11T09:00")
    act(world, d["G"], "suspend", "leader", "2026-03-12T08:00", reason="Chờ nộp thuế")
    d["H"] = remote(world, "online", "2026-03-29T21:00", "2026-03-30T08:00")
    d["I"] = counter(world, "2026-03-16T08:00")
    forward(world, d["I"], "2026-03-16T09:00")
    act(world, d["I"], "refuse", "leader", "2026-03-17T09:00", reason="Không đủ điều kiện")
    d["J"] = remote(world, "online", "2026-03-20T10:00", None)
    d["K"] = counter(world, "2026-03-18T08:00")
    act(world, d["K"], "withdraw", "receiver", "2026-03-18T10:00", reason="Công dân rút")
    d["L"], _ = intake(
        "request_completion",
        world.actor("receiver"),
        {**world.counter_data(), "items": ["Bản sao CCCD"]},
        now=local("2026-03-19T08:00"),
    )
    d["M"] = remote(world, "postal", "2026-03-23T10:00", "2026-03-24T09:00")
    d["N"] = counter(world, "2026-03-31T15:00", agency=world.building.code)
    forward(world, d["N"], "2026-04-01T08:00")
    approve(world, d["N"], "2026-04-02T10:00", leader="builder_leader")
    d["O"] = counter(world, "2026-04-02T08:00")
    return {k: Dossier.objects.get(pk=v.pk) for k, v in d.items()}


def test_the_history_is_as_described(history: dict[str, Dossier]) -> None:
    h = history
    assert h["A"].due_at == local("2026-03-03T09:00") and h["A"].timeliness == "on_time"
    assert h["C"].due_at == local("2026-03-05T08:00") and h["C"].resolved_at is None
    assert h["D"].due_at == local("2026-03-06T08:00") and h["D"].timeliness == "early"
    assert h["E"].due_at == local("2026-03-13T08:00") and h["E"].timeliness == "late"
    assert (h["F"].state, h["G"].state) == ("awaiting_supplement", "suspended")
    assert h["H"].due_at == local("2026-04-03T08:00")
    assert (h["I"].state, h["I"].timeliness) == ("refused", "early")
    assert (h["K"].state, h["K"].timeliness) == ("withdrawn", "early")
    assert h["J"].received_at is None and h["L"].received_at is None
    assert h["M"].due_at == local("2026-03-30T09:00") and h["M"].channel == "postal"
    assert h["N"].resolved_at == local("2026-04-02T10:00")


RATE_KEYS = ("on_time_rate", "online_rate", "on_time_rate_of_total", "online_share_of_total")
EXPECTED_MARCH = {
    "carried_over": 2,
    "received": {"counter": 6, "online": 2, "postal": 1, "total": 9},
    "total": 11,
    "resolved": {"early": 3, "on_time": 1, "late": 1, "total": 5},
    "in_progress": {"within_deadline": 2, "overdue": 2, "paused": 2, "total": 6},
    "rates": {
        "on_time_rate": 80.0,
        "online_rate": 22.22,
        "on_time_rate_of_total": 36.36,
        "online_share_of_total": 18.18,
    },
}


def test_every_figure_and_rate_by_hand(world: World, history: dict[str, Dossier]) -> None:
    report = build_report({}, *MARCH, now=LATER)
    assert report.as_of == local("2026-04-01T00:00") and not report.live
    body = report.as_dict()
    assert body["period"] == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "as_of": "2026-04-01T00:00:00+07:00",
        "live": False,
    }
    assert body["scope"] == {
        "agency": None,
        "level": None,
        "field": None,
        "procedure": None,
        "channel": None,
    }
    assert {k: v for k, v in body.items() if k not in ("period", "scope")} == EXPECTED_MARCH
    assert list(body) == [
        "period",
        "scope",
        "carried_over",
        "received",
        "total",
        "resolved",
        "in_progress",
        "rates",
    ]


def test_as_of_inside_the_period(world: World, history: dict[str, Dossier]) -> None:
    """As of Fri 13 March 09:00 (not a midnight): E is still open and one hour overdue
    (due 08:00); F and G are paused; C overdue since 5 March; D, A resolved; I, K, M, H, N not
    received yet.
      received = D (online), E F G (counter) = 4; total = 2 + 4 = 6
      resolved = A on time, D early = 2; in progress = C E overdue, F G paused = 4
      on_time_rate = 2/2 = 100.00; online_rate = 1/4 = 25.00; of total: 2/6 = 33.33, 1/6 = 16.67
    """
    body = build_report({}, *MARCH, as_of="2026-03-13T09:00", now=LATER).as_dict()
    assert body["period"]["as_of"] == "2026-03-13T09:00:00+07:00"
    assert body["carried_over"] == 2
    assert body["received"] == {"counter": 3, "online": 1, "postal": 0, "total": 4}
    assert body["resolved"] == {"early": 1, "on_time": 1, "late": 0, "total": 2}
    assert body["in_progress"] == {"within_deadline": 0, "overdue": 2, "paused": 2, "total": 4}
    assert body["rates"] == {
        "on_time_rate": 100.0,
        "online_rate": 25.0,
        "on_time_rate_of_total": 33.33,
        "online_share_of_total": 16.67,
    }


def test_a_later_as_of_is_the_period_end_and_now_caps_it(
    world: World, history: dict[str, Dossier]
) -> None:
    late = build_report({}, *MARCH, as_of="2026-05-01T00:00", now=LATER)
    assert late.as_of == local("2026-04-01T00:00")
    # "Now" inside the period: the report is live, as of now (current states).
    now = local("2026-04-01T00:00")
    live = build_report({}, "2026-03-01", "2026-04-30", now=now)
    assert live.live and live.as_of == now


def test_live_equals_the_definition(world: World, history: dict[str, Dossier]) -> None:
    """As of now (live: the dossiers' current states) = the definition over dossiers."""
    now = local("2026-04-03T12:00")  # after every event
    report = build_report({}, "2026-02-01", "2026-04-30", now=now)
    assert report.live
    assert report.figures.as_dict() == direct(report.scope, report.period, now).as_dict()
    report.figures.check()
    # A B C in February, the nine of March, O on 2 April; J and L were never received.
    assert report.as_dict()["received"]["total"] == 3 + 9 + 1


def test_scope_filters(world: World, history: dict[str, Dossier]) -> None:
    justice = build_report({"agency": world.justice.code}, *MARCH, now=LATER).as_dict()
    assert justice["received"]["total"] == 8  # all but N (Sở Xây dựng)
    assert justice["scope"]["agency"] == {
        "code": world.justice.code,
        "name": "Sở Tư pháp",
        "level": "province",
    }
    online = build_report({"channel": "online"}, *MARCH, now=LATER).as_dict()
    assert online["received"] == {"counter": 0, "online": 2, "postal": 0, "total": 2}
    assert online["rates"]["online_share_of_total"] == 100.0
    field = build_report({"field": "HT", "level": "province"}, *MARCH, now=LATER).as_dict()
    assert field["total"] == 11 and field["scope"]["field"] == {"code": "HT", "name": "Hộ tịch"}
    procedure = build_report({"procedure": world.land_version.procedure.code}, *MARCH, now=LATER)
    assert procedure.figures.total == 0
    assert procedure.as_dict()["rates"] == dict.fromkeys(RATE_KEYS)
    commune = build_report({"level": "commune"}, *MARCH, now=LATER).as_dict()
    assert commune["total"] == 0 and commune["rates"]["on_time_rate"] is None


def test_breakdown_by_agency_is_a_tree(world: World, history: dict[str, Dossier]) -> None:
    body = build_report({}, *MARCH, now=LATER, breakdown="agency").as_dict()
    rows = body["breakdown"]["rows"]
    assert body["breakdown"]["by"] == "agency"
    assert [r["code"] for r in rows] == ["000.00.00.H99"]  # the province, the tree's root
    root = rows[0]
    assert root["own"]["total"] == 0 and root["total"] == 11
    assert [c["code"] for c in root["children"]] == [world.justice.code, world.building.code]
    justice, building = root["children"]
    assert justice["total"] == 10 and justice["own"]["total"] == 10 and justice["children"] == []
    assert building["received"]["counter"] == 1
    assert building["in_progress"]["within_deadline"] == 1
    # With an agency, the tree starts there.
    body = build_report(
        {"agency": world.building.code}, *MARCH, now=LATER, breakdown="agency"
    ).as_dict()
    assert [r["code"] for r in body["breakdown"]["rows"]] == [world.building.code]


@pytest.mark.parametrize("group", ["level", "field", "procedure", "channel"])
def test_breakdowns_add_up_to_the_total(
    world: World, history: dict[str, Dossier], group: str
) -> None:
    report = build_report({}, *MARCH, now=LATER, breakdown=group)
    total = Figures()
    for row in report.rows:
        total.add(row.figures)
    assert total.as_dict() == report.figures.as_dict()
    assert [row.code for row in report.rows] == {
        "level": ["province"],
        "field": ["HT"],
        "procedure": ["1.000001"],
        "channel": ["counter", "online", "postal"],
    }[group]
    if group in ("field", "procedure"):
        assert report.rows[0].name in {"Hộ tịch", "Thủ tục thử nghiệm"}
    if group == "level":  # labels follow the interface language
        assert report.rows[0].name in {"Province", "Tỉnh"}


def test_breakdown_by_month(world: World, history: dict[str, Dossier]) -> None:
    """February: A B C received (carried over: nothing before); B resolved early or on time;
    on 1 March, A and C are open. March as above. April up to now (2 April 12:00, live)."""
    report = build_report(
        {}, "2026-02-01", "2026-04-30", now=local("2026-04-02T12:00"), breakdown="month"
    )
    rows = {row.code: row for row in report.rows}
    assert list(rows) == ["2026-02", "2026-03", "2026-04"]
    february, march, april = rows.values()
    assert february.figures.received_total == 3 and february.figures.carried_over == 0
    assert february.figures.in_progress_total == 2
    assert march.figures.as_dict() == EXPECTED_MARCH
    assert april.figures.carried_over == 6 and april.as_of == local("2026-04-02T12:00")
    assert april.figures.received["counter"] == 1  # O
    assert april.figures.resolved_total == 1  # N, 2 April 10:00
    total = report.figures
    assert total.carried_over == february.figures.carried_over
    assert total.received_total == sum(r.figures.received_total for r in report.rows)
    assert total.resolved_total == sum(r.figures.resolved_total for r in report.rows)
    assert total.in_progress == april.figures.in_progress


def test_months_of_a_period() -> None:
    months = months_of(Period(date(2024, 1, 15), date(2024, 3, 10)))
    assert [(m.first, m.last) for m in months] == [
        (date(2024, 1, 15), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 10)),
    ]
    assert len(months_of(Period(date(2023, 12, 1), date(2024, 11, 30)))) == 12


@pytest.mark.parametrize(
    ("figure", "letters"),
    [
        ("carried_over", "AC"),
        ("received", "DEFGHIKMN"),
        ("received.online", "DH"),
        ("received.postal", "M"),
        ("received.counter", "EFGIKN"),
        ("total", "ACDEFGHIKMN"),
        ("resolved", "ADEIK"),
        ("resolved.early", "DIK"),
        ("resolved.on_time", "A"),
        ("resolved.late", "E"),
        ("in_progress", "CFGHMN"),
        ("in_progress.within_deadline", "HN"),
        ("in_progress.overdue", "CM"),
        ("in_progress.paused", "FG"),
    ],
)
def test_drill_down_lists_the_dossiers_of_each_figure(
    world: World, history: dict[str, Dossier], figure: str, letters: str
) -> None:
    report = build_report({}, *MARCH, now=LATER)
    page = report_dossiers(report.scope, report.period, report.as_of, figure, page_size=100)
    assert {d.code for d in page.items} == {history[x].code for x in letters}
    assert page.count == len(letters)


def test_drill_down_is_limited_to_what_the_official_sees(
    world: World, history: dict[str, Dossier]
) -> None:
    report = build_report({}, *MARCH, now=LATER)
    builder = world.actor("builder")  # a specialist of Sở Xây dựng sees its own dossiers
    page = report_dossiers(report.scope, report.period, report.as_of, "total", actor=builder)
    assert [d.code for d in page.items] == [history["N"].code]
    paged = report_dossiers(report.scope, report.period, report.as_of, "total", page_size=4)
    assert paged.count == 11 and len(paged.items) == 4
    assert set(FIGURES) >= {"received.online", "resolved.late", "in_progress.overdue"}


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        ({"date_from": "2026-13-01"}, {"from"}),
        ({"date_to": "yesterday"}, {"to"}),
        ({"date_from": "2026-04-01"}, {"from"}),  # after "to"
        ({"date_from": None}, {"from"}),
        ({"as_of": "noon"}, {"as_of"}),
        ({"as_of": "2026-02-01T00:00"}, {"as_of"}),  # before the period
        ({"scope": {"agency": "000.00.99.H99"}}, {"agency"}),
        ({"scope": {"level": "village"}}, {"level"}),
        ({"scope": {"field": "XX"}}, {"field"}),
        ({"scope": {"procedure": "9.999999"}}, {"procedure"}),
        ({"scope": {"channel": "fax"}}, {"channel"}),
        ({"scope": {"colour": "red"}}, {"colour"}),
        ({"breakdown": "weekday"}, {"breakdown"}),
        (
            {"date_from": "x", "scope": {"agency": "nope", "channel": "fax"}, "breakdown": "y"},
            {"from", "agency", "channel", "breakdown"},
        ),
    ],
)
def test_invalid_arguments_name_each_field(world: World, args: dict, fields: set[str]) -> None:
    call: dict[str, Any] = {
        "scope": {},
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
        "as_of": None,
        "breakdown": None,
    }
    call.update(args)
    with pytest.raises(ValidationFailed) as caught:
        build_report(
            call["scope"],
            call["date_from"],
            call["date_to"],
            as_of=call["as_of"],
            now=LATER,
            breakdown=call["breakdown"],
        )
    assert {e.field for e in caught.value.errors} == fields


def test_a_period_that_has_not_started_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        build_report({}, "2026-07-01", "2026-07-31", now=LATER)
    assert [e.field for e in caught.value.errors] == ["as_of"]


def test_rates_round_half_up_and_are_null_without_denominator() -> None:
    figures = Figures()
    figures.received["online"] = 1
    figures.received["counter"] = 31  # 1/32 = 3.125 % → 3.13 (half up, not half to even)
    figures.resolved["early"] = 1
    figures.resolved["late"] = 7  # 1/8 = 12.5 %
    figures.in_progress["within_deadline"] = 24
    rates = figures.rates()
    assert rates["online_rate"] == Decimal("3.13")
    assert rates["online_share_of_total"] == Decimal("3.13")
    assert rates["on_time_rate"] == Decimal("12.50")
    assert Figures().rates() == dict.fromkeys(rates)


@pytest.mark.parametrize(
    ("now", "as_of"),
    [
        ("2026-04-02T12:00", None),  # live, the last month partial
        ("2026-05-03T09:00", "2026-04-02T12:00"),  # past, non-midnight: read from dossiers
        ("2026-05-03T09:00", None),  # the whole period: snapshots at every boundary
    ],
)
def test_months_read_together_are_the_months_read_alone(
    world: World, history: dict[str, Dossier], now: str, as_of: str | None
) -> None:
    """The month breakdown reads all months at once, and the report's total from its months;
    each must be exactly the report of that month (and of the period) on its own."""
    instant = local(now)
    requested = local(as_of) if as_of else None
    months = build_report(
        {}, "2026-02-01", "2026-04-30", as_of=requested, now=instant, breakdown="month"
    )
    plain = build_report({}, "2026-02-01", "2026-04-30", as_of=requested, now=instant)
    assert months.figures.as_dict() == plain.figures.as_dict()
    assert len(months.rows) == 3
    for row in months.rows:
        assert row.period is not None and row.as_of is not None
        alone = build_report({}, row.period.first, row.period.last, as_of=row.as_of, now=instant)
        assert row.figures.as_dict() == alone.figures.as_dict(), row.code
    for breakdown in ("agency", "field", "channel"):
        grouped = build_report(
            {}, "2026-02-01", "2026-04-30", as_of=requested, now=instant, breakdown=breakdown
        )
        assert grouped.figures.as_dict() == plain.figures.as_dict(), breakdown


@pytest.mark.parametrize("now", ["2026-04-02T12:00", "2026-05-03T09:00"])
def test_month_flows_are_the_months_received_and_resolved(
    world: World, history: dict[str, Dossier], now: str
) -> None:
    """The dashboard's month chart: each month's received and resolved dossiers exactly as the
    month breakdown has them, without the open-dossier figures it does not read."""
    instant = local(now)
    months = build_report({}, "2026-02-01", "2026-04-30", now=instant, breakdown="month").rows
    flows = month_flows({}, "2026-02-01", "2026-04-30", instant)
    assert [row.code for row in flows] == [row.code for row in months]
    assert any(row.figures.received_total for row in flows)
    for row, full in zip(flows, months, strict=True):
        assert row.figures.received == full.figures.received, row.code
        assert row.figures.resolved == full.figures.resolved, row.code
        assert row.figures.carried_over == 0 and not any(row.figures.in_progress.values())
    # With the period's report at hand, the last month is what the others leave of it.
    for breakdown in (None, "agency"):
        report = build_report({}, "2026-02-01", "2026-04-30", now=instant, breakdown=breakdown)
        derived = month_flows({}, "2026-02-01", "2026-04-30", instant, total=report)
        assert [(r.code, r.as_of, r.figures.as_dict()) for r in derived] == [
            (r.code, r.as_of, r.figures.as_dict()) for r in flows
        ]
    other = build_report({"agency": world.justice.code}, "2026-02-01", "2026-04-30", now=instant)
    with pytest.raises(ValueError, match="same scope"):
        month_flows({}, "2026-02-01", "2026-04-30", instant, total=other)
