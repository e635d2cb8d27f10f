"""The shipped sample catalogue, and export → import → export being byte-identical."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from motcua.agencies.models import Agency
from motcua.catalog.canonical import AGENCY_KEYS, PROCEDURE_KEYS, STEP_KEYS
from motcua.catalog.models import Field, Procedure, ProcedureVersion
from motcua.catalog.selectors import procedure_detail
from motcua.catalog.services import export_catalog, import_catalog, render_catalog

from .conftest import COMMUNE_AGENCIES, PROVINCE_AGENCIES

pytestmark = pytest.mark.django_db

SAMPLE_PROVINCE_CODES = {c for c, *_ in PROVINCE_AGENCIES} | {
    "000.00.07.H20",
    "000.00.09.H20",
    "000.00.10.H20",
    "000.00.11.H20",
    "000.00.32.H20",
}
COMMUNE_CODE = re.compile(r"^(\d{3})\.5[01]\.00\.H20$")


def _referenced_codes(data: dict[str, Any]) -> set[str]:
    codes = set()
    for row in data["procedures"]:
        codes |= set(row.get("agencies") or [])
        codes |= {s["agency"] for s in row.get("workflow", []) if s.get("agency")}
    return codes


def test_the_sample_is_marked_and_references_only_sample_province_agencies(sample_data):
    assert sample_data["agencies"] == []
    assert "Sample data" in sample_data["note"]
    rows = sample_data["procedures"]
    assert len(rows) >= 30
    assert len({r["code"] for r in rows}) == len(rows)
    for row in rows:
        assert row["sample"] is True, row["code"]
        assert row["note"].startswith("Sample data."), row["code"]
        assert set(row) <= set(PROCEDURE_KEYS)
    for code in _referenced_codes(sample_data):
        match = COMMUNE_CODE.match(code)
        assert code in SAMPLE_PROVINCE_CODES or (match and 1 <= int(match[1]) <= 102), code


def test_the_sample_covers_the_common_procedures(sample_data):
    rows = {r["code"]: r for r in sample_data["procedures"]}
    assert rows["1.001193"]["name"] == "Thủ tục đăng ký khai sinh"
    names = " | ".join(r["name"].lower() for r in rows.values())
    for words in (
        "khai sinh",
        "kết hôn",
        "khai tử",
        "cải chính",
        "tình trạng hôn nhân",
        "trích lục",
        "nhận cha, mẹ, con",
        "chứng thực bản sao từ bản chính",
        "chứng thực chữ ký",
        "chứng thực hợp đồng",
        "bản sao điện tử",
        "thành lập hộ kinh doanh",
        "thay đổi nội dung đăng ký hộ kinh doanh",
        "giấy phép xây dựng mới",
        "đăng ký biến động",
        "lần đầu",
        "trợ cấp xã hội hàng tháng",
        "mai táng",
        "lý lịch tư pháp",
        "thành lập doanh nghiệp",
        "an toàn thực phẩm",
        "đăng ký thuế",
    ):
        assert words in names, words
    assert {r["field"]["code"] for r in rows.values()} >= {
        "HT", "CT", "HKD", "DN", "XD", "DD", "BTXH", "LLTP", "ATTP", "THUE"
    }  # fmt: skip
    # Certification uses the 15:00 cut-off; land registration passes through the tax office.
    assert rows["2.000815"]["cutoff"] == "15:00"
    tax_steps = [
        s
        for r in rows.values()
        if r["field"]["code"] == "DD"
        for s in r["workflow"]
        if s.get("agency_kind") == "vertical" or s.get("agency") == "000.00.30.H20"
    ]
    assert len(tax_steps) == 2


def test_every_sample_workflow_adds_up_to_the_legal_time(sample_data):
    for row in sample_data["procedures"]:
        time = row["processing_time"]
        legal = Decimal(str(time["value"])) * (8 if time["unit"] == "working_days" else 1)
        assert sum(Decimal(str(s["hours"])) for s in row["workflow"]) == legal, row["code"]


def test_the_sample_imports_published_with_all_seven_parts(loaded_sample):
    versions = ProcedureVersion.objects.select_related("procedure")
    assert versions.count() == len(loaded_sample["procedures"])
    assert set(versions.values_list("status", flat=True)) == {"published"}
    for version in versions:
        detail = procedure_detail(version.procedure.code)
        assert detail["mandatory_parts"]["complete"], version.procedure.code
        assert version.is_sample


def _wipe() -> None:
    """Empty the catalogue and the agencies, children before parents."""
    Procedure.objects.update(current=None)
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    while Agency.objects.exists():
        Agency.objects.filter(children__isnull=True, predecessors__isnull=True).delete()


def test_export_import_export_is_byte_identical(loaded_sample):
    first = render_catalog(export_catalog())
    result = import_catalog(json.loads(first))
    assert result.created == []
    assert result.versioned == []
    assert result.updated == []
    assert render_catalog(export_catalog()) == first
    # Into an empty database too: the file carries the agencies it needs, parents first.
    _wipe()
    result = import_catalog(json.loads(first))
    assert len(result.created) == len(loaded_sample["procedures"])
    assert render_catalog(export_catalog()) == first
    assert all(a.path.startswith("/") for a in Agency.objects.all()), (
        "agency paths must be absolute"
    )


def test_the_export_is_canonical(loaded_sample):
    data = export_catalog()
    assert list(data) == ["agencies", "procedures"]
    codes = [p["code"] for p in data["procedures"]]
    assert codes == sorted(codes)
    for row in data["procedures"]:
        assert tuple(row) == PROCEDURE_KEYS
        for step in row["workflow"]:
            assert tuple(step) == STEP_KEYS
    agencies = data["agencies"]
    for agency in agencies:
        assert tuple(agency) == AGENCY_KEYS
    exported = [a["code"] for a in agencies]
    # Named steps and listed agencies, with their parents up to the province committee.
    assert {"000.01.04.H20", "000.00.04.H20", "000.00.00.H20", "000.00.30.H20"} <= set(exported)
    assert exported.index("000.00.04.H20") < exported.index("000.01.04.H20")
    assert exported[0] == "000.00.00.H20"
    assert not set(exported) & {c for c, *_ in COMMUNE_AGENCIES}
    # Deterministic: a second export is the same text.
    assert render_catalog(export_catalog()) == render_catalog(data)


def test_importing_the_sample_twice_changes_nothing(loaded_sample):
    result = import_catalog(loaded_sample)
    assert len(result.unchanged) == len(loaded_sample["procedures"])
    assert ProcedureVersion.objects.count() == len(loaded_sample["procedures"])


def test_the_agencies_helper_sample_has_every_agency_the_catalogue_names(sample_data):
    path = Path(Agency._meta.app_config.path) / "data" / "sample_agencies.json"
    if not path.exists():
        pytest.skip("the sample province's agencies are not shipped yet")
    shipped = {a["code"] for a in json.loads(path.read_text(encoding="utf-8"))["agencies"]}
    assert _referenced_codes(sample_data) <= shipped
