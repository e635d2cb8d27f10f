"""``/api/v1/reports``: officials only, scoped to their agencies; problem details naming the
parameter; the exports; the drill-down limited to what the official sees. The history and its
hand-computed figures are those of ``test_report``."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from motcua.agencies.services import upsert_agencies
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import World
from motcua.identity.models import User

from .test_report import EXPECTED_MARCH, MARCH, history_fixture  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
PERIOD = {"from": MARCH[0], "to": MARCH[1]}
URL = "/api/v1/reports/period"


def as_user(world: World, name: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users[name])
    return client


def get(client: Client, path: str = "", **params: Any) -> Any:
    return client.get(URL + path, {**PERIOD, **params})


def figures(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("period", "scope", "breakdown")}


def test_the_inspector_reports_on_the_province(world: World, history: dict[str, Dossier]) -> None:
    response = get(as_user(world, "inspector"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert figures(body) == EXPECTED_MARCH
    assert body["scope"]["agency"]["code"] == "000.00.00.H99"  # its scope's root, by default
    assert body["period"] == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "as_of": "2026-04-01T00:00:00+07:00",
        "live": False,
    }
    tree = get(as_user(world, "inspector"), breakdown="agency").json()["breakdown"]
    assert tree["by"] == "agency"
    assert [c["code"] for c in tree["rows"][0]["children"]] == [
        world.justice.code,
        world.building.code,
    ]
    months = get(as_user(world, "inspector"), breakdown="month").json()["breakdown"]["rows"]
    assert months[0]["period"]["from"] == "2026-03-01" and months[0]["total"] == 11


def test_a_specialist_reports_on_its_own_agency_only(
    world: World, history: dict[str, Dossier]
) -> None:
    client = as_user(world, "builder")
    body = get(client).json()
    assert body["scope"]["agency"]["code"] == world.building.code
    assert body["received"]["total"] == 1
    assert get(client, agency=world.building.code).status_code == 200
    for outside in (world.justice.code, "000.00.00.H99"):
        response = get(client, agency=outside)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert outside in response.json()["detail"]


def test_authentication(world: World, history: dict[str, Dossier]) -> None:
    assert get(Client()).status_code == 401
    nobody = User.objects.create_user("citizen", password="x")
    client = Client()
    client.force_login(nobody)
    response = get(client)
    assert response.status_code == 403
    assert get(client, ".xlsx").status_code == 403
    assert get(client, "/dossiers", figure="total").status_code == 403


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"from": "2026-02-30"}, ["from"]),
        ({"to": "31/03/2026"}, ["to"]),
        ({"from": "2026-04-01"}, ["from"]),
        ({"as_of": "later"}, ["as_of"]),
        ({"as_of": "2025-12-31T23:00"}, ["as_of"]),
        ({"agency": "000.00.88.H99"}, ["agency"]),
        ({"level": "galaxy"}, ["level"]),
        ({"field": "ZZ"}, ["field"]),
        ({"procedure": "0.1"}, ["procedure"]),
        ({"channel": "telegram"}, ["channel"]),
        ({"breakdown": "colour"}, ["breakdown"]),
        ({"channel": "telegram", "level": "x"}, ["level", "channel"]),
    ],
)
def test_bad_parameters_are_422_naming_them(
    world: World, params: dict[str, str], fields: list[str]
) -> None:
    response = get(as_user(world, "inspector"), **params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == fields


def test_missing_period_is_422(world: World) -> None:
    response = as_user(world, "inspector").get(URL)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"from", "to"}


def test_xlsx_and_pdf(world: World, history: dict[str, Dossier]) -> None:
    client = as_user(world, "inspector")
    response = get(client, ".xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "bao-cao-II06a_2026-03-01_2026-03-31.xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["L1"].value == "Đơn vị báo cáo: UBND tỉnh Thử Nghiệm (000.00.00.H99)"
    assert [ws.cell(12, c).value for c in range(2, 6)] == ["Tổng cộng", 11, 2, 7]
    assert get(client, ".xlsx", breakdown="nope").status_code == 422
    pytest.importorskip("weasyprint", exc_type=OSError)
    response = get(client, ".pdf", breakdown="agency")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_drill_down(world: World, history: dict[str, Dossier]) -> None:
    client = as_user(world, "inspector")
    response = get(client, "/dossiers", figure="resolved.late")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["figure"], body["count"], body["as_of"]) == (
        "resolved.late",
        1,
        "2026-04-01T00:00:00+07:00",
    )
    item = body["items"][0]
    assert item["code"] == history["E"].code
    assert item["timeliness"] == "late" and item["agency"]["code"] == world.justice.code
    assert "applicant" not in str(item) and "082090001234" not in str(body)
    overdue = get(client, "/dossiers", figure="in_progress.overdue").json()
    assert [i["code"] for i in overdue["items"]] == [history["C"].code, history["M"].code]
    page = get(client, "/dossiers", figure="total", page=2, page_size=5).json()
    assert (page["count"], page["page"], len(page["items"])) == (11, 2, 5)


def test_drill_down_is_scoped(world: World, history: dict[str, Dossier]) -> None:
    body = get(as_user(world, "builder"), "/dossiers", figure="received").json()
    assert [i["code"] for i in body["items"]] == [history["N"].code]
    outside = get(as_user(world, "builder"), "/dossiers", figure="total", agency=world.justice.code)
    assert outside.status_code == 403


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"figure": "resolved.fast"}, ["figure"]),
        ({"figure": "total", "page": 0}, ["page"]),
        ({"figure": "total", "page_size": 500}, ["page_size"]),
        ({"figure": "total", "from": "x"}, ["from"]),
    ],
)
def test_drill_down_bad_parameters(world: World, params: dict[str, Any], fields: list[str]) -> None:
    response = get(as_user(world, "inspector"), "/dossiers", **params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == fields


def test_a_service_centre_below_does_not_block_the_agencys_report(
    world: World, history: dict[str, Dossier]
) -> None:
    """A ward leader's role is at the ward, not at the ward's service centre below it; the
    centre never resolves dossiers, so the report on the ward is the leader's to see."""
    upsert_agencies(
        [
            {
                "code": "000.01.03.H99",
                "name": "Bộ phận một cửa Sở Xây dựng",
                "kind": "service_centre",
                "level": "province",
                "parent": world.building.code,
            }
        ]
    )
    response = get(as_user(world, "builder_leader"))
    assert response.status_code == 200
    assert response.json()["scope"]["agency"]["code"] == world.building.code
