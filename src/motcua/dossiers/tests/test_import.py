"""Importing dossiers (``import_history``): what an imported dossier becomes — its state, due
time, timeliness, events, pauses, step and code counter — and all-or-nothing versus
``skip_invalid``. The rules a line is checked against are in ``test_import_rules.py``."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.clock.engine import to_us
from motcua.core.errors import ValidationFailed
from motcua.core.localtime import isoformat_local
from motcua.dossiers.clockwork import Interval, calendar_for, classify, dossier_due
from motcua.dossiers.importing import ImportResult, import_history, rejects_path_for
from motcua.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierStep, Pause
from motcua.dossiers.services import intake, perform

from .conftest import World, local

pytestmark = pytest.mark.django_db

NOW = local("2026-06-01T00:00")
SERIAL = itertools.count(1)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def line(world: World, n: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid line: a dossier of the test procedure at the department of justice."""
    data: dict[str, Any] = {
        "code": f"{world.justice.code}-260105-{n:04d}",
        "procedure": world.version.procedure.code,
        "agency": world.justice.code,
        "channel": "counter",
        "received_at": "2026-01-05T09:12:00+07:00",
        "resolved_at": "2026-01-07T15:00:00+07:00",
        "outcome": "approved",
        "returned_at": None,
        "pauses": [],
        "applicant": {"name": "Nguyễn Văn An", "national_id": "082090001234"},
    }
    data.update(changes)
    return data


def write(tmp_path: Path, rows: list[Any], name: str = "history.jsonl") -> Path:
    path = tmp_path / name
    text = "".join(
        (row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n"
        for row in rows
    )
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, rows: list[Any], **options: Any) -> ImportResult:
    options.setdefault("now", NOW)
    return import_history(write(tmp_path, rows), **options)


def problems(tmp_path: Path, rows: list[Any], **options: Any) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        run(tmp_path, rows, **options)
    return [f"{e.field}: {e.message}" for e in caught.value.errors]


def written() -> tuple[int, int, int, int, int]:
    return (
        Dossier.objects.count(),
        DossierEvent.objects.count(),
        Pause.objects.count(),
        DossierStep.objects.count(),
        DossierCounter.objects.count(),
    )


def engine_due(world: World, dossier: Dossier) -> Any:
    """The engine's own single path on the imported dossier's inputs."""
    pauses = [Interval(p.kind, p.start, p.end) for p in Pause.objects.filter(dossier=dossier)]
    assert dossier.received_at is not None
    return dossier_due(
        calendar_for(dossier.competent_agency),
        dossier.procedure_version,
        dossier.received_at,
        pauses,
        dossier.restarted_at,
    )


# ----- what an imported dossier becomes -------------------------------------------------------
def test_states_from_outcomes_codes_kept_and_one_event_at_reception(
    world: World, tmp_path: Path
) -> None:
    rows = [
        line(world, 1),
        line(world, 2, returned_at="2026-01-08T09:00:00+07:00"),
        line(world, 3, outcome="refused", returned_at="2026-01-08T09:00:00+07:00"),
        line(world, 4, outcome="withdrawn"),
        line(world, 5, outcome="cancelled", resolved_at="2026-01-20T10:00:00+07:00"),
        line(world, 6, outcome=None, resolved_at=None, channel="online"),
    ]
    result = run(tmp_path, rows)
    assert (result.imported, result.invalid_lines) == (6, 0)
    states = dict(Dossier.objects.values_list("code", "state"))
    code = f"{world.justice.code}-260105-"
    assert states == {
        f"{code}0001": "result_ready",
        f"{code}0002": "returned",
        f"{code}0003": "refused",
        f"{code}0004": "withdrawn",
        f"{code}0005": "cancelled",
        f"{code}0006": "in_progress",
    }
    for dossier in Dossier.objects.all():
        assert dossier.imported and dossier.version == 1
        assert dossier.competent_agency == world.justice
        assert dossier.receiving_centre == world.centre  # the centre serving the department
        due = engine_due(world, dossier)
        assert dossier.due_at == due.due_at == local("2026-01-09T09:12")  # 4 working days
        if dossier.resolved_at is not None:
            assert dossier.timeliness == classify(dossier.resolved_at, dossier.due_at)
        (event,) = DossierEvent.objects.filter(dossier=dossier)
        assert (event.seq, event.action, event.at) == (1, "import", dossier.received_at)
        assert (event.to_state, event.due_at) == (dossier.state, dossier.due_at)
        assert event.payload == {"source": "history.jsonl", "line": int(dossier.code[-1])}
    timeliness = dict(Dossier.objects.values_list("code", "timeliness"))
    assert timeliness[f"{code}0001"] == "early"
    assert timeliness[f"{code}0005"] == "late"
    assert timeliness[f"{code}0006"] == ""


