"""Every rule a line of a dossier file is checked against, each reported as
``line N: field: reason`` with nothing written (interfaces.md, "Dossier file")."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from motcua.catalog.models import Procedure, ProcedureVersion, Status
from motcua.dossiers.models import Dossier

from .conftest import World
from .test_import import line, problems, run, written

pytestmark = pytest.mark.django_db

Change = Callable[[World, dict[str, Any]], Any]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _set(**changes: Any) -> Change:
    def change(world: World, data: dict[str, Any]) -> Any:
        data.update(changes)
        return data

    return change


def _applicant(**changes: Any) -> Change:
    def change(world: World, data: dict[str, Any]) -> Any:
        data["applicant"] = {**data["applicant"], **changes}
        return data

    return change


def _drop(key: str) -> Change:
    def change(world: World, data: dict[str, Any]) -> Any:
        del data[key]
        return data

    return change


def _pauses(*pauses: tuple[str, str | None, str]) -> Change:
    return _set(pauses=[{"start": a, "end": b, "kind": k} for a, b, k in pauses])


def _raw(text: str) -> Change:
    return lambda world, data: text


def _centre_as_agency(world: World, data: dict[str, Any]) -> Any:
    data["agency"] = world.centre.code
    return data


def _draft_procedure(world: World, data: dict[str, Any]) -> Any:
    procedure = Procedure.objects.create(code="9.000001")
    ProcedureVersion.objects.create(
        procedure=procedure,
        version=1,
        name="Thủ tục đang soạn",
        field=world.version.field,
        levels=["province"],
        status=Status.DRAFT,
        processing_value=Decimal(3),
        processing_unit="working_days",
    )
    data["procedure"] = "9.000001"
    return data


T = "T09:00:00+07:00"
CASES: list[tuple[str, Change, str]] = [
    ("JSON syntax", _raw('{"code": "X", '), "json: Not valid JSON: Expecting property name"),
    ("not an object", _raw("[1, 2]"), "json: A line must be a JSON object (one dossier)."),
    ("unknown key", _set(colour="red"), "colour: Unknown key."),
    ("unknown applicant key", _applicant(age=30), "applicant.age: Unknown key."),
    (
        "unknown pause key",
        _set(pauses=[{"start": "2026-01-06" + T, "end": None, "kind": "suspension", "why": "x"}]),
        "pauses[0].why: Unknown key.",
    ),
    ("code missing", _drop("code"), "code: This field is required."),
    ("code not a text", _set(code=42), "code: Expected a text."),
    (
        "code shape",
        _set(code="HS-2026-1"),
        "code: A dossier code looks like {agency code}-{YYMMDD}-{NNNN}",
    ),
    (
        "code date",
        _set(code="000.00.02.H99-261345-0001"),
        "code: 261345 is not a date (YYMMDD).",
    ),
    ("procedure missing", _drop("procedure"), "procedure: This field is required."),
    (
        "procedure unknown",
        _set(procedure="9.999999"),
        "procedure: No procedure has code '9.999999'.",
    ),
    ("procedure unpublished", _draft_procedure, "procedure: Procedure 9.000001 has no published"),
    ("agency unknown", _set(agency="000.00.99.H99"), "agency: No agency has code '000.00.99.H99'."),
    (
        "agency not competent",
        _centre_as_agency,
        "agency: Trung tâm PVHCC tỉnh does not resolve this procedure.",
    ),
    ("channel", _set(channel="fax"), "channel: One of: counter, online, postal."),
    (
        "outcome",
        _set(outcome="done"),
        "outcome: One of: approved, refused, withdrawn, cancelled.",
    ),
    (
        "resolved_at required",
        _set(resolved_at=None),
        "resolved_at: Required when the dossier has an outcome.",
    ),
    (
        "resolved_at forbidden",
        _set(outcome=None),
        "resolved_at: Must be null while the dossier is open (no outcome).",
    ),
    ("received_at missing", _drop("received_at"), "received_at: This field is required."),
    (
        "received_at without an offset",
        _set(received_at="2026-01-05T09:12:00"),
        "received_at: An instant needs a UTC offset",
    ),
    (
        "received_at not a date-time",
        _set(received_at="5/1/2026"),
        "received_at: Expected an ISO 8601 date-time.",
    ),
    (
        "received_at in the future",
        _set(received_at="2026-07-01" + T, resolved_at=None, outcome=None),
        "received_at: Must not be in the future.",
    ),
    (
        "resolved_at before received_at",
        _set(resolved_at="2026-01-04" + T),
        "resolved_at: Must not be before received_at.",
    ),
    (
        "resolved_at in the future",
        _set(resolved_at="2026-06-02" + T),
        "resolved_at: Must not be in the future.",
    ),
    (
        "resolved_at without an offset",
        _set(resolved_at="2026-01-07T15:00"),
        "resolved_at: An instant needs a UTC offset",
    ),
    (
        "returned_at before resolved_at",
        _set(returned_at="2026-01-07T14:00:00+07:00"),
        "returned_at: Must not be before resolved_at.",
    ),
    (
        "returned_at in the future",
        _set(returned_at="2026-06-02" + T),
        "returned_at: Must not be in the future.",
    ),
    (
        "returned_at of a withdrawal",
        _set(outcome="withdrawn", returned_at="2026-01-08" + T),
        "returned_at: Only a result (approved or refused) is returned.",
    ),
    (
        "returned_at while open",
        _set(outcome=None, resolved_at=None, returned_at="2026-01-08" + T),
        "returned_at: Must be null while the dossier is open (no outcome).",
    ),
    (
        "due_at before received_at",
        _set(due_at="2026-01-04" + T),
        "due_at: Must not be before received_at.",
    ),
    ("due_at without an offset", _set(due_at="2026-01-09T09:12"), "due_at: An instant needs"),
    ("pauses not a list", _set(pauses={"start": "x"}), "pauses: Expected a list."),
    ("pause not an object", _set(pauses=["x"]), "pauses[0]: Expected an object."),
    (
        "pause kind",
        _pauses(("2026-01-06" + T, "2026-01-07" + T, "tax")),
        "pauses[0].kind: One of: supplement, suspension.",
    ),
    (
        "pause start missing",
        _set(pauses=[{"end": "2026-01-07" + T, "kind": "suspension"}]),
        "pauses[0].start: This field is required.",
    ),
    (
        "pause end before start",
        _pauses(("2026-01-06" + T, "2026-01-05T10:00:00+07:00", "suspension")),
        "pauses[0].end: Must not be before start.",
    ),
    (
        "pause before reception",
        _pauses(("2026-01-05T08:00:00+07:00", "2026-01-06" + T, "suspension")),
        "pauses[0].start: A pause must not start before received_at.",
    ),
    (
        "pause after resolution",
        _pauses(("2026-01-06" + T, "2026-01-08" + T, "suspension")),
        "pauses[0].end: A pause must end by resolved_at.",
    ),
    (
        "open pause on a resolved dossier",
        _pauses(("2026-01-06" + T, None, "suspension")),
        "pauses[0].end: A resolved dossier cannot have an open pause.",
    ),
    (
        "two open pauses",
        lambda world, data: _pauses(
            ("2026-01-06" + T, None, "suspension"), ("2026-01-07" + T, None, "supplement")
        )(world, {**data, "outcome": None, "resolved_at": None}),
        "pauses[1].start: Pauses must not overlap: one is still open.",
    ),
    (
        "overlapping pauses",
        _pauses(
            ("2026-01-06" + T, "2026-01-06T15:00:00+07:00", "supplement"),
            ("2026-01-06T14:00:00+07:00", "2026-01-07" + T, "suspension"),
        ),
        "pauses[1].start: Pauses must not overlap.",
    ),
    (
        "open pause starting in the future",
        lambda world, data: _pauses(("2026-06-02" + T, None, "suspension"))(
            world, {**data, "outcome": None, "resolved_at": None}
        ),
        "pauses[0].start: Must not be in the future.",
    ),
    (
        "applicant missing",
        _drop("applicant"),
        "applicant: The applicant's particulars are required.",
    ),
    ("applicant name", _applicant(name=""), "applicant.name: This field is required."),
    (
        "national ID",
        _applicant(national_id="12345"),
        "applicant.national_id: A national ID number has exactly 12 digits.",
    ),
    (
        "phone",
        _applicant(phone="12345"),
        "applicant.phone: A Vietnamese phone number: 10 digits starting with 0, or +84.",
    ),
    (
        "outside the working calendar",
        _set(received_at="2014-12-30" + T, resolved_at="2014-12-31" + T),
        "received_at: the working calendar does not cover 2014 (it covers 2015–2035)",
    ),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(world: World, tmp_path: Path, change: Change, expected: str) -> None:
    before = written()
    rows = [line(world, 1), change(world, line(world, 2)), line(world, 3)]
    found = problems(tmp_path, rows)
    assert any(p.startswith(f"line 2: {expected}") for p in found), found
    assert all(p.startswith("line 2: ") for p in found), found
    assert written() == before


def test_all_problems_of_a_line_are_reported(world: World, tmp_path: Path) -> None:
    bad = line(world, 1, channel="fax", outcome="done", colour="red", received_at="x")
    bad["applicant"] = {"name": "An", "national_id": "1"}
    assert sorted(problems(tmp_path, [bad])) == [
        "line 1: applicant.national_id: A national ID number has exactly 12 digits.",
        "line 1: channel: One of: counter, online, postal.",
        "line 1: colour: Unknown key.",
        "line 1: outcome: One of: approved, refused, withdrawn, cancelled.",
        "line 1: received_at: Expected an ISO 8601 date-time.",
    ]


def test_an_organisation_has_no_national_id_check(world: World, tmp_path: Path) -> None:
    data = line(world, 1)
    data["applicant"] = {
        "kind": "organisation",
        "name": "Công ty TNHH An Bình",
        "national_id": "0312",
    }
    assert run(tmp_path, [data]).imported == 1


@pytest.mark.parametrize("batch_size", [1, 1000])
def test_a_code_used_twice_in_the_file(world: World, tmp_path: Path, batch_size: int) -> None:
    rows = [line(world, 1), line(world, 2), line(world, 1, channel="online")]
    assert problems(tmp_path, rows, batch_size=batch_size) == [
        "line 3: code: The code is already used on line 1."
    ]


def test_a_code_already_in_the_database(world: World, tmp_path: Path) -> None:
    run(tmp_path, [line(world, 1)])
    again = tmp_path / "again"
    again.mkdir()
    assert problems(again, [line(world, 2), line(world, 1)]) == [
        "line 2: code: A dossier with this code already exists."
    ]
    assert Dossier.objects.count() == 1


def test_the_rejects_of_a_file_can_be_fixed_and_imported(world: World, tmp_path: Path) -> None:
    result = run(tmp_path, [line(world, 1), line(world, 2, channel="fax")], skip_invalid=True)
    assert result.rejects_path is not None
    (fixed,) = [json.loads(x) for x in result.rejects_path.read_text().splitlines()]
    fixed["channel"] = "counter"
    again = tmp_path / "again"
    again.mkdir()
    assert run(again, [fixed]).imported == 1
    assert Dossier.objects.count() == 2
