"""The public catalogue API: search, detail, fields, statistics, and its problem details."""

from __future__ import annotations

import pytest

from motcua.catalog.services import import_catalog

from .conftest import procedure

pytestmark = pytest.mark.django_db

BASE = "/api/v1/procedures"


def test_search_accent_insensitive_and_paginated(client, loaded_sample):
    response = client.get(BASE, {"q": "dang ky khai sinh", "page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 2)
    assert body["items"][0]["code"] == "1.001193"
    assert body["items"][0]["processing_time"] == {"value": 1, "unit": "working_days"}
    second = client.get(BASE, {"q": "dang ky khai sinh", "page_size": 2, "page": 2}).json()
    assert len(second["items"]) == 1
    assert second["items"][0]["code"] not in {i["code"] for i in body["items"]}


def test_search_filters(client, loaded_sample):
    body = client.get(BASE, {"field": "LLTP", "level": "province", "online_level": "full"}).json()
    assert [i["code"] for i in body["items"]] == ["2.000488"]
    body = client.get(BASE, {"agency": "000.00.31.H20"}).json()
    assert [i["code"] for i in body["items"]] == ["2.000488"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"level": "planet"}, {"level"}),
        ({"page": 0, "page_size": 1000}, {"page", "page_size"}),
        ({"status": "draft"}, {"status"}),
        ({"field": "NOPE", "agency": "000.00.99.H20"}, {"field", "agency"}),
        ({"page": "abc"}, {"page"}),
    ],
)
def test_bad_filters_are_422_problems(client, loaded_sample, params, fields):
    response = client.get(BASE, params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert {e["field"] for e in body["errors"]} == fields


def test_detail_has_the_seven_parts_and_the_workflow(client, loaded_sample):
    response = client.get(f"{BASE}/1.001193")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Thủ tục đăng ký khai sinh"
    assert body["version"] == 1
    assert body["status"] == "published"
    assert body["cutoff"] == "15:00"
    assert body["processing_time"] == {"value": 1, "unit": "working_days", "hours": 8}
    assert body["method"] == {
        "channels": ["counter", "online", "postal"],
        "online_level": "full",
        "postal": True,
    }
    assert body["supplement_policy"] == "pause"
    assert body["supplement_limit_days"] == 15
    assert body["agencies"] == {"scope": "level", "items": []}
    assert body["fees"][0]["amount_vnd"] == 0
    assert body["documents"][0]["template"] == "to-khai-dang-ky-khai-sinh.docx"
    assert body["result"]["kind"] == "both"
    assert sum(s["hours"] for s in body["workflow"]) == 8
    assert [s["position"] for s in body["workflow"]] == [1, 2, 3, 4]
    assert body["workflow"][0]["agency_mode"] == "receiving_centre"
    assert body["mandatory_parts"] == {
        "name": True,
        "sequence": True,
        "method": True,
        "documents": True,
        "processing_time": True,
        "target_groups": True,
        "agencies": True,
        "complete": True,
    }
    assert body["versions"][0]["version"] == 1


def test_detail_names_the_agencies_of_inter_agency_steps(client, loaded_sample):
    body = client.get(f"{BASE}/H20.DD.01").json()
    assert body["agencies"]["items"] == [
        {"code": "000.01.04.H20", "name": "Văn phòng Đăng ký đất đai tỉnh Đồng Tháp"}
    ]
    tax = next(s for s in body["workflow"] if s["code"] == "THUE")
    assert (tax["agency"], tax["agency_name"]) == ("000.00.30.H20", "Thuế tỉnh Đồng Tháp")
    body = client.get(f"{BASE}/1.012753").json()
    tax = next(s for s in body["workflow"] if s["code"] == "THUE")
    assert (tax["agency_mode"], tax["agency_kind"], tax["agency"]) == ("kind", "vertical", None)


def test_unknown_and_draft_procedures_are_404(client, loaded_sample):
    import_catalog({"procedures": [procedure(workflow=[])]})
    for code in ("0.000000", "9.000001"):
        response = client.get(f"{BASE}/{code}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"].endswith("/not-found")
    assert "9.000001" not in {
        i["code"] for i in client.get(BASE, {"page_size": 100}).json()["items"]
    }


def test_fields_and_statistics(client, loaded_sample):
    fields = client.get(f"{BASE}/fields").json()
    assert {"code": "HT", "name": "Hộ tịch", "procedures": 10} in fields
    stats = client.get(f"{BASE}/statistics").json()
    assert stats["total"] == len(loaded_sample["procedures"])
    assert stats["by_level"][1] == {"level": "province", "procedures": 5, "fields": 5}
    assert 0 < stats["online"]["online_share"] <= 100


def test_the_openapi_document_describes_the_catalogue(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (BASE, f"{BASE}/fields", f"{BASE}/statistics", BASE + "/{code}"):
        assert "get" in paths[path]
    responses = paths[BASE + "/{code}"]["get"]["responses"]
    assert {"200", "404", "422"} <= set(responses)