def test_an_open_pause_holds_the_clock_like_the_engine(world: World, tmp_path: Path) -> None:
    rows = [
        line(
            world,
            1,
            outcome=None,
            resolved_at=None,
            pauses=[
                {
                    "start": "2026-01-06T10:00:00+07:00",
                    "end": "2026-01-07T10:00:00+07:00",
                    "kind": "supplement",
                },
                {"start": "2026-01-08T14:00:00+07:00", "end": None, "kind": "supplement"},
            ],
        ),
        line(
            world,
            2,
            outcome=None,
            resolved_at=None,
            pauses=[{"start": "2026-01-07T08:00:00+07:00", "end": None, "kind": "suspension"}],
        ),
        # Suspended after its due time: the clock had already run out, nothing to hold.
        line(
            world,
            3,
            outcome=None,
            resolved_at=None,
            pauses=[{"start": "2026-01-12T08:00:00+07:00", "end": None, "kind": "suspension"}],
        ),
    ]
    run(tmp_path, rows)
    late = Dossier.objects.get(code__endswith="0003")
    assert (late.state, late.due_at, late.remaining_hours) == (
        "suspended",
        local("2026-01-09T09:12"),
        None,
    )
    waiting = Dossier.objects.get(code__endswith="0001")
    suspended = Dossier.objects.get(code__endswith="0002")
    assert (waiting.state, suspended.state) == ("awaiting_supplement", "suspended")
    for dossier in (waiting, suspended):
        due = engine_due(world, dossier)
        assert dossier.due_at is None and due.due_at is None
        assert dossier.remaining_hours == due.remaining_hours
    assert waiting.supplement_requests == 2
    assert waiting.restarted_at == local("2026-01-07T10:00")
    # The supplement's limit, as the engine sets it when the request is made (15 working days).
    assert waiting.supplement_due_at == calendar_for(world.centre).due(
        local("2026-01-08T14:00"), days=15
    )
    # Events: the import (with the due time as it stood before the open pause), then the pause.
    first, second = DossierEvent.objects.filter(dossier=suspended).order_by("seq")
    assert (first.action, first.to_state, first.due_at) == (
        "import",
        "in_progress",
        local("2026-01-09T09:12"),
    )
    assert (second.seq, second.action, second.at, second.due_at) == (
        2,
        "suspend",
        local("2026-01-07T08:00"),
        None,
    )
    assert suspended.version == 2
    assert [p.end for p in Pause.objects.filter(dossier=waiting).order_by("start")] == [
        local("2026-01-07T10:00"),
        None,
    ]


def test_due_time_given_is_kept_and_judges_timeliness(world: World, tmp_path: Path) -> None:
    run(tmp_path, [line(world, 1, due_at="2026-01-06T17:00:00+07:00")])
    dossier = Dossier.objects.get()
    assert dossier.due_at == local("2026-01-06T17:00")
    assert dossier.timeliness == "late"  # resolved 2026-01-07 15:00


