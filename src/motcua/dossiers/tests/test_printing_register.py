"""The register of a desk (Mẫu 07) in Excel and PDF, who may print it, and the HTTP endpoints
of the printed forms (``/api/v1/dossiers/{code}/forms/{form}.pdf``, ``/api/v1/registers/…``)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from motcua.agencies.models import Agency, AgencyKind, RoleAssignment
from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.core.localtime import local as to_local
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier
from motcua.dossiers.printing import register_centre, render_register
from motcua.dossiers.printing import wording as vi
from motcua.dossiers.printing.register import XLSX_CONTENT_TYPE
from motcua.dossiers.services import intake, perform
from motcua.identity.models import User
from motcua.identity.tokens import create_token

from .conftest import World, local
from .test_printing import needs_pdf, text_of

pytestmark = pytest.mark.django_db

NOW = local("2026-03-20T08:00")
MARCH_10_12 = (date(2026, 3, 10), date(2026, 3, 12))


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are asserted in English (msgids); the forms are Vietnamese in any language."""
    with translation.override("en"):
        yield


def _receive(world: World, when: str, who: str = "receiver", name: str = "Nguyễn Văn An") -> Any:
    data = world.counter_data()
    data["applicant"]["name"] = name
    dossier, _ = intake("receive", world.actor(who), data, now=local(when))
    return dossier


def _act(world: World, d: Dossier, action: str, who: str, when: str, **data: Any) -> Dossier:
    return perform(d.code, action, world.actor(who), data, now=local(when))


@pytest.fixture
def desk(world: World) -> dict[str, Dossier]:
    """Dossiers of the centre over 9–13 March 2026, and one at another centre in the period."""
    other = Agency.objects.create(
        code="000.00.09.H99",
        name="Bộ phận Một cửa thử nghiệm",
        kind=AgencyKind.SERVICE_CENTRE,
        level="province",
        parent=world.centre.parent,
    )
    clerk = User.objects.create_user("clerk", password="x", full_name="Đỗ Văn Khoa")
    RoleAssignment.objects.create(official=clerk, agency=other, role="receiver")
    world.users["clerk"] = clerk
    before = _receive(world, "2026-03-09T16:00", name="Trước Kỳ")
    early = _receive(world, "2026-03-10T08:00", name="Trần Văn Sớm")
    _act(world, early, "forward", "receiver", "2026-03-10T09:00")
    _act(world, early, "forward", "specialist", "2026-03-10T15:00")
    _act(world, early, "approve", "leader", "2026-03-11T09:00")
    early = _act(
        world,
        early,
        "return_result",
        "receiver",
        "2026-03-12T08:00",
        method="counter",
        recipient="Trần Văn Sớm",
    )
    late = _receive(world, "2026-03-11T10:00", name="Lê Thị Muộn")
    _act(world, late, "forward", "receiver", "2026-03-11T11:00")
    _act(
        world,
        late,
        "apologise",
        "leader",
        "2026-03-16T08:00",
        reason="Chờ xác minh",
        new_appointment="2026-03-19T10:00:00+07:00",
    )
    _act(world, late, "forward", "specialist", "2026-03-18T09:00")
    late = _act(world, late, "approve", "leader", "2026-03-18T10:00")
    open_ = _receive(world, "2026-03-12T16:59", name="Phạm Văn Mở")
    elsewhere = _receive(world, "2026-03-11T09:00", who="clerk", name="Nơi Khác")
    after = _receive(world, "2026-03-13T07:45", name="Sau Kỳ")
    return {
        "before": before,
        "early": early,
        "late": late,
        "open": open_,
        "elsewhere": elsewhere,
        "after": after,
    }


def _naive(value: datetime | None) -> datetime | None:
    return to_local(value).replace(tzinfo=None) if value else None


