"""The aggregates after a history import: the vectorised sweep equals the definition of the open
snapshots (``compute_open``) at every midnight, the bulk flows equal the ones the engine
maintains, and an imported history gives the report the figures a hand calculation gives."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from motcua.core.localtime import LOCAL_TZ, isoformat_local, start_of_local_day
from motcua.dossiers.importing import import_history
from motcua.dossiers.models import Dossier, DossierEvent, Pause
from motcua.stats.aggregated import aggregated
from motcua.stats.figures import direct
from motcua.stats.models import COUNTERS, DailyFlow, OpenSnapshot, SnapshotDone
from motcua.stats.scope import Period, Scope
from motcua.stats.snapshots import compute_open, ensure_snapshot, invalidate
from motcua.stats.sweep import rebuild_flows, sweep_snapshots

from .conftest import World
from .test_equivalence import play

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 2, 2, 7, 0, tzinfo=LOCAL_TZ)  # a Monday
NOW = datetime(2026, 4, 1, 10, 0, tzinfo=LOCAL_TZ)
HOUR = timedelta(hours=1)
SERIAL = itertools.count(1)
SLOW = settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def iso(instant: datetime) -> str:
    return isoformat_local(instant)


def snapshot_rows(at: datetime) -> dict[tuple[int, int, int, str], Counter[str]]:
    rows = OpenSnapshot.objects.filter(at=at).values_list(
        "agency_id", "procedure_id", "field_id", "channel", "within", "overdue", "paused"
    )
    out: dict[tuple[int, int, int, str], Counter[str]] = {}
    for agency, procedure, field, channel, within, overdue, paused in rows:
        counts = Counter(within_deadline=within, overdue=overdue, paused=paused)
        out[(agency, procedure, field, channel)] = +counts
    return out


def assert_sweep_is_the_definition(first: datetime, last: datetime) -> None:
    at = first
    while at <= last:
        assert SnapshotDone.objects.filter(at=at).exists(), at
        definition = {key: +counts for key, counts in compute_open(at).items()}
        assert snapshot_rows(at) == definition, at
        at = start_of_local_day(at.date() + timedelta(days=1))


# ----- random imported histories ------------------------------------------------------------
dossier_plan = st.fixed_dictionaries(
    {
        "arrival": st.integers(min_value=0, max_value=60 * 24 * 40),  # minutes after BASE
        "channel": st.sampled_from(["counter", "online", "postal"]),
        "which": st.sampled_from(["version", "restart_version", "land_version"]),
        "outcome": st.sampled_from([None, "approved", "refused", "withdrawn", "cancelled"]),
        "length": st.integers(min_value=0, max_value=60 * 24 * 25),  # minutes to resolution
        "cuts": st.lists(st.floats(min_value=0, max_value=1), max_size=4, unique=True),
        "kinds": st.lists(st.sampled_from(["supplement", "suspension"]), min_size=2, max_size=2),
        "open_pause": st.booleans(),
        "due_given": st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 10)),
    }
)


def dossier_line(world: World, plan: dict[str, Any]) -> dict[str, Any]:
    received = BASE + timedelta(minutes=plan["arrival"])
    end = min(received + timedelta(minutes=plan["length"]), NOW)
    outcome = plan["outcome"] if end < NOW else None
    # Pauses: consecutive cuts of [received, end]; the last one may stay open if unresolved.
    cuts = sorted(plan["cuts"])[: 2 * (len(plan["cuts"]) // 2)]
    pauses = []
    for i in range(0, len(cuts), 2):
        pauses.append(
            {
                "start": iso(received + (end - received) * cuts[i]),
                "end": iso(received + (end - received) * cuts[i + 1]),
                "kind": plan["kinds"][i // 2],
            }
        )
    if outcome is None and plan["open_pause"]:
        start = received + (end - received) * ((cuts[-1] if cuts else 0) + 1) / 2
        pauses.append({"start": iso(start), "end": None, "kind": plan["kinds"][0]})
    version = getattr(world, plan["which"])
    agency = world.justice
    line: dict[str, Any] = {
        "code": f"{agency.code}-260202-{next(SERIAL):05d}",
        "procedure": version.procedure.code,
        "agency": agency.code,
        "channel": plan["channel"],
        "received_at": iso(received),
        "resolved_at": iso(end) if outcome else None,
        "outcome": outcome,
        "pauses": pauses,
        "applicant": {"name": "Lê Thị Mai"},
    }
    if plan["due_given"] is not None:
        line["due_at"] = iso(received + timedelta(minutes=plan["due_given"]))
    return line


def import_lines(tmp_path: Path, lines: list[dict[str, Any]]) -> Any:
    path = tmp_path / f"history-{next(SERIAL)}.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return import_history(path, now=NOW)


@SLOW
@given(
    plans=st.lists(dossier_plan, min_size=1, max_size=12),
    engine=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=24 * 40),
            st.sampled_from(["counter", "online"]),
            st.sampled_from(["version", "land_version"]),
            st.lists(st.sampled_from(["supplement", "suspend", "approve", "wait"]), max_size=3),
            st.lists(st.integers(min_value=1, max_value=24 * 6), min_size=6, max_size=6),
        ),
        max_size=4,
    ),
    first=st.integers(min_value=0, max_value=45),
    length=st.integers(min_value=0, max_value=40),
    as_of_fraction=st.one_of(st.none(), st.floats(min_value=0, max_value=1.2)),
)
def test_imported_history_sweep_equals_the_definition(
    world: World, tmp_path_factory: Any, plans, engine, first, length, as_of_fraction
) -> None:
    # Dossiers made by the engine (several events, moving due times) share the midnights.
    for script in engine:
        try:
            play(world, *script)
        except Exception as exc:
            if type(exc).__name__ not in {"Conflict", "PermissionDenied"}:
                raise
    lines = [dossier_line(world, plan) for plan in plans]
    result = import_lines(tmp_path_factory.mktemp("h"), lines)
    assert result.imported == len(lines), result.errors
    first_midnight = start_of_local_day(result.first_received.date() + timedelta(days=1))
    assert_sweep_is_the_definition(first_midnight, start_of_local_day(NOW.date()))
    # The report from the aggregates equals the definition over the imported history too.
    invalidate(datetime(2000, 1, 1, tzinfo=LOCAL_TZ))  # the engine wrote history backwards
    period = Period(
        date(2026, 2, 2) + timedelta(days=first), date(2026, 2, 2) + timedelta(days=first + length)
    )
    span = period.end - period.start
    requested = None if as_of_fraction is None else period.start + span * as_of_fraction
    as_of = period.as_of(NOW, requested)
    merged = type(direct(Scope(), period, as_of))()
    for figures in aggregated(Scope(), period, as_of, group="agency").values():
        merged.add(figures)
    assert merged.as_dict() == direct(Scope(), period, as_of).as_dict()


# ----- random event timelines, written directly ---------------------------------------------
event_plan = st.lists(
    st.tuples(
        st.integers(min_value=-48, max_value=24 * 12),  # hours after reception (may be before)
        st.one_of(st.none(), st.integers(min_value=-24 * 3, max_value=24 * 15)),  # due offset
    ),
    min_size=0,
    max_size=5,
)


@SLOW
@given(
    dossiers=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=24 * 20),  # received, hours after BASE
            st.one_of(st.none(), st.integers(min_value=0, max_value=24 * 15)),  # open for
            event_plan,
            st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=24 * 15),
                    st.one_of(st.none(), st.integers(min_value=0, max_value=24 * 5)),
                ),
                max_size=2,
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_sweep_follows_any_event_timeline(world: World, dossiers) -> None:
    """Events out of order in time (a later seq at an earlier instant), NULL due times, events
    before reception, pauses covering midnights exactly: the highest seq at or before each
    midnight answers, as in the definition."""
    for received_h, open_h, events, pauses in dossiers:
        received = BASE + received_h * HOUR
        resolved = None if open_h is None else received + open_h * HOUR
        dossier = Dossier.objects.create(
            code=f"T-{next(SERIAL)}",
            procedure_id=world.version.procedure_id,
            procedure_version=world.version,
            channel="counter",
            state="in_progress" if resolved is None else "result_ready",
            receiving_centre=world.centre,
            competent_agency=world.justice,
            applicant_name="X",
            received_at=received,
            resolved_at=resolved,
            timeliness="" if resolved is None else "on_time",
        )
        for seq, (at_h, due_h) in enumerate(events, start=1):
            DossierEvent.objects.create(
                dossier=dossier,
                seq=seq,
                action="comment",
                at=received + at_h * HOUR,
                due_at=None if due_h is None else received + due_h * HOUR,
            )
        for start_h, length_h in pauses:
            start = start_of_local_day(received.date()) + start_h * HOUR  # on midnights too
            Pause.objects.create(
                dossier=dossier,
                kind="suspension",
                start=start,
                end=None if length_h is None else start + length_h * HOUR,
                resume_state="in_progress",
            )
    first = start_of_local_day(BASE.date())
    last = start_of_local_day(BASE.date() + timedelta(days=40))
    sweep_snapshots(first, last, chunk=3)  # small chunks: dossiers split across reads
    assert_sweep_is_the_definition(first, last)


# ----- flows ------------------------------------------------------------------------------
def flow_sums() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Per day and key, the counters summed over the shards (as every reader sums them)."""
    sums: dict[tuple[Any, ...], list[int]] = {}
    keys = ("day", "agency_id", "procedure_id", "field_id", "channel")
    for row in DailyFlow.objects.values_list(*keys, *COUNTERS):
        total = sums.setdefault(row[:5], [0] * len(COUNTERS))
        for i, value in enumerate(row[5:]):
            total[i] += value
    return {key: tuple(values) for key, values in sums.items() if any(values)}