def test_cut_off_and_restart_policy_as_in_the_engine(world: World, tmp_path: Path) -> None:
    world.version.cutoff = time(15, 0)
    world.version.save()
    restart = world.restart_version.procedure.code
    supplement = [
        {
            "start": "2026-01-06T10:00:00+07:00",
            "end": "2026-01-08T10:00:00+07:00",
            "kind": "supplement",
        }
    ]
    rows = [
        line(world, 1, received_at="2026-01-05T15:30:00+07:00", outcome=None, resolved_at=None),
        line(
            world, 2, procedure=restart, pauses=supplement, resolved_at="2026-01-14T10:00:00+07:00"
        ),
    ]
    run(tmp_path, rows)
    after_cutoff = Dossier.objects.get(code__endswith="0001")
    assert after_cutoff.due_at == local("2026-01-09T17:00")  # clock from Tuesday 07:30
    restarted = Dossier.objects.get(code__endswith="0002")
    assert restarted.restarted_at == local("2026-01-08T10:00")
    assert restarted.due_at == engine_due(world, restarted).due_at == local("2026-01-14T10:00")
    assert restarted.timeliness == "on_time"


def test_open_dossiers_wait_at_the_processing_step_and_continue_in_the_engine(
    world: World, tmp_path: Path
) -> None:
    rows = [
        line(world, 1, outcome=None, resolved_at=None),
        line(
            world,
            2,
            outcome=None,
            resolved_at=None,
            pauses=[{"start": "2026-01-06T08:00:00+07:00", "end": None, "kind": "suspension"}],
        ),
    ]
    run(tmp_path, rows)
    running = Dossier.objects.get(code__endswith="0001")
    step = running.current_step
    assert step is not None
    assert (step.code, step.agency, step.started_at) == ("XL", world.justice, running.received_at)
    assert step.due_at == local("2026-01-07T09:12")  # 16 working hours
    perform(running.code, "request_supplement", world.actor("specialist"), {"items": ["Tờ khai"]})
    suspended = Dossier.objects.get(code__endswith="0002")
    perform(suspended.code, "resume", world.actor("leader"), {}, now=NOW)
    perform(suspended.code, "approve", world.actor("leader"), {}, now=NOW)
    suspended.refresh_from_db()
    assert suspended.state == "result_ready"
    assert suspended.due_at == engine_due(world, suspended).due_at
    assert suspended.timeliness == classify(NOW, suspended.due_at)


def test_counters_are_raised_so_new_codes_never_collide(world: World, tmp_path: Path) -> None:
    DossierCounter.objects.create(agency=world.building, day=local("2026-01-05").date(), last=12)
    rows = [
        line(world, 7),
        line(world, 3, code=f"{world.justice.code}-260105-0003"),
        # A code naming another agency (the legacy system's numbering): its counter is raised.
        line(world, 9, code=f"{world.tax.code}-260105-0005"),
        line(world, 10, code=f"{world.building.code}-260105-0004"),
        line(world, 11, code="H99.LEGACY-260105-0100"),  # no such agency: nothing to raise
    ]
    run(tmp_path, rows)
    counters = {(c.agency_id, c.day.isoformat()): c.last for c in DossierCounter.objects.all()}
    assert counters == {
        (world.justice.pk, "2026-01-05"): 7,
        (world.tax.pk, "2026-01-05"): 5,
        (world.building.pk, "2026-01-05"): 12,  # never lowered
    }
    new, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-01-05T16:00")
    )
    assert new.code == f"{world.justice.code}-260105-0008"


# ----- all or nothing, or skip the invalid lines --------------------------------------------
def test_all_or_nothing(world: World, tmp_path: Path) -> None:
    before = written()
    rows = [line(world, 1), line(world, 2, channel="fax"), line(world, 3, outcome=None)]
    assert problems(tmp_path, rows) == [
        "line 2: channel: One of: counter, online, postal.",
        "line 3: resolved_at: Must be null while the dossier is open (no outcome).",
    ]
    assert written() == before
    assert not rejects_path_for(tmp_path / "history.jsonl").exists()


def test_every_invalid_line_is_counted_the_first_hundred_listed(
    world: World, tmp_path: Path
) -> None:
    rows = [line(world, i, channel="fax") for i in range(1, 151)]
    with pytest.raises(ValidationFailed) as caught:
        run(tmp_path, rows, batch_size=40)
    assert caught.value.detail.startswith(
        "150 lines of the file are invalid: nothing was imported."
    )
    assert "The first 100 are listed." in caught.value.detail
    assert len(caught.value.errors) == 100
    assert caught.value.errors[-1].field == "line 100: channel"


