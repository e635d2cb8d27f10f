"""The importer refuses a bad file as a whole, naming every problem by its JSON path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.agencies.models import Agency
from motcua.catalog.models import Field, Procedure, ProcedureVersion
from motcua.catalog.services import import_catalog
from motcua.core.errors import ValidationFailed

from .conftest import current_version, procedure

pytestmark = pytest.mark.django_db


def problems(data: Any) -> dict[str, str]:
    """{path: message} of the refused import (fails the test if the import succeeds)."""
    with pytest.raises(ValidationFailed) as info:
        import_catalog(data)
    return {e.field: e.message for e in info.value.errors}


def one(**overrides: Any) -> dict[str, Any]:
    return {"procedures": [procedure(**overrides)]}


def test_a_valid_minimal_file_imports():
    result = import_catalog(one())
    assert result.created == ["9.000001"]
    assert result.published == ["9.000001"]


def test_unknown_keys_are_errors_at_every_depth():
    row = procedure(colour="blue")
    row["field"]["extra"] = 1
    row["processing_time"]["days"] = 3
    row["fees"][0]["vat"] = 10
    row["documents"][0]["pages"] = 2
    row["workflow"][1]["deadline"] = "x"
    row["result"]["format"] = "pdf"
    found = problems({"procedures": [row], "version": 2})
    for path in (
        "version",
        "procedures[0].colour",
        "procedures[0].field.extra",
        "procedures[0].processing_time.days",
        "procedures[0].fees[0].vat",
        "procedures[0].documents[0].pages",
        "procedures[0].workflow[1].deadline",
        "procedures[0].result.format",
    ):
        assert found[path] == "Unknown key."
    assert len(found) == 8


@pytest.mark.parametrize(
    "key", ["code", "name", "field", "level", "processing_time", "online_level"]
)
def test_required_keys(key):
    row = procedure()
    del row[key]
    assert problems({"procedures": [row]})[f"procedures[0].{key}"] == "Required."


@pytest.mark.parametrize(
    ("overrides", "path", "message"),
    [
        (
            {"processing_time": {"value": 0, "unit": "working_days"}},
            "processing_time.value",
            "Must be > 0.",
        ),
        (
            {"processing_time": {"value": 1.255, "unit": "working_days"}},
            "processing_time.value",
            "At most 2 decimal places.",
        ),
        (
            {"processing_time": {"value": "1", "unit": "working_days"}},
            "processing_time.value",
            "Expected a number.",
        ),
        (
            {"processing_time": {"value": 1, "unit": "days"}},
            "processing_time.unit",
            "One of: working_days, working_hours.",
        ),
        ({"level": "district-ish"}, "level", "One of: central, province, district, commune."),
        (
            {"level": ["commune", "galaxy"]},
            "level[1]",
            "One of: central, province, district, commune.",
        ),
        ({"level": []}, "level", "At least one level."),
        ({"online_level": "level4"}, "online_level", "One of: full, partial, none."),
        ({"cutoff": "25:00"}, "cutoff", "Expected a time HH:MM."),
        ({"cutoff": "3pm"}, "cutoff", "Expected a time HH:MM."),
        ({"postal": "yes"}, "postal", "Expected true or false."),
        ({"status": "live"}, "status", "One of: draft, published, retired."),
        ({"supplement_limit_days": 0}, "supplement_limit_days", "Must be at least 1."),
        (
            {"target_groups": ["alien"]},
            "target_groups[0]",
            "One of: citizen, foreigner, organisation.",
        ),
        ({"effective_from": "2026-13-01"}, "effective_from", "Expected a date YYYY-MM-DD."),
        ({"code": "1.001 193"}, "code", None),
        ({"name": "   "}, "name", "Must not be empty."),
        (
            {"fees": [{"name": "Lệ phí", "amount_vnd": -5}]},
            "fees[0].amount_vnd",
            "Must be at least 0.",
        ),
        ({"fees": [{"name": "Lệ phí"}]}, "fees[0].amount_vnd", "Required."),
        (
            {"fees": [{"name": "Lệ phí", "amount_vnd": 1.5}]},
            "fees[0].amount_vnd",
            "Expected a whole number.",
        ),
        ({"documents": [{"copies": 1}]}, "documents[0].name", "Required."),
        ({"result": {"name": "Giấy"}}, "result.kind", "Required."),
        (
            {"result": {"name": "Giấy", "kind": "stone"}},
            "result.kind",
            "One of: paper, electronic, both.",
        ),
        ({"fees": {"name": "x"}}, "fees", "Expected a list."),
    ],
)
def test_each_bad_value_is_named_by_its_path(overrides, path, message):
    found = problems(one(**overrides))
    assert f"procedures[0].{path}" in found, found
    if message is not None:
        assert found[f"procedures[0].{path}"] == message


def test_effective_to_before_from():
    found = problems(one(effective_from="2026-02-01", effective_to="2026-01-01"))
    assert found["procedures[0].effective_to"] == "Must not be before effective_from."


def test_a_step_with_zero_hours_is_reported_at_the_step():
    row = procedure()
    row["workflow"][1]["hours"] = 0
    found = problems({"procedures": [row], "agencies": []})
    assert found == {"procedures[0].workflow[1].hours": "Must be > 0."}


def test_workflow_hours_must_equal_the_legal_time():
    row = procedure()
    row["workflow"][1]["hours"] = 3  # 2 + 3 + 2 = 7 h against 1 working day = 8 h
    found = problems({"procedures": [row]})
    message = found["procedures[0].workflow"]
    assert "7" in message
    assert "8" in message
    assert "working_days" in message


def test_working_hours_unit_is_compared_as_is():
    row = procedure(processing_time={"value": 8, "unit": "working_hours"})
    assert import_catalog({"procedures": [row]}).published == ["9.000001"]
    row = procedure(code="9.000002", processing_time={"value": 0.5, "unit": "working_days"})
    row["workflow"] = [{"code": "XL", "name": "Xử lý", "role": "specialist", "hours": 4}]
    assert import_catalog({"procedures": [row]}).published == ["9.000002"]


@pytest.mark.parametrize(
    ("overrides", "part"),
    [
        ({"sequence": ""}, "sequence"),
        ({"documents": []}, "documents"),
        ({"target_groups": []}, "target_groups"),
        ({"agencies": []}, "agencies"),
    ],
)
def test_a_missing_mandatory_part_blocks_publishing_but_not_a_draft(overrides, part):
    found = problems(one(**overrides))
    assert f"procedures[0].{part}" in found
    assert "Required to publish" in found[f"procedures[0].{part}"]
    assert import_catalog(one(status="draft", **overrides)).created == ["9.000001"]


def test_without_a_workflow_the_default_status_is_draft_and_publishing_is_refused():
    result = import_catalog(one(workflow=[]))
    assert result.published == []
    assert current_version("9.000001").status == "draft"
    found = problems(one(code="9.000002", workflow=[], status="published"))
    assert found["procedures[0].workflow"] == "A procedure without a workflow cannot be published."


def test_a_step_role_must_be_a_step_role():
    row = procedure()
    row["workflow"][0]["role"] = "inspector"
    found = problems({"procedures": [row]})
    assert found == {"procedures[0].workflow[0].role": "One of: receiver, specialist, leader."}


def test_agency_codes_must_exist_in_the_database_or_the_file():
    row = procedure(agencies=["000.00.00.H99", "bad code"])
    row["workflow"][1]["agency"] = "000.00.30.H99"
    found = problems({"procedures": [row]})
    assert found["procedures[0].agencies[0]"] == "No agency has code '000.00.00.H99'."
    assert "spaces" in found["procedures[0].agencies[1]"]
    assert found["procedures[0].workflow[1].agency"] == "No agency has code '000.00.30.H99'."


def test_agencies_defined_in_the_same_file_are_accepted():
    row = procedure(agencies=["000.00.00.H99"])
    row["workflow"][1]["agency"] = "000.00.30.H99"
    agencies = [
        {"code": "000.00.00.H99", "name": "UBND", "kind": "people_committee", "level": "province"},
        {"code": "000.00.30.H99", "name": "Thuế", "kind": "vertical", "level": "province"},
    ]
    result = import_catalog({"agencies": agencies, "procedures": [row]})
    assert sorted(result.agencies.created) == ["000.00.00.H99", "000.00.30.H99"]
    steps = current_version("9.000001").steps.order_by("position")
    assert [s.agency_mode for s in steps] == ["competent", "named", "competent"]


def test_step_agency_modes_must_be_consistent():
    row = procedure()
    row["workflow"][0].update(agency="000.00.30.H20", agency_kind="vertical")
    row["workflow"][1].update(agency_mode="named")
    row["workflow"][2].update(agency_kind="castle")
    found = problems({"procedures": [row]})
    assert "not both" in found["procedures[0].workflow[0]"]
    assert found["procedures[0].workflow[1].agency"] == "Required when agency_mode is named."
    assert found["procedures[0].workflow[2].agency_kind"].startswith("One of: ")


def test_kind_and_receiving_centre_modes_import():
    row = procedure()
    row["workflow"][0]["agency_mode"] = "receiving_centre"
    row["workflow"][1]["agency_kind"] = "vertical"
    import_catalog({"procedures": [row]})
    steps = list(current_version("9.000001").steps.order_by("position"))
    assert [s.agency_mode for s in steps] == ["receiving_centre", "kind", "competent"]
    assert steps[1].agency_kind == "vertical"


def test_duplicates_in_one_file():
    row = procedure()
    row["workflow"][2]["code"] = "TN"
    other = procedure(field={"code": "TN", "name": "Tên khác"})
    found = problems({"procedures": [row, other]})
    assert found["procedures[0].workflow[2].code"] == "Duplicate of procedures[0].workflow[0]."
    assert found["procedures[1].code"] == "Duplicate of procedures[0]."
    assert "named differently" in found["procedures[1].field.name"]


def test_bad_agency_rows_of_the_file_are_reported_with_the_procedures():
    data = one(colour="red")
    data["agencies"] = [{"code": "H20", "name": "X", "kind": "castle", "level": "province"}]
    found = problems(data)
    assert {"agencies[0].code", "agencies[0].kind", "procedures[0].colour"} <= set(found)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([1, 2], "$"),
        ({"procedures": {"a": 1}}, "procedures"),
        ({"procedures": [7]}, "procedures[0]"),
    ],
)
def test_wrong_shapes(data, path):
    assert path in problems(data)


def test_every_problem_is_reported_and_nothing_is_written(sample_agencies):
    agencies_before = Agency.objects.count()
    good = procedure(code="9.000010")
    bad = procedure(code="9.000011", online_level="sometimes", cutoff="noon")
    bad["workflow"][2]["hours"] = -1
    new_agency = {"code": "000.00.77.H20", "name": "Mới", "kind": "other", "level": "province"}
    found = problems({"agencies": [new_agency], "procedures": [good, bad]})
    assert set(found) == {
        "procedures[1].online_level",
        "procedures[1].cutoff",
        "procedures[1].workflow[2].hours",
    }
    assert Agency.objects.count() == agencies_before
    assert not Procedure.objects.exists()
    assert not Field.objects.exists()
    assert not ProcedureVersion.objects.exists()


def test_a_failure_while_writing_rolls_back_everything(sample_agencies):
    # The agency row is valid in shape, but its parent does not exist: ``upsert_agencies``
    # refuses it after the procedures were validated; nothing at all may remain.
    orphan = {
        "code": "000.00.78.H20",
        "name": "Mồ côi",
        "kind": "other",
        "level": "province",
        "parent": "000.00.99.H20",
    }
    with pytest.raises(ValidationFailed):
        import_catalog({"agencies": [orphan], "procedures": [procedure()]})
    assert not Procedure.objects.exists()
    assert not Agency.objects.filter(code="000.00.78.H20").exists()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(
        [
            *procedure().keys(),
            "agencies",
            "status",
            "cutoff",
            "effective_to",
            "supplement_limit_days",
        ]
    ),
    value=_json,
    step_key=st.sampled_from(
        ["code", "name", "role", "hours", "agency", "agency_kind", "agency_mode"]
    ),
    step_value=_json,
)
def test_any_value_is_either_imported_or_refused_cleanly(key, value, step_key, step_value):
    row = procedure()
    row[key] = value
    steps = row.get("workflow")
    if isinstance(steps, list) and steps and isinstance(steps[0], dict):
        steps[0] = {**steps[0], step_key: step_value}
    errors = []
    try:
        import_catalog({"procedures": [row]})
    except ValidationFailed as exc:
        errors = exc.errors
        assert errors, "a refusal names at least one problem"
    assert all(e.field.startswith(("procedures[0]", "$")) for e in errors)


def test_a_value_of_the_wrong_type_is_reported_once():
    found = problems(one(name=42, code=["1.001193"]))
    assert found == {
        "procedures[0].name": "Expected a text.",
        "procedures[0].code": "Expected a text.",
    }