@SLOW
@given(
    scripts=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=24 * 40),
            st.sampled_from(["counter", "online"]),
            st.sampled_from(["version", "land_version"]),
            st.lists(
                st.sampled_from(["supplement", "suspend", "approve", "refuse", "withdraw"]),
                max_size=3,
            ),
            st.lists(st.integers(min_value=1, max_value=24 * 6), min_size=6, max_size=6),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_bulk_flows_equal_the_flows_the_engine_maintains(world: World, scripts) -> None:
    for script in scripts:
        try:
            play(world, *script)
        except Exception as exc:
            if type(exc).__name__ not in {"Conflict", "PermissionDenied"}:
                raise
    maintained = flow_sums()
    rebuild_flows(date(2026, 1, 1), date(2026, 6, 30))
    assert flow_sums() == maintained
    assert not DailyFlow.objects.exclude(shard=0).exists()  # one row per key and day


# ----- a history by hand ------------------------------------------------------------------
def test_an_imported_history_gives_the_figures_of_a_hand_calculation(
    world: World, tmp_path: Path
) -> None:
    j = world.justice.code

    def d(n: int, channel: str, received: str, due: str, **more: Any) -> dict[str, Any]:
        return {
            "code": f"{j}-251201-{n:04d}",
            "procedure": world.version.procedure.code,
            "agency": j,
            "channel": channel,
            "received_at": f"{received}+07:00",
            "due_at": f"{due}+07:00",
            "resolved_at": None,
            "outcome": None,
            "applicant": {"name": "Phạm Văn Hùng"},
            **more,
        }

    lines = [
        # Carried over into January: resolved early, resolved late, still open and overdue.
        d(1, "counter", "2025-12-30T10:00", "2026-01-08T17:00",
          outcome="approved", resolved_at="2026-01-06T10:00:00+07:00"),
        d(2, "online", "2025-12-15T10:00", "2025-12-22T17:00",
          outcome="approved", resolved_at="2026-01-05T10:00:00+07:00"),
        d(3, "counter", "2025-12-20T10:00", "2025-12-30T17:00"),
        # Resolved before January: not in the report.
        d(4, "counter", "2025-12-01T10:00", "2025-12-05T17:00",
          outcome="approved", resolved_at="2025-12-31T10:00:00+07:00"),
        # Received in January.
        d(5, "online", "2026-01-12T09:00", "2026-01-15T17:00",
          outcome="approved", resolved_at="2026-01-15T10:00:00+07:00"),
        d(6, "counter", "2026-01-29T09:00", "2026-02-10T17:00"),
        d(7, "postal", "2026-01-20T09:00", "2026-01-30T17:00",
          pauses=[{"start": "2026-01-22T09:00:00+07:00", "end": None, "kind": "supplement"}]),
        d(8, "online", "2026-01-28T09:00", "2026-02-05T17:00",
          outcome="refused", resolved_at="2026-02-03T10:00:00+07:00"),
        d(10, "counter", "2026-01-05T09:00", "2026-01-09T17:00",
          outcome="withdrawn", resolved_at="2026-01-06T09:00:00+07:00"),
        # Received after January.
        d(9, "online", "2026-02-02T09:00", "2026-02-06T17:00"),
    ]  # fmt: skip
    result = import_lines(tmp_path, lines)
    assert result.imported == 10
    january = Period(date(2026, 1, 1), date(2026, 1, 31))
    as_of = january.as_of(NOW)
    expected = {
        "carried_over": 3,
        "received": {"counter": 2, "online": 2, "postal": 1, "total": 5},
        "total": 8,
        "resolved": {"early": 2, "on_time": 1, "late": 1, "total": 4},
        "in_progress": {"within_deadline": 2, "overdue": 1, "paused": 1, "total": 4},
        "rates": {
            "on_time_rate": 75.0,
            "online_rate": 40.0,
            "on_time_rate_of_total": 37.5,
            "online_share_of_total": 25.0,
        },
    }
    assert SnapshotDone.objects.filter(at=january.start).exists()  # computed by the sweep
    (by_agency,) = aggregated(Scope(), january, as_of, group="agency").values()
    assert by_agency.as_dict() == expected
    assert direct(Scope(), january, as_of).as_dict() == expected