def test_skip_invalid_imports_the_rest_and_writes_the_rejects(world: World, tmp_path: Path) -> None:
    bad = json.dumps(line(world, 2, channel="fax"), ensure_ascii=False)
    rows = [line(world, 1), bad, "{not json", line(world, 4)]
    result = run(tmp_path, rows, skip_invalid=True)
    assert (result.imported, result.invalid_lines) == (2, 2)
    assert result.rejects_path == tmp_path / "history.rejected.jsonl"
    assert sorted(Dossier.objects.values_list("code", flat=True)) == [
        f"{world.justice.code}-260105-0001",
        f"{world.justice.code}-260105-0004",
    ]
    # The rejected lines as they were (a dossier file again); the reasons in the result.
    assert result.rejects_path.read_text(encoding="utf-8").splitlines() == [bad, "{not json"]
    assert [f"{e.field}: {e.message}" for e in result.errors] == [
        "line 2: channel: One of: counter, online, postal.",
        "line 3: json: Not valid JSON: Expecting property name enclosed in double quotes "
        "(column 2).",
    ]


def test_skip_invalid_lists_every_reason_and_keeps_bytes_as_they_were(
    world: World, tmp_path: Path
) -> None:
    rows = [json.dumps(line(world, n, channel="fax")) for n in range(1, 151)]
    path = write(tmp_path, [*rows, line(world, 200)])
    with path.open("ab") as handle:
        handle.write(b'{"code": "\xff"}\n')  # not UTF-8
    reported: list[str] = []
    result = import_history(
        path, skip_invalid=True, now=NOW, on_error=lambda e: reported.append(e.field)
    )
    assert (result.imported, result.invalid_lines) == (1, 151)
    assert len(result.errors) == 100  # the first hundred lines' kept…
    assert len(reported) == 151  # …every one reported
    assert reported[-1] == "line 152: json"
    assert result.rejects_path is not None
    assert result.rejects_path.read_bytes().splitlines()[-1] == b'{"code": "\xff"}'


def test_blank_lines_a_byte_order_mark_and_physical_line_numbers(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "history.jsonl"
    first = json.dumps(line(world, 1), ensure_ascii=False)
    third = json.dumps(line(world, 3, channel="fax"), ensure_ascii=False)
    path.write_bytes(b"\xef\xbb\xbf" + first.encode() + b"\r\n\n" + third.encode() + b"\n\n")
    with pytest.raises(ValidationFailed) as caught:
        import_history(path, now=NOW)
    assert [e.field for e in caught.value.errors] == ["line 3: channel"]


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="No such file"):
        import_history(tmp_path / "nowhere.jsonl")


def test_imported_instants_keep_their_meaning(world: World, tmp_path: Path) -> None:
    """An instant in another offset is the same instant (stored in UTC, shown locally)."""
    run(tmp_path, [line(world, 1, received_at="2026-01-05T02:12:00Z")])
    dossier = Dossier.objects.get()
    assert dossier.received_at is not None
    assert isoformat_local(dossier.received_at) == "2026-01-05T09:12:00+07:00"
    assert to_us(dossier.received_at) == to_us(local("2026-01-05T09:12"))


