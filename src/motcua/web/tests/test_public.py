"""Public pages: portal home, catalogue search and detail, dossier lookup, statistics."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings

from motcua.catalog.models import DocumentRequirement, Fee, ProcedureVersion
from motcua.catalog.writing import refresh_search
from motcua.dossiers.services import intake, perform

from .conftest import World, english, html, local

pytestmark = pytest.mark.django_db
APPLICANT = {"name": "Nguyễn Văn An", "national_id": "082090001234", "phone": "0912345678"}


@pytest.fixture(autouse=True)
def searchable(world: World) -> None:
    # The world's procedures are written with the ORM; the catalogue services fold their
    # names for search on import — the same here.
    refresh_search(ProcedureVersion.objects.all())


@pytest.fixture
def dossier(world: World) -> Any:
    """Received, forwarded to the department: one step done, one open."""
    created, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(
            applicant={**APPLICANT, "email": "an@example.vn", "address": "12 Lê Lợi"},
            subject="Khai sinh cho con",
        ),
        now=local("2026-03-10T10:00"),
    )
    perform(created.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    return created


def test_portal_home_offers_search_lookup_and_procedures(world: World) -> None:
    page = html(english().get("/"))
    assert 'role="search"' in page and 'action="/thu-tuc/"' in page
    assert 'action="/tra-cuu/"' in page
    # No dossier yet: the popular list falls back to published procedures.
    assert "Thủ tục thử nghiệm" in page and "/thu-tuc/1.000001/" in page
    assert "Hộ tịch" in page  # browse by field


def test_popular_procedures_come_from_dossiers_received(world: World) -> None:
    with time_machine.travel(local("2026-03-12T09:00"), tick=False):
        for _ in range(2):
            intake(
                "receive",
                world.actor("receiver"),
                world.counter_data(procedure=world.land_version.procedure.code),
                now=local("2026-03-10T10:00"),
            )
        page = html(english().get("/"))
    popular = page.split("Frequently used procedures", 1)[1]
    assert popular.index("Đăng ký biến động đất đai") < popular.index("Thủ tục thử nghiệm")


@pytest.mark.parametrize("query", ["dang ky bien dong", "ĐĂNG KÝ BIẾN", "Dang Ky Bien Dong Dat"])
def test_search_is_accent_insensitive(world: World, query: str) -> None:
    response = english().get("/thu-tuc/", {"q": query})
    assert response.status_code == 200
    page = html(response)
    assert "Đăng ký biến động đất đai" in page and "1 procedure found" in page
    assert "Thủ tục thử nghiệm" not in page.split('id="results"', 1)[1]


def test_search_filters_by_field_and_level_and_pages(world: World) -> None:
    page = html(english().get("/thu-tuc/", {"field": "HT", "level": "province"}))
    assert "3 procedures found" in page
    assert html(english().get("/thu-tuc/", {"level": "commune"})).count('class="result"') == 0


def test_htmx_search_returns_only_the_results(world: World) -> None:
    response = english().get(
        "/thu-tuc/", {"q": "tinh lai"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page and "Thủ tục tính lại" in page
    assert "Thủ tục thử nghiệm" not in page


def test_bad_filters_are_explained_not_a_500(world: World) -> None:
    response = english().get("/thu-tuc/", {"field": "NOPE", "level": "galaxy", "page": "x"})
    assert response.status_code == 200
    page = html(response)
    assert "No field has code" in page and "level: One of" in page


def test_procedure_detail_shows_the_seven_parts_and_fees(world: World) -> None:
    version = world.version
    Fee.objects.create(version=version, position=1, name="Lệ phí", amount_vnd=1_500_000)
    DocumentRequirement.objects.create(
        version=version, position=1, name="Tờ khai", originals=1, copies=2, required=True
    )
    page = html(english().get("/thu-tuc/1.000001/"))
    for part in [
        "Thủ tục thử nghiệm",
        "Sequence of steps",
        "How to submit",
        "Documents to provide",
        "Time limit",
        "Who may apply",
        "Agencies",
        "Fees and charges",
    ]:
        assert part in page, part
    assert "1.500.000 đ" in page and "Free of charge" not in page
    assert "Tờ khai" in page and "4 working days" in page
    assert "Vietnamese citizen" in page and "By public post" in page


def test_free_procedure_says_free(world: World) -> None:
    Fee.objects.create(version=world.land_version, position=1, name="Lệ phí", amount_vnd=0)
    page = html(english().get("/thu-tuc/1.000003/"))
    assert "Free of charge" in page
    vi = html(Client().get("/thu-tuc/1.000003/"))
    assert "Miễn phí" in vi or "Free of charge" in vi  # Vietnamese once the catalogue has it


def test_unknown_procedure_is_404(world: World) -> None:
    assert english().get("/thu-tuc/9.999999/").status_code == 404


def test_lookup_form_leads_to_the_dossier(world: World, dossier: Any) -> None:
    response = english().get("/tra-cuu/", {"code": f"  {dossier.code} "})
    assert response.status_code == 302 and response["Location"] == f"/tra-cuu/{dossier.code}/"
    response = english().get("/tra-cuu/", {"code": "a/b"})
    assert response.status_code == 422
    assert "letters, digits, dots and dashes" in html(response)


def test_lookup_shows_progress_and_nothing_personal(world: World, dossier: Any) -> None:
    with time_machine.travel(local("2026-03-11T09:00"), tick=False):
        response = english().get(f"/tra-cuu/{dossier.code}/")
    assert response.status_code == 200
    page = html(response)
    assert dossier.code in page and "Thủ tục thử nghiệm" in page and "Sở Tư pháp" in page
    assert "N. V. A." in page
    for secret in [
        "Nguyễn Văn An",
        "Nguyễn",
        "082090001234",
        "0912345678",
        "an@example.vn",
        "12 Lê Lợi",
        "Khai sinh cho con",
        "Receiver",
    ]:
        assert secret not in page, secret
    assert "Tiếp nhận" in page and "Thẩm định" in page  # the steps
    assert "Early" in page or "On time" in page  # the finished reception step
    assert "Within the time limit" in page  # the open step


def test_lookup_of_an_overdue_dossier_says_overdue_in_words(world: World, dossier: Any) -> None:
    with time_machine.travel(local("2026-03-30T09:00"), tick=False):
        page = html(english().get(f"/tra-cuu/{dossier.code}/"))
    assert "Overdue" in page and "badge-bad" in page


def test_lookup_works_from_the_receipt_qr_code(world: World, dossier: Any) -> None:
    assert english().get(f"/tra-cuu/{dossier.code}").status_code == 200
    response = english().get(f"/tra-cuu/{dossier.code.lower()}/")
    assert response.status_code == 302 and response["Location"] == f"/tra-cuu/{dossier.code}/"


def test_unknown_dossier_is_404_with_the_form(world: World) -> None:
    response = english().get("/tra-cuu/000.00.01.H99-260101-9999/")
    assert response.status_code == 404
    assert "No dossier has the code 000.00.01.H99-260101-9999" in html(response)


@override_settings(MOTCUA_PUBLIC_RATE_LIMIT="3/minute")
def test_lookup_is_rate_limited_per_address_with_the_api(world: World, dossier: Any) -> None:
    client = english()
    with time_machine.travel(local("2026-03-11T09:00:05"), tick=False):
        assert client.get(f"/tra-cuu/{dossier.code}/").status_code == 200
        # The API's public lookup counts in the same allowance.
        assert client.get(f"/api/v1/public/dossiers/{dossier.code}").status_code == 200
        assert client.get("/tra-cuu/UNKNOWN-1/").status_code == 404
        response = client.get(f"/tra-cuu/{dossier.code}/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "Too many look-ups" in html(response)
        other = english(REMOTE_ADDR="10.1.1.1")
        assert other.get(f"/tra-cuu/{dossier.code}/").status_code == 200


def test_statistics_show_rates_per_agency(world: World, dossier: Any) -> None:
    perform(dossier.code, "approve", world.actor("leader"), {}, now=local("2026-03-11T10:00"))
    with time_machine.travel(local("2026-03-20T09:00"), tick=False):
        page = html(english().get("/thong-ke/"))
        month = html(english().get("/thong-ke/?ky=month"))
    assert "Sở Tư pháp" in page and "UBND tỉnh Thử Nghiệm" in page
    assert "100.00 %" in page  # resolved early: on-time rate 100 %
    assert "0.00 %" in page  # nothing received online
    assert "from 01/01/2026 to 20/03/2026" in page
    assert "from 01/03/2026 to 20/03/2026" in month


def test_statistics_without_dossiers_say_so(world: World) -> None:
    page = html(english().get("/thong-ke/?ky=nonsense"))
    assert "No dossier in this period yet." in page


def test_language_switch_changes_the_page_language(world: World) -> None:
    client = Client()
    assert '<html lang="vi">' in html(client.get("/thu-tuc/"))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/thu-tuc/"})
    assert response.status_code == 302 and response["Location"] == "/thu-tuc/"
    page = html(client.get("/thu-tuc/"))
    assert '<html lang="en">' in page and "Administrative procedures" in page
    assert 'value="en" lang="en" aria-describedby="lang-label" aria-pressed="true"' in page


def test_every_public_page_answers_on_a_slow_budget(world: World) -> None:
    # Small pages: the slow links of seed 000 load them in a few seconds.
    for path in ["/", "/thu-tuc/", "/tra-cuu/", "/thong-ke/", "/thu-tuc/1.000001/"]:
        response = english().get(path)
        assert response.status_code == 200
        assert len(response.content) < 30_000, path


def test_pages_are_vietnamese_whatever_the_browser_says(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in html(client.get("/thu-tuc/"))
    # The API still follows Accept-Language: integrators ask for English on purpose.
    response = client.get("/api/v1/procedures/9.999999")
    assert response["Content-Language"] == "en"
