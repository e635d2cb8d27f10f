"""The counter intake: search, checklist, prefill from the population data, then receive,
request completion or reject — one POST each — and the receipt or notice to print."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from django.test import Client
from django.utils.formats import date_format
from django.utils.timezone import localtime

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.states import State

from .conftest import (
    CITIZEN_ID,
    MY_THO_CITIZEN_ID,
    UNKNOWN_ID,
    Desk,
    english,
    html,
    intake_fields,
    only_dossier,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx(target: str) -> dict[str, str]:
    return {**HTMX, "HTTP_HX_TARGET": target}


def has_pango() -> bool:
    if importlib.util.find_spec("weasyprint") is None:
        return False
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return False
    return True


# Finding the procedure -------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["thu nghiem", "THỦ TỤC thử", "1.000001"])
def test_search_finds_the_procedure_with_level_time_limit_and_fees(
    desk: Desk, receiver: Client, query: str
) -> None:
    page = html(receiver.get("/mot-cua/", {"q": query}))
    assert '<a href="/mot-cua/tiep-nhan/1.000001/">Thủ tục thử nghiệm</a>' in page
    result = page[page.index("/mot-cua/tiep-nhan/1.000001/") :]
    result = result[: result.index("</li>")]
    assert "Province" in result
    assert "4 working days" in result
    assert "50.000 đ" in result  # the 0 đ fee is not listed as a fee to pay


def test_search_says_free_and_updates_in_place_with_htmx(desk: Desk, receiver: Client) -> None:
    page = html(receiver.get("/mot-cua/", {"q": "cap xa"}, **htmx("procedure-results")))
    assert "<html" not in page and "<h1" not in page
    assert "/mot-cua/tiep-nhan/1.000009/" in page and "Free of charge" in page
    assert "1 procedure found" in page
    nothing = html(receiver.get("/mot-cua/", {"q": "khong co thu tuc nay"}))
    assert "No procedure matches" in nothing


def test_the_chosen_procedure_shows_its_checklist_and_fees(desk: Desk, receiver: Client) -> None:
    page = html(receiver.get(f"/mot-cua/tiep-nhan/{desk.code}/"))
    for number, name in enumerate(["Tờ khai theo mẫu", "Giấy chứng sinh"], start=1):
        assert f'<input type="checkbox" name="doc" value="{number}" id="doc-{number}">' in page
        assert f'<label for="doc-{number}">{name}</label>' in page
    row = page[page.index('for="doc-3"') :]
    assert "If applicable" in row[: row.index("</tr>")]
    assert "Lệ phí: <strong>50.000 đ</strong>" in page
    assert "4 working days" in page
    # The receiver sits at one desk: it is shown, not asked.
    assert "Quầy 1 — Trung tâm PVHCC tỉnh" in page
    # Several agencies resolve a province procedure: the receiver chooses.
    assert '<option value="" selected>' in page


def test_missing_documents_preview_follows_the_ticks(desk: Desk, receiver: Client) -> None:
    url = f"/mot-cua/tiep-nhan/{desk.code}/"
    part = html(receiver.get(url, {"doc": ["1"]}, **htmx("missing-preview")))
    assert part.strip().startswith('<div id="missing-preview"')
    assert "Giấy chứng sinh" in part and "Tờ khai theo mẫu" not in part
    done = html(receiver.get(url, {"doc": ["1", "2"]}, **htmx("missing-preview")))
    assert "Every required document is ticked." in done


def test_only_published_procedures_are_received(desk: Desk, receiver: Client) -> None:
    assert receiver.get("/mot-cua/tiep-nhan/khong-co/").status_code == 404


# The applicant from the national ID ------------------------------------------------------------


def prefill(client: Client, code: str, target: bool = True, **fields: Any) -> Any:
    data = {"intent": "prefill", **fields}
    extra = htmx("applicant") if target else {}
    return client.post(f"/mot-cua/tiep-nhan/{code}/", data, **extra)


def test_prefill_fills_the_applicant_without_reloading(desk: Desk, receiver: Client) -> None:
    response = prefill(receiver, desk.code, national_id=CITIZEN_ID, phone="")
    page = html(response)
    assert response.status_code == 200
    assert page.strip().startswith('<fieldset id="applicant"') and "<html" not in page
    assert 'value="Nguyễn Văn Hùng"' in page
    assert 'value="Số 25, đường Nguyễn Huệ, khóm 2, phường Cao Lãnh, tỉnh Đồng Tháp"' in page
    assert 'value="0901000101"' in page
    assert "Filled from the population database." in page
    assert "born 12/04/1990" in page
    assert Dossier.objects.count() == 0  # a lookup writes nothing


def test_prefill_of_an_unknown_id_keeps_what_was_typed(desk: Desk, receiver: Client) -> None:
    page = html(prefill(receiver, desk.code, national_id=UNKNOWN_ID, applicant_name="Trần Bình"))
    assert "No one with this ID number in the population database" in page
    assert 'value="Trần Bình"' in page and f'value="{UNKNOWN_ID}"' in page


def test_prefill_of_a_malformed_id_says_so_next_to_the_field(desk: Desk, receiver: Client) -> None:
    page = html(prefill(receiver, desk.code, national_id="12345"))
    block = page[page.index('<label for="id_national_id">') :]
    block = block[: block.index("</div>")]
    assert "A national ID number has exactly 12 digits." in block
    assert 'aria-invalid="true"' in block
    assert "Filled from" not in page


def test_prefill_without_script_returns_the_whole_form(desk: Desk, receiver: Client) -> None:
    response = prefill(
        receiver, desk.code, target=False, national_id=CITIZEN_ID, doc=["2"], subject="Khai sinh"
    )
    page = html(response)
    assert response.status_code == 200 and "<html" in page
    assert 'value="Nguyễn Văn Hùng"' in page
    assert 'id="doc-2" checked' in page and 'id="doc-1" checked' not in page
    assert 'value="Khai sinh"' in page


def test_prefill_selects_the_commune_of_residence(desk: Desk, receiver: Client) -> None:
    code = desk.commune_version.procedure.code
    page = html(prefill(receiver, code, national_id=MY_THO_CITIZEN_ID))
    # The agency select lives outside the applicant block: swapped out of band.
    oob = page[page.index('<select name="agency"') :]
    oob = oob[: oob.index("</select>")]
    assert 'hx-swap-oob="true"' in oob
    assert f'<option value="{desk.my_tho.code}" selected>' in oob
    # A choice the receiver made is kept.
    kept = html(prefill(receiver, code, national_id=MY_THO_CITIZEN_ID, agency=desk.an_hoa.code))
    assert "hx-swap-oob" not in kept


def test_a_commune_centre_preselects_its_own_commune(desk: Desk, as_official: Any) -> None:
    client = as_official("commune_receiver")
    page = html(client.get(f"/mot-cua/tiep-nhan/{desk.commune_version.procedure.code}/"))
    assert f'<option value="{desk.my_tho.code}" selected>' in page
    assert f'<option value="{desk.an_hoa.code}">' in page


# Receive, request completion, reject -----------------------------------------------------------


def test_full_desk_flow_receives_and_prints_the_receipt(desk: Desk, receiver: Client) -> None:
    data = intake_fields(receiver, desk.code, doc=["1", "2"], note="Bản chính đã đối chiếu")
    response = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "receive"})
    dossier = only_dossier()
    assert response.status_code == 302
    assert response["Location"] == f"/mot-cua/ho-so/{dossier.code}/"
    assert dossier.state == State.RECEIVED
    assert dossier.code.startswith("000.00.02.H99-")
    assert dossier.reception_point is not None and dossier.reception_point.code == "Q1"
    assert dossier.applicant_national_id == "082090001234"
    # The checklist is in the reception's note: what was handed over, what optional part not.
    event = DossierEvent.objects.get(dossier=dossier, action="receive")
    assert "Thành phần hồ sơ đã nhận: (1) Tờ khai theo mẫu; (2) Giấy chứng sinh." in event.note
    assert "(3) Giấy tờ chứng minh nơi cư trú" in event.note
    assert "Bản chính đã đối chiếu" in event.note

    page = html(receiver.get(response["Location"]))
    due = date_format(localtime(dossier.due_at), "H:i d/m/Y")
    assert f"Dossier {dossier.code} received. Appointment for the result: {due}." in page
    assert "Appointment for the result</dt><dd>" + due in page
    link = f"/mot-cua/ho-so/{dossier.code}/mau-01.pdf"
    assert f'href="{link}"' in page and "Receipt and appointment (form 01)" in page
    if has_pango():
        pdf = receiver.get(link)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and pdf["Cache-Control"] == "private, no-store"


def test_receiving_needs_every_required_document(desk: Desk, receiver: Client) -> None:
    data = intake_fields(receiver, desk.code, doc=["1", "3"])
    response = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "receive"})
    page = html(response)
    assert response.status_code == 422
    assert "Not ticked: Giấy chứng sinh." in page
    assert 'id="doc-1" checked' in page and 'id="doc-3" checked' in page
    assert Dossier.objects.count() == 0


def test_engine_errors_are_shown_next_to_their_fields(desk: Desk, receiver: Client) -> None:
    data = intake_fields(
        receiver, desk.code, national_id="123", applicant_name="", phone="12", agency=""
    )
    response = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "receive"})
    page = html(response)
    assert response.status_code == 422
    assert Dossier.objects.count() == 0

    def block(field_id: str) -> str:
        start = page.index(f'<label for="{field_id}">')
        return page[start : page.index("</div>", start)]

    assert "A national ID number has exactly 12 digits." in block("id_national_id")
    assert "This field is required." in block("id_applicant_name")
    assert "A Vietnamese phone number" in block("id_phone")
    assert "Choose the competent agency" in block("id_agency")
    assert 'id="form-errors"' in page  # the top of the form says there is something to fix


def test_a_double_submit_creates_one_dossier(desk: Desk, receiver: Client) -> None:
    data = {**intake_fields(receiver, desk.code), "intent": "receive"}
    first = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", data)
    second = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", data)
    assert first["Location"] == second["Location"]
    assert Dossier.objects.count() == 1


def test_completion_request_lists_every_missing_item(desk: Desk, receiver: Client) -> None:
    data = intake_fields(receiver, desk.code, doc=["1"], missing="Bản sao sổ hộ khẩu\n\n")
    response = receiver.post(
        f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "request_completion"}
    )
    dossier = only_dossier()
    assert response["Location"] == f"/mot-cua/ho-so/{dossier.code}/"
    assert dossier.state == State.SUBMITTED and dossier.completion_requests == 1
    event = DossierEvent.objects.get(dossier=dossier, action="request_completion")
    assert event.payload["items"] == ["Giấy chứng sinh", "Bản sao sổ hộ khẩu"]
    page = html(receiver.get(response["Location"]))
    assert f'href="/mot-cua/ho-so/{dossier.code}/mau-02.pdf"' in page
    assert "print the notice (form 02)" in page
    assert "<li>Giấy chứng sinh</li>" in page and "<li>Bản sao sổ hộ khẩu</li>" in page
    assert f'href="/mot-cua/ho-so/{dossier.code}/mau-01.pdf"' not in page  # not received


def test_completion_request_with_nothing_missing_is_refused(desk: Desk, receiver: Client) -> None:
    data = intake_fields(receiver, desk.code, doc=["1", "2"])
    response = receiver.post(
        f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "request_completion"}
    )
    assert response.status_code == 422
    assert "Nothing is missing" in html(response)
    assert Dossier.objects.count() == 0


def test_rejection_at_reception_needs_a_reason_and_prints_form_03(
    desk: Desk, receiver: Client
) -> None:
    data = intake_fields(receiver, desk.code, doc=[])
    url = f"/mot-cua/tiep-nhan/{desk.code}/"
    refused = receiver.post(url, {**data, "intent": "reject_at_reception", "reason": ""})
    page = html(refused)
    assert refused.status_code == 422 and Dossier.objects.count() == 0
    reason = page[page.index('<label for="id_reason">') :]
    assert "This field is required." in reason[: reason.index("</div>")]
    assert '<details class="decision" open>' in page  # the panel stays open
    reason_text = "Thủ tục không thuộc thẩm quyền tiếp nhận"
    response = receiver.post(url, {**data, "intent": "reject_at_reception", "reason": reason_text})
    dossier = only_dossier()
    assert dossier.state == State.REJECTED_AT_RECEPTION
    page = html(receiver.get(response["Location"]))
    assert f'href="/mot-cua/ho-so/{dossier.code}/mau-03.pdf"' in page
    assert reason_text in page


def test_a_decision_must_be_chosen(desk: Desk, receiver: Client) -> None:
    data = intake_fields(receiver, desk.code)
    response = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "approve"})
    assert response.status_code == 422
    assert "Choose what to do with the dossier" in html(response)
    assert Dossier.objects.count() == 0


def test_a_catalogue_change_since_the_page_opened_is_caught(desk: Desk, receiver: Client) -> None:
    data = intake_fields(receiver, desk.code, version="99")
    response = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "receive"})
    assert response.status_code == 409
    page = html(response)
    assert "The procedure was updated since this page was opened" in page
    assert 'name="version" value="1"' in page
    assert Dossier.objects.count() == 0


# Access -------------------------------------------------------------------------------------


def test_posts_need_the_csrf_token(desk: Desk) -> None:
    client = english(enforce_csrf_checks=True)
    log_in_with_token(client, desk)
    data = {"intent": "receive", "doc": ["1", "2"], "applicant_name": "A"}
    response = client.post(f"/mot-cua/tiep-nhan/{desk.code}/", data)
    assert response.status_code == 403
    assert "The form has expired" in html(response)
    assert client.post(f"/mot-cua/tiep-nhan/{desk.code}/", {"intent": "prefill"}).status_code == 403
    assert Dossier.objects.count() == 0


def log_in_with_token(client: Client, desk: Desk) -> None:
    """The two-factor login of a client that enforces CSRF: the token from the form."""
    from motcua.identity.selectors import current_code
    from motcua.identity.services import ensure_totp

    ensure_totp(desk.world.users["receiver"])
    page = html(client.get("/dang-nhap/"))
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/dang-nhap/", {"username": "receiver", "password": "x", "csrfmiddlewaretoken": token}
    )
    page = html(client.get("/dang-nhap/ma-xac-thuc/"))
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/dang-nhap/ma-xac-thuc/",
        {"code": current_code("receiver"), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_only_receivers_use_the_desk(desk: Desk, as_official: Any) -> None:
    specialist = as_official("specialist")
    response = specialist.get("/mot-cua/")
    assert response.status_code == 403
    assert "The reception desk is for receivers" in html(response)
    assert specialist.get(f"/mot-cua/tiep-nhan/{desk.code}/").status_code == 403


def test_visitors_are_sent_to_the_login(desk: Desk) -> None:
    response = english().get("/mot-cua/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_the_receivers_home_links_to_the_desk(desk: Desk, receiver: Client) -> None:
    assert 'href="/mot-cua/"' in html(receiver.get("/"))