# ----- due times in bulk = the engine's single path ------------------------------------------
imported_dossier = st.fixed_dictionaries(
    {
        "received": st.integers(min_value=0, max_value=60 * 24 * 120),  # minutes after BASE
        "which": st.sampled_from(["version", "restart_version", "land_version"]),
        "length": st.integers(min_value=0, max_value=60 * 24 * 40),
        "cuts": st.lists(st.integers(min_value=0, max_value=1000), max_size=6, unique=True),
        "kinds": st.lists(st.sampled_from(["supplement", "suspension"]), min_size=3, max_size=3),
        "outcome": st.sampled_from([None, "approved", "refused", "withdrawn", "cancelled"]),
        "open_pause": st.booleans(),
    }
)
BASE = local("2025-12-20T06:00")  # Tết 2026 and the new year's day inside the range


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=st.lists(imported_dossier, min_size=1, max_size=10))
def test_due_times_remaining_time_and_timeliness_are_the_engines(
    world: World, tmp_path_factory: Any, plans: list[dict[str, Any]]
) -> None:
    world.version.cutoff = time(15, 0)
    world.version.save()
    rows = []
    for plan in plans:
        received = BASE + timedelta(minutes=plan["received"])
        end = min(received + timedelta(minutes=plan["length"]), NOW)
        outcome = plan["outcome"] if end < NOW else None
        cuts = sorted(plan["cuts"])[: 2 * (len(plan["cuts"]) // 2)]
        pauses = [
            {
                "start": isoformat_local(received + (end - received) * cuts[i] / 1000),
                "end": isoformat_local(received + (end - received) * cuts[i + 1] / 1000),
                "kind": plan["kinds"][i // 2],
            }
            for i in range(0, len(cuts), 2)
        ]
        if outcome is None and plan["open_pause"]:
            last = (cuts[-1] if cuts else 0) / 1000
            pauses.append(
                {
                    "start": isoformat_local(received + (end - received) * (1 + last) / 2),
                    "end": None,
                    "kind": plan["kinds"][2],
                }
            )
        rows.append(
            {
                "code": f"{world.justice.code}-251220-{next(SERIAL):05d}",
                "procedure": getattr(world, plan["which"]).procedure.code,
                "agency": world.justice.code,
                "channel": "online",
                "received_at": isoformat_local(received),
                "resolved_at": isoformat_local(end) if outcome else None,
                "outcome": outcome,
                "pauses": pauses,
                "applicant": {"name": "Đỗ Thu Hà"},
            }
        )
    result = import_history(write(tmp_path_factory.mktemp("due"), rows), now=NOW)
    assert result.imported == len(rows), result.errors
    codes = [row["code"] for row in rows]
    for dossier in Dossier.objects.filter(code__in=codes).select_related("procedure_version"):
        due = engine_due(world, dossier)
        assert (dossier.due_at, dossier.remaining_hours) == (due.due_at, due.remaining_hours)
        if dossier.resolved_at is not None:
            assert dossier.timeliness == classify(dossier.resolved_at, dossier.due_at)
        event = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
        assert event is not None and event.due_at == dossier.due_at


# ----- the command --------------------------------------------------------------------------
def command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_dossiers", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_command_imports_a_file(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, [line(world, 1), line(world, 2, outcome=None, resolved_at=None)])
    code, out, _err = command(str(path))
    assert code == 0
    assert out.startswith("Imported 2 dossiers in ")
    assert "Statistics rebuilt from 2026-01-05 to 2026-01-07" in out
    assert Dossier.objects.count() == 2


def test_command_reports_every_invalid_line_and_exits_2(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, [line(world, 1), line(world, 2, channel="fax"), "[]"])
    code, _out, err = command(str(path))
    assert code == 2
    assert err.splitlines() == [
        "line 2: channel: One of: counter, online, postal.",
        "line 3: json: A line must be a JSON object (one dossier).",
        "error: 2 lines of the file are invalid: nothing was imported.",
    ]
    assert Dossier.objects.count() == 0


def test_command_lists_every_invalid_line_not_only_the_first_hundred(
    world: World, tmp_path: Path
) -> None:
    path = write(tmp_path, [line(world, n, channel="fax") for n in range(1, 131)])
    code, _out, err = command(str(path))
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 131
    assert lines[129] == "line 130: channel: One of: counter, online, postal."
    assert lines[130] == "error: 130 lines of the file are invalid: nothing was imported."


def test_command_skip_invalid(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, [line(world, 1), line(world, 2, channel="fax")])
    code, out, err = command(str(path), "--skip-invalid")
    assert code == 0
    rejects = tmp_path / "history.rejected.jsonl"
    assert (
        f"1 invalid lines skipped, written as they were to {rejects} "
        "(their reasons are on the error output)." in out
    )
    assert err.splitlines() == ["line 2: channel: One of: counter, online, postal."]
    assert Dossier.objects.count() == 1
    assert [json.loads(x) for x in rejects.read_text().splitlines()] == [
        line(world, 2, channel="fax")
    ]