def test_an_import_replaces_the_snapshots_it_changes(world: World, tmp_path: Path) -> None:
    midnight = datetime(2026, 2, 10, tzinfo=LOCAL_TZ)
    ensure_snapshot(midnight)  # nothing open yet: computed as empty
    assert snapshot_rows(midnight) == {}
    line = {
        "code": f"{world.justice.code}-260202-0001",
        "procedure": world.version.procedure.code,
        "agency": world.justice.code,
        "channel": "online",
        "received_at": "2026-02-02T09:00:00+07:00",
        "resolved_at": None,
        "outcome": None,
        "applicant": {"name": "Võ Minh Tâm"},
    }
    import_lines(tmp_path, [line])
    key = (world.justice.pk, world.version.procedure_id, world.version.field_id, "online")
    assert snapshot_rows(midnight) == {key: Counter(overdue=1)}
    assert snapshot_rows(datetime(2026, 2, 3, tzinfo=LOCAL_TZ)) == {key: Counter(within_deadline=1)}


def test_instants_exactly_at_midnight(world: World) -> None:
    """received < M ≤ resolved; start ≤ M < end for a pause; an event at M counts at M; a due
    time equal to M is not yet overdue at M."""
    m1 = datetime(2026, 2, 3, tzinfo=LOCAL_TZ)
    m2, m3 = m1 + timedelta(days=1), m1 + timedelta(days=2)

    def make(received: datetime, resolved: datetime | None = None) -> Dossier:
        dossier = Dossier.objects.create(
            code=f"M-{next(SERIAL)}",
            procedure_id=world.version.procedure_id,
            procedure_version=world.version,
            channel="counter",
            state="in_progress",
            receiving_centre=world.centre,
            competent_agency=world.justice,
            applicant_name="X",
            received_at=received,
            resolved_at=resolved,
            timeliness="on_time" if resolved else "",
        )
        DossierEvent.objects.create(dossier=dossier, seq=1, action="import", at=received, due_at=m2)
        return dossier

    make(m1)  # received at M1: open from M2 on (due M2: within at M2, overdue at M3)
    make(m1 - HOUR, resolved=m2)  # resolved at M2: still open at M2
    paused = make(m1 - HOUR)
    Pause.objects.create(dossier=paused, kind="suspension", start=m2, end=m3, resume_state="x")
    moved = make(m1 - HOUR)
    DossierEvent.objects.create(dossier=moved, seq=2, action="due_changed", at=m2, due_at=m3)
    sweep_snapshots(m1, m3)
    assert_sweep_is_the_definition(m1, m3)
    key = (world.justice.pk, world.version.procedure_id, world.version.field_id, "counter")
    assert snapshot_rows(m1)[key] == Counter(within_deadline=3)
    assert snapshot_rows(m2)[key] == Counter(within_deadline=3, paused=1)
    assert snapshot_rows(m3)[key] == Counter(overdue=2, within_deadline=1)
