"""Fixtures of the catalogue tests: the agencies of the sample province (sample_province.md)
that the sample catalogue names, and small catalogue files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

SAMPLE_PATH = Path(__file__).resolve().parents[1] / "data" / "sample_catalog.json"

UBND = "000.00.00.H20"
PROVINCE_AGENCIES = [
    (UBND, "UBND tỉnh Đồng Tháp", "people_committee", None),
    ("000.00.01.H20", "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp", "service_centre", UBND),
    ("000.00.02.H20", "Sở Tư pháp", "department", UBND),
    ("000.00.03.H20", "Sở Xây dựng", "department", UBND),
    ("000.00.04.H20", "Sở Nông nghiệp và Môi trường", "department", UBND),
    ("000.00.05.H20", "Sở Tài chính", "department", UBND),
    ("000.00.06.H20", "Sở Y tế", "department", UBND),
    ("000.00.08.H20", "Sở Công Thương", "department", UBND),
    ("000.01.04.H20", "Văn phòng Đăng ký đất đai tỉnh Đồng Tháp", "other", "000.00.04.H20"),
    ("000.00.30.H20", "Thuế tỉnh Đồng Tháp", "vertical", UBND),
    ("000.00.31.H20", "Công an tỉnh Đồng Tháp", "vertical", UBND),
]
COMMUNE_AGENCIES = [
    ("001.50.00.H20", "UBND Phường An Bình", "people_committee", UBND),
    (
        "001.51.00.H20",
        "Trung tâm Phục vụ hành chính công phường An Bình",
        "service_centre",
        "001.50.00.H20",
    ),
    ("046.50.00.H20", "UBND Xã Lấp Vò", "people_committee", UBND),
]


def agency_rows() -> list[dict[str, Any]]:
    rows = [
        {"code": c, "name": n, "kind": k, "level": "province", "parent": p}
        for c, n, k, p in PROVINCE_AGENCIES
    ]
    rows += [
        {"code": c, "name": n, "kind": k, "level": "commune", "parent": p}
        for c, n, k, p in COMMUNE_AGENCIES
    ]
    return rows


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages in English, the msgids, whatever catalogue the translators have shipped."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def sample_agencies(db: Any) -> list[str]:
    from motcua.agencies.services import upsert_agencies

    upsert_agencies(agency_rows())
    return [r["code"] for r in agency_rows()]


@pytest.fixture(scope="session")
def sample_data() -> dict[str, Any]:
    return json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def sample(sample_data: dict[str, Any]) -> dict[str, Any]:
    """A fresh deep copy of the sample catalogue, safe to modify."""
    return copy.deepcopy(sample_data)


@pytest.fixture
def loaded_sample(sample_agencies: list[str], sample: dict[str, Any]) -> dict[str, Any]:
    from motcua.catalog.services import import_catalog

    import_catalog(sample)
    return sample


def procedure(**overrides: Any) -> dict[str, Any]:
    """A small valid, publishable procedure; keys in ``overrides`` replace its own."""
    row: dict[str, Any] = {
        "code": "9.000001",
        "name": "Đăng ký thử nghiệm",
        "field": {"code": "TN", "name": "Thử nghiệm"},
        "level": "commune",
        "processing_time": {"value": 1, "unit": "working_days"},
        "online_level": "full",
        "sequence": "Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả.",
        "target_groups": ["citizen"],
        "documents": [{"name": "Tờ khai", "originals": 1, "copies": 0, "required": True}],
        "fees": [{"name": "Lệ phí", "amount_vnd": 0}],
        "result": {"name": "Giấy chứng nhận", "kind": "both"},
        "workflow": [
            {"code": "TN", "name": "Tiếp nhận", "role": "receiver", "hours": 2},
            {"code": "XL", "name": "Xử lý", "role": "specialist", "hours": 4},
            {"code": "PD", "name": "Phê duyệt", "role": "leader", "hours": 2},
        ],
    }
    row.update(overrides)
    return row


def current_version(code: str) -> Any:
    """The current version of procedure ``code`` (which must have one)."""
    from motcua.catalog.models import Procedure

    version = Procedure.objects.get(code=code).current
    assert version is not None
    return version