def test_register_in_excel_has_one_line_per_dossier_of_the_desk_and_period(
    world: World, desk: dict[str, Dossier]
) -> None:
    xlsx = render_register(world.centre, *MARCH_10_12, "xlsx", now=NOW)
    sheet = load_workbook(BytesIO(xlsx)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "UBND tỉnh Thử Nghiệm" and rows[1][0] == "Trung tâm PVHCC tỉnh"
    assert rows[2][0] == "SỔ THEO DÕI HỒ SƠ"
    assert rows[3][0] == "Từ ngày 10/03/2026 đến ngày 12/03/2026"
    assert rows[5] == vi.REGISTER_COLUMNS
    lines = rows[6:]
    expected = [desk["early"], desk["late"], desk["open"]]
    assert [line[1] for line in lines] == [d.code for d in expected]
    assert [line[0] for line in lines] == [1, 2, 3]
    assert [line[3] for line in lines] == ["Trần Văn Sớm", "Lê Thị Muộn", "Phạm Văn Mở"]
    assert {line[2] for line in lines} == {"Thủ tục thử nghiệm"}
    assert {line[4] for line in lines} == {"Sở Tư pháp"} and {line[5] for line in lines} == {
        "Trực tiếp"
    }
    for line, dossier in zip(lines, expected, strict=True):
        assert line[6] == _naive(dossier.received_at)
        assert line[7] == _naive(dossier.due_at)
        assert line[8] == _naive(dossier.returned_at)
    assert lines[0][6] == datetime(2026, 3, 10, 8, 0)  # local wall-clock time, as printed
    # Early, late, and the open one (due Wed 18 March 16:59) overdue when printed on the 20th.
    assert [line[9] for line in lines] == ["Trước hạn", "Quá hạn", "Quá hạn (đang giải quyết)"]
    assert [line[10] for line in lines] == [
        None,
        "Có kết quả, chờ trả; Hẹn lại: 19/03/2026 10:00",
        "Đã tiếp nhận",
    ]
    assert sheet["G7"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet.freeze_panes == "C7"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$6:$6"


def test_an_empty_period_gives_an_empty_register(world: World) -> None:
    sheet = load_workbook(
        BytesIO(render_register(world.centre, date(2026, 1, 5), date(2026, 1, 5), "xlsx"))
    ).active
    assert sheet.max_row == 6 and sheet["A4"].value == "Từ ngày 05/01/2026 đến ngày 05/01/2026"


@needs_pdf
def test_register_as_pdf_lists_every_line(
    world: World, desk: dict[str, Dossier], tmp_path: Path
) -> None:
    text = text_of(render_register(world.centre, *MARCH_10_12, "pdf", now=NOW), tmp_path)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 10/03/2026 đến ngày 12/03/2026 — 3 hồ sơ" in text
    for key in ("early", "late", "open"):
        assert desk[key].code in text
    for key in ("before", "elsewhere", "after"):
        assert desk[key].code not in text
    assert text.index(desk["early"].code) < text.index(desk["late"].code)
    for word in ("Trước hạn", "Quá hạn", "Quá hạn (đang giải quyết)", "Lê Thị Muộn"):
        assert word in text


def test_who_may_print_a_register(world: World, desk: dict[str, Dossier]) -> None:
    assert register_centre(world.actor("receiver"), world.centre.code) == world.centre
    # The inspector of the province supervises every desk in it.
    assert register_centre(world.actor("inspector"), world.centre.code) == world.centre
    assert register_centre(world.actor("clerk"), "000.00.09.H99").code == "000.00.09.H99"
    for who, centre in [
        ("specialist", world.centre.code),
        ("clerk", world.centre.code),
        ("receiver", "000.00.09.H99"),
        ("leader", world.centre.code),
    ]:
        with pytest.raises(PermissionDenied):
            register_centre(world.actor(who), centre)
    with pytest.raises(PermissionDenied):
        register_centre(Actor.system(), world.centre.code)
    with pytest.raises(NotFound):
        register_centre(world.actor("receiver"), "000.00.77.H99")


@pytest.mark.parametrize(
    ("date_from", "date_to", "fmt", "fields"),
    [
        (date(2026, 3, 12), date(2026, 3, 10), "xlsx", ["to"]),
        (date(2025, 1, 1), date(2026, 1, 2), "pdf", ["to"]),
        (date(2026, 3, 10), date(2026, 3, 12), "csv", ["format"]),
        (date(2026, 3, 12), date(2026, 3, 10), "docx", ["format", "to"]),
    ],
)
def test_register_period_and_format_are_checked(
    world: World, date_from: date, date_to: date, fmt: str, fields: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        render_register(world.centre, date_from, date_to, fmt)
    assert [e.field for e in raised.value.errors] == fields


def test_a_register_too_large_for_one_file_is_refused(
    world: World, desk: dict[str, Dossier], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules["motcua.dossiers.printing.register"].MAX_ROWS, "xlsx", 2)
    with pytest.raises(ValidationFailed) as raised:
        render_register(world.centre, *MARCH_10_12, "xlsx")
    assert raised.value.errors[0].field == "to"
    assert "3 dossiers" in raised.value.errors[0].message


# HTTP ----------------------------------------------------------------------------------------


@pytest.fixture
def http(world: World) -> Any:
    def client_for(username: str | None, *, token: bool = False) -> Client:
        client = Client(headers={"Accept-Language": "en"})
        if username and token:
            _, secret = create_token(username, "printing tests")
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        elif username:
            client.force_login(world.users[username])
        return client

    return client_for


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@needs_pdf
@pytest.mark.parametrize("token", [False, True], ids=["session", "bearer"])
def test_form_endpoint_returns_the_pdf(world: World, http: Any, token: bool) -> None:
    d = _receive(world, "2026-03-10T10:00")
    response = http("receiver", token=token).get(f"/api/v1/dossiers/{d.code}/forms/01.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'inline; filename="mau-01-{d.code}.pdf"'
    assert response["Cache-Control"] == "private, no-store"


def test_form_endpoint_problems(world: World, http: Any) -> None:
    d = _receive(world, "2026-03-10T10:00")
    path = f"/api/v1/dossiers/{d.code}/forms"
    assert _problem(Client().get(f"{path}/01.pdf"), 401)["status"] == 401
    # Another agency's official cannot tell that the dossier exists.
    body = _problem(http("builder").get(f"{path}/01.pdf"), 404)
    assert d.code in body["detail"]
    body = _problem(http("receiver").get(f"{path}/04.pdf"), 409)
    assert body["detail"].startswith("Form 04 (apology) exists only after an apology")
    assert "forms 01 to 06" in _problem(http("receiver").get(f"{path}/09.pdf"), 404)["detail"]
    assert http("receiver").get(f"{path}/01.docx").status_code == 404


def test_without_pango_the_form_endpoint_answers_503(
    world: World, http: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _receive(world, "2026-03-10T10:00")
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    body = _problem(http("receiver").get(f"/api/v1/dossiers/{d.code}/forms/01.pdf"), 503)
    assert body["detail"] == (
        "PDF generation needs pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
    )
    assert body["type"].endswith("/pdf-unavailable")
    response = http("receiver").get(
        f"/api/v1/registers/{world.centre.code}",
        {"from": "2026-03-01", "to": "2026-03-31", "format": "xlsx"},
    )
    assert response.status_code == 200


def test_register_endpoint(world: World, desk: dict[str, Dossier], http: Any) -> None:
    path = f"/api/v1/registers/{world.centre.code}"
    period = {"from": "2026-03-10", "to": "2026-03-12"}
    response = http("inspector", token=True).get(path, {**period, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        f'attachment; filename="so-theo-doi-{world.centre.code}-2026-03-10-2026-03-12.xlsx"'
    )
    sheet = load_workbook(BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=7, values_only=True)] == [
        desk[k].code for k in ("early", "late", "open")
    ]
    assert _problem(Client().get(path, period), 401)
    assert "may print its register" in _problem(http("specialist").get(path, period), 403)["detail"]
    assert _problem(http("receiver").get("/api/v1/registers/000.00.77.H99", period), 404)
    fields = [
        e["field"]
        for e in _problem(
            http("receiver").get(path, {"from": "10/03/2026", "to": "2026-03-12", "format": "csv"}),
            422,
        )["errors"]
    ]
    assert sorted(fields) == ["format", "from"]
    errors = _problem(http("receiver").get(path, {"from": "2026-03-12", "to": "2026-03-10"}), 422)
    assert [e["field"] for e in errors["errors"]] == ["to"]
    assert [e["field"] for e in _problem(http("receiver").get(path, {}), 422)["errors"]] == [
        "from",
        "to",
    ]


def test_openapi_describes_the_binary_responses(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    form = schema["paths"]["/api/v1/dossiers/{code}/forms/{form}.pdf"]["get"]
    assert "application/pdf" in form["responses"]["200"]["content"]
    assert {"401", "403", "404", "409", "422", "503"} <= set(form["responses"])
    register = schema["paths"]["/api/v1/registers/{centre_code}"]["get"]
    assert set(register["responses"]["200"]["content"]) == {"application/pdf", XLSX_CONTENT_TYPE}
    assert {p["name"] for p in register["parameters"]} == {"centre_code", "from", "to", "format"}
