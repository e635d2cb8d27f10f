from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from motcua.agencies.services import SampleProvince

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Client) -> Any:
    def get(path: str, **params: Any) -> Any:
        return client.get(f"/api/v1/{path}", params, HTTP_ACCEPT_LANGUAGE="en")

    return get


def test_list_is_paginated_and_ordered_as_a_tree(api: Any, sample: SampleProvince) -> None:
    body = api("agencies", page_size=5).json()
    assert body["count"] == 220
    assert (body["page"], body["page_size"], len(body["items"])) == (1, 5, 5)
    assert body["items"][0]["code"] == "000.00.00.H20"
    assert body["items"][0]["parent"] is None
    assert body["items"][0]["division"] == "82"
    last = api("agencies", page=44, page_size=5).json()
    assert len(last["items"]) == 5
    assert api("agencies", page=45, page_size=5).json()["items"] == []


def test_search_ignores_accents_and_case(api: Any, sample: SampleProvince) -> None:
    body = api("agencies", q="trung tam phuong my tho").json()
    assert [a["code"] for a in body["items"]] == ["012.51.00.H20"]
    body = api("agencies", q="SỞ TƯ PHÁP").json()
    assert [a["code"] for a in body["items"]] == ["000.00.02.H20"]
    assert api("agencies", q="000.01.04").json()["items"][0]["name"].startswith("Văn phòng")
    assert api("agencies", q="dong thap xyz").json()["count"] == 0


def test_filters(api: Any, sample: SampleProvince) -> None:
    assert api("agencies", kind="department").json()["count"] == 10
    assert api("agencies", kind="service_centre", level="commune").json()["count"] == 102
    assert api("agencies", level="province").json()["count"] == 16
    children = api("agencies", parent="000.00.00.H20", page_size=100).json()
    # The centre, 10 departments, tax and police (social insurance stands alone), 102 communes.
    assert children["count"] == 13 + 102
    in_my_tho = api("agencies", division="82012").json()
    assert {a["code"] for a in in_my_tho["items"]} == {"012.50.00.H20", "012.51.00.H20"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "palace"}, "kind"),
        ({"level": "district-ish"}, "level"),
        ({"page": 0}, "page"),
        ({"page_size": 1000}, "page_size"),
        ({"page": "one"}, "page"),
        ({"parent": "999.00.00.H20"}, "parent"),
        ({"division": "99999"}, "division"),
    ],
)
def test_bad_filters_are_problem_details(
    api: Any, sample: SampleProvince, params: dict[str, Any], field: str
) -> None:
    response = api("agencies", **params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert [e["field"] for e in body["errors"]] == [field]


def test_detail(api: Any, sample: SampleProvince) -> None:
    body = api("agencies/000.00.01.H20").json()
    assert body["name"] == "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp"
    assert body["kind"] == "service_centre"
    assert body["level"] == "province"
    assert body["parent"] == {"code": "000.00.00.H20", "name": "Ủy ban nhân dân tỉnh Đồng Tháp"}
    assert body["division"] == {"code": "82", "name": "Tỉnh Đồng Tháp"}
    desks = [p["name"] for p in body["reception_points"]]
    assert "Quầy 1 – Tư pháp, hộ tịch" in desks
    assert len(desks) >= 5
    land = api("agencies/000.00.04.H20").json()
    assert [c["code"] for c in land["children"]] == ["000.01.04.H20"]


def test_unknown_code_is_404(api: Any, sample: SampleProvince) -> None:
    response = api("agencies/000.00.99.H20")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "000.00.99.H20" in response.json()["detail"]
    assert api("divisions/82999").status_code == 404


def test_no_official_or_personal_data_in_public_answers(api: Any, sample: SampleProvince) -> None:
    text = api("agencies/000.00.02.H20").content.decode()
    for secret in ("tuphap.chuyenvien", "Trần Văn Minh", "assignments", "password"):
        assert secret not in text


def test_divisions(api: Any, sample: SampleProvince) -> None:
    provinces = api("divisions", kind="province", page_size=100).json()
    assert provinces["count"] == 28
    assert api("divisions", kind="city").json()["count"] == 6
    wards = api("divisions", parent="82", kind="ward", page_size=100).json()
    assert wards["count"] == 20
    assert api("divisions", q="lap vo").json()["items"][0]["code"] == "82046"
    detail = api("divisions/82").json()
    assert detail["level"] == "province"
    assert detail["parent"] is None
    assert len(detail["children"]) == 102
    commune = api("divisions/82046").json()
    assert commune["parent"] == {"code": "82", "name": "Tỉnh Đồng Tháp"}
    assert commune["kind"] == "commune"
    assert commune["level"] == "commune"
    assert api("divisions", parent="00").status_code == 422
    assert api("divisions", kind="hamlet").status_code == 422


def test_openapi_declares_the_endpoints_and_their_errors(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/agencies",
        "/api/v1/agencies/{code}",
        "/api/v1/divisions",
        "/api/v1/divisions/{code}",
    ):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "404", "422"} <= set(responses)
