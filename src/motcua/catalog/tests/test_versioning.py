"""Upsert by code and the versioning rules: published versions are never edited in place."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.catalog import services
from motcua.catalog.models import Field, Procedure, ProcedureVersion, WorkflowStep
from motcua.catalog.services import import_catalog
from motcua.core.errors import Conflict, ValidationFailed

from .conftest import procedure

pytestmark = pytest.mark.django_db


def load(**overrides: Any) -> services.ImportResult:
    return import_catalog({"procedures": [procedure(**overrides)]})


def versions(code: str = "9.000001") -> list[tuple[int, str, str]]:
    return list(
        ProcedureVersion.objects.filter(procedure__code=code)
        .order_by("version")
        .values_list("version", "status", "name")
    )


def current(code: str = "9.000001") -> ProcedureVersion:
    version = Procedure.objects.get(code=code).current
    assert version is not None
    return version


def test_first_import_creates_a_published_current_version_with_search_text():
    result = load()
    assert result.created == ["9.000001"]
    version = current()
    assert (version.version, version.status) == (1, "published")
    assert version.published_at is not None
    assert version.search_text == "9.000001 dang ky thu nghiem tn thu nghiem"
    assert version.search_name == "dang ky thu nghiem"


def test_the_same_content_again_is_unchanged():
    load()
    result = load()
    assert result.unchanged == ["9.000001"]
    assert versions() == [(1, "published", "Đăng ký thử nghiệm")]


def test_a_change_to_a_published_procedure_makes_a_new_version():
    load()
    first = current()
    result = load(name="Đăng ký thử nghiệm (sửa đổi)")
    assert result.versioned == ["9.000001"]
    assert versions() == [
        (1, "published", "Đăng ký thử nghiệm"),
        (2, "published", "Đăng ký thử nghiệm (sửa đổi)"),
    ]
    assert current().version == 2
    first.refresh_from_db()
    assert first.name == "Đăng ký thử nghiệm"  # dossiers received under v1 keep its text
    assert first.steps.count() == 3


def test_a_draft_is_updated_in_place_then_published_in_place():
    load(workflow=[])
    assert versions() == [(1, "draft", "Đăng ký thử nghiệm")]
    result = load(workflow=[], name="Bản nháp mới")
    assert result.updated == ["9.000001"]
    assert versions() == [(1, "draft", "Bản nháp mới")]
    result = load()
    assert result.updated == ["9.000001"]
    assert result.published == ["9.000001"]
    assert versions() == [(1, "published", "Đăng ký thử nghiệm")]
    assert current().published_at is not None


def test_a_draft_on_top_of_a_published_version_does_not_replace_it_until_published():
    load()
    result = load(status="draft", name="Dự thảo")
    assert result.versioned == ["9.000001"]
    assert versions() == [(1, "published", "Đăng ký thử nghiệm"), (2, "draft", "Dự thảo")]
    assert current().version == 1
    # Re-importing the published text leaves the pending draft alone.
    assert load().unchanged == ["9.000001"]
    # Changing the draft again updates it in place.
    assert load(status="draft", name="Dự thảo 2").updated == ["9.000001"]
    assert len(versions()) == 2
    draft = ProcedureVersion.objects.get(procedure__code="9.000001", version=2)
    services.publish(draft)
    assert current().version == 2
    assert versions()[0][1] == "published"


def test_retiring_through_the_import_marks_the_published_version():
    load()
    result = load(status="retired")
    assert result.retired == ["9.000001"]
    assert versions() == [(1, "retired", "Đăng ký thử nghiệm")]
    assert current().status == "retired"
    # Publishing the same text again is a new version (v1 keeps its history).
    assert load().versioned == ["9.000001"]
    assert [v[1] for v in versions()] == ["retired", "published"]
    assert current().version == 2


def test_publish_refuses_a_draft_whose_hours_do_not_add_up():
    load(status="draft")
    draft = current()
    WorkflowStep.objects.filter(version=draft, code="XL").update(hours=5)
    with pytest.raises(ValidationFailed) as info:
        services.publish(draft)
    (error,) = info.value.errors
    assert error.field == "workflow"
    assert "9" in error.message
    assert "8" in error.message
    assert current().status == "draft"


def test_publish_refuses_a_draft_missing_mandatory_parts():
    load(status="draft", sequence="", target_groups=[])
    with pytest.raises(ValidationFailed) as info:
        services.publish(current())
    assert {e.field for e in info.value.errors} == {"sequence", "target_groups"}


def test_publish_and_retire_only_from_the_right_status():
    load()
    version = current()
    with pytest.raises(Conflict):
        services.publish(version)
    services.retire(version)
    assert current().status == "retired"
    with pytest.raises(Conflict):
        services.retire(version)


def test_create_draft_copies_the_current_version():
    load(agencies=None)
    draft = services.create_draft(Procedure.objects.get(code="9.000001"))
    assert (draft.version, draft.status) == (2, "draft")
    assert current().version == 1
    assert list(draft.steps.values_list("code", "hours")) == list(
        current().steps.values_list("code", "hours")
    )
    assert draft.fees.count() == 1
    assert draft.documents.count() == 1
    assert draft.search_text == current().search_text
    with pytest.raises(Conflict):
        services.create_draft(Procedure.objects.get(code="9.000001"))


def test_a_draft_edited_in_the_admin_goes_through_the_services():
    load()
    draft = services.create_draft(Procedure.objects.get(code="9.000001"))
    draft.name = "Đăng ký sửa đổi"
    services.save_draft(draft)
    draft.refresh_from_db()
    assert draft.search_name == "dang ky sua doi"
    published = current()
    published.name = "Không được sửa"
    with pytest.raises(Conflict):
        services.save_draft(published)
    draft.levels = ["galaxy"]
    with pytest.raises(ValidationFailed) as info:
        services.save_draft(draft)
    assert info.value.errors[0].field == "levels"


def test_draft_steps_are_checked_and_saved():
    load(status="draft")
    draft = current()
    steps = list(draft.steps.order_by("position"))
    steps[1].hours = 0
    steps[2].agency_mode = "named"
    with pytest.raises(ValidationFailed) as info:
        services.save_draft_steps(draft, steps)
    assert {e.field for e in info.value.errors} == {"workflow[1].hours", "workflow[2].agency"}
    steps[1].hours = 5
    steps[2].agency_mode = "kind"
    steps[2].agency_kind = "vertical"
    services.save_draft_steps(draft, steps[1:], deleted=steps[:1])
    assert list(draft.steps.values_list("code", "agency_mode", "agency_kind")) == [
        ("XL", "competent", ""),
        ("PD", "kind", "vertical"),
    ]


def test_renaming_a_field_refreshes_the_search_text_of_its_procedures():
    load()
    load(code="9.000002", field={"code": "TN", "name": "Lĩnh vực đổi tên"})
    assert "linh vuc doi ten" in current("9.000001").search_text
    field = Field.objects.get(code="TN")
    field.name = "Đất đai"
    services.save_field(field)
    assert current("9.000001").search_text.endswith("tn dat dai")
    with pytest.raises(ValidationFailed):
        services.save_field(Field(code="TN", name="Trùng mã"))
