"""Whole flows at the desk as a receiver lives them: receive then send the dossier on, print
what the applicant takes home (and read what it says), hand results over each way the procedure
allows, a commune's own desk, the desk in Vietnamese, stale pages, CSRF, and pages the
Content-Security-Policy lets run on a phone."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from motcua.catalog.models import ProcedureVersion, ResultKind
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.services import perform
from motcua.dossiers.states import State
from motcua.web.tests.test_security import _inline_problems

from .conftest import (
    Desk,
    counts,
    english,
    hidden,
    html,
    intake_fields,
    log_in,
    only_dossier,
    received,
)
from .test_dossier import act, at_specialist, decided, page_of, submitted_online
from .test_intake import has_pango, log_in_with_token

pytestmark = pytest.mark.django_db


def pdf_text(response: Any) -> str:
    """The text of a PDF the desk served (after checking it is one)."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


needs_pango = pytest.mark.skipif(not has_pango(), reason="WeasyPrint's Pango is not installed")


# Receive, then send for processing ------------------------------------------------------------


def test_a_received_dossier_is_sent_on_from_the_desk(desk: Desk, receiver: Client) -> None:
    data = intake_fields(receiver, desk.code)
    response = receiver.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "receive"})
    dossier = only_dossier()
    page = html(receiver.get(response["Location"]))
    # Straight after the receipt, the next thing to do: send it to the agency.
    assert page.index("mau-01.pdf") < page.index("Send to the competent agency")
    assert "Reception step due by" in page
    assert counts(receiver)["to_forward"] == 1
    listing = html(receiver.get("/mot-cua/chuyen-xu-ly/"))
    assert f'<a href="/mot-cua/ho-so/{dossier.code}/">{dossier.code}</a>' in listing
    assert "Send by" in listing

    sent = act(receiver, dossier, "forward", "forward", note="Bản chính đã đối chiếu")
    assert sent.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROGRESS
    step = dossier.current_step
    assert step is not None and step.role == "specialist" and step.agency == desk.world.justice
    event = DossierEvent.objects.get(dossier=dossier, action="forward")
    assert event.note == "Bản chính đã đối chiếu" and event.payload["to_step"] == "XL"
    page = html(receiver.get(sent["Location"]))
    assert f"Dossier {dossier.code} sent to Sở Tư pháp: Thẩm định." in page
    assert "Send to the competent agency" not in page
    assert counts(receiver)["to_forward"] == 0
    assert dossier.code not in html(receiver.get("/mot-cua/chuyen-xu-ly/"))


def test_forward_is_offered_only_at_the_reception_step(desk: Desk, receiver: Client) -> None:
    dossier = Dossier.objects.get(pk=at_specialist(desk).pk)
    page = page_of(receiver, dossier)
    assert "Send to the competent agency" not in page
    # Posting it anyway: the engine refuses, the page explains, nothing moves.
    response = receiver.post(
        f"/mot-cua/ho-so/{dossier.code}/",
        {"action": "forward", "forward-expected_version": str(dossier.version)},
    )
    assert response.status_code == 403
    assert "do not allow" in html(response)
    step = Dossier.objects.get(pk=dossier.pk).current_step
    assert step is not None and step.code == "XL"


def test_the_home_says_what_to_do_next_with_links(desk: Desk, receiver: Client) -> None:
    page = html(receiver.get("/mot-cua/"))
    assert "Nothing is waiting: receive the next applicant below." in page
    submitted_online(desk)
    received(desk)
    decided(desk)
    page = html(receiver.get("/mot-cua/"))
    assert "Nothing is waiting" not in page
    figures = counts(receiver)
    assert figures == {
        "to_check": 1,
        "to_forward": 1,
        "to_supplement": 0,
        "to_return": 1,
        "received_today": 2,
    }
    for slug in ("cho-tiep-nhan", "chuyen-xu-ly", "cho-bo-sung", "tra-ket-qua"):
        assert f'href="/mot-cua/{slug}/"' in page
        assert receiver.get(f"/mot-cua/{slug}/").status_code == 200
    # A queue with work stands out (and not by colour alone: its count is the first word).
    assert '<li class="has-work">\n      <a href="/mot-cua/cho-tiep-nhan/">' in page


# What the applicant takes home ----------------------------------------------------------------


@needs_pango
def test_the_receipt_and_notices_say_what_was_decided(desk: Desk, receiver: Client) -> None:
    url = f"/mot-cua/tiep-nhan/{desk.code}/"
    data = intake_fields(receiver, desk.code, applicant_name="Trần Thị Bình")
    response = receiver.post(url, {**data, "intent": "receive"})
    dossier = Dossier.objects.get()
    receipt = pdf_text(receiver.get(f"/mot-cua/ho-so/{dossier.code}/mau-01.pdf"))
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in receipt
    assert dossier.code in receipt and "Trần Thị Bình" in receipt
    assert "Tờ khai theo mẫu" in receipt and "Giấy chứng sinh" in receipt
    assert response.status_code == 302

    data = intake_fields(receiver, desk.code, doc=["1"], missing="Ảnh 4x6")
    response = receiver.post(url, {**data, "intent": "request_completion"})
    code = response["Location"].split("/")[-2]
    notice = pdf_text(receiver.get(f"/mot-cua/ho-so/{code}/mau-02.pdf"))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in notice
    assert "Giấy chứng sinh" in notice and "Ảnh 4x6" in notice

    data = intake_fields(receiver, desk.code, doc=[])
    reason = "Thủ tục không thuộc thẩm quyền tiếp nhận"
    response = receiver.post(url, {**data, "intent": "reject_at_reception", "reason": reason})
    code = response["Location"].split("/")[-2]
    refusal = pdf_text(receiver.get(f"/mot-cua/ho-so/{code}/mau-03.pdf"))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN" in refusal and reason in refusal


# Handing results over -------------------------------------------------------------------------


def test_an_electronic_result_is_handed_over_online(desk: Desk, receiver: Client) -> None:
    dossier = decided(desk)
    response = act(receiver, dossier, "return_result", "return", method="online", recipient="")
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and dossier.return_method == "online"
    page = html(receiver.get(response["Location"]))
    assert f"Result of dossier {dossier.code} handed over." in page
    assert "Online" in page[page.index("Result handed over") :]
    assert counts(receiver)["to_return"] == 0


def test_a_method_the_procedure_does_not_offer_is_refused(desk: Desk, receiver: Client) -> None:
    ProcedureVersion.objects.filter(pk=desk.version.pk).update(
        postal=False, result_kind=ResultKind.PAPER
    )
    dossier = decided(desk)
    page = page_of(receiver, dossier)
    assert 'value="post"' not in page and 'value="online"' not in page
    response = act(receiver, dossier, "return_result", "return", method="post", recipient="A")
    assert response.status_code == 422
    block = html(response)
    block = block[block.index("<legend>Handed over</legend>") :]
    assert "Select a valid choice." in block[: block.index("</fieldset>")]
    assert Dossier.objects.get(pk=dossier.pk).state == State.RESULT_READY


# A commune's own desk -------------------------------------------------------------------------


def test_a_commune_receiver_does_the_whole_job(desk: Desk, as_official: Any) -> None:
    client = as_official("commune_receiver")
    code = desk.commune_version.procedure.code
    found = html(client.get("/mot-cua/", {"q": "dang ky khai sinh cap xa"}))
    assert f'href="/mot-cua/tiep-nhan/{code}/"' in found
    page = html(client.get(f"/mot-cua/tiep-nhan/{code}/"))
    data = {
        "token": hidden(page, "token"),
        "version": hidden(page, "version"),
        "desk": hidden(page, "desk"),
        "agency": desk.my_tho.code,  # pre-selected: the commune whose centre this is
        "applicant_kind": "citizen",
        "national_id": "082078001526",
        "applicant_name": "Lê Văn Tài",
        "doc": ["1"],
        "intent": "receive",
    }
    response = client.post(f"/mot-cua/tiep-nhan/{code}/", data)
    dossier = only_dossier()
    assert response.status_code == 302 and dossier.code.startswith(desk.my_tho.code)
    assert dossier.receiving_centre == desk.commune_centre
    assert counts(client)["to_forward"] == 1
    assert act(client, dossier, "forward", "forward").status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step is not None and dossier.current_step.agency == desk.my_tho
    # The province centre's receiver does not see the commune's dossier at all.
    province = as_official("receiver")
    assert province.get(f"/mot-cua/ho-so/{dossier.code}/").status_code == 404
    assert province.get(f"/mot-cua/ho-so/{dossier.code}/mau-01.pdf").status_code == 404
    assert counts(province)["received_today"] == 0


# In Vietnamese, stale pages, CSRF, the policy ---------------------------------------------------


@pytest.fixture
def receiver_vi(desk: Desk) -> Client:
    """A receiver who never touched the language switch: the desk speaks Vietnamese."""
    client = Client()
    log_in(client, desk.world.users["receiver"])
    return client


def test_the_desk_speaks_vietnamese_by_default(desk: Desk, receiver_vi: Client) -> None:
    home = html(receiver_vi.get("/mot-cua/"))
    assert "Quầy tiếp nhận" in home and "Reception desk" not in home
    data = intake_fields(receiver_vi, desk.code, doc=["1"], applicant_name="")
    response = receiver_vi.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "receive"})
    page = html(response)
    assert response.status_code == 422
    assert "Chưa đánh dấu: Giấy chứng sinh." in page
    assert "Not ticked" not in page
    data = intake_fields(receiver_vi, desk.code, applicant_name="")
    response = receiver_vi.post(f"/mot-cua/tiep-nhan/{desk.code}/", {**data, "intent": "receive"})
    block = html(response)
    block = block[block.index('<label for="id_applicant_name">') :]
    assert "Trường này là bắt buộc." in block[: block.index("</div>")]
    assert Dossier.objects.count() == 0


def test_a_stale_page_in_vietnamese_gets_409(desk: Desk, receiver_vi: Client) -> None:
    dossier = submitted_online(desk)
    page = page_of(receiver_vi, dossier)
    stale = hidden(page, "check-expected_version")
    perform(dossier.code, "request_completion", desk.world.actor("receiver"), {"items": ["Ảnh"]})
    response = receiver_vi.post(
        f"/mot-cua/ho-so/{dossier.code}/",
        {"action": "receive", "check-expected_version": stale, "check-doc": ["1", "2"]},
    )
    assert response.status_code == 409
    assert "Hồ sơ đã thay đổi từ khi bạn mở" in html(response)
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUBMITTED


def test_actions_on_a_dossier_need_the_csrf_token(desk: Desk) -> None:
    dossier = received(desk)
    client = english(enforce_csrf_checks=True)
    log_in_with_token(client, desk)
    for action, prefix in (("forward", "forward"), ("withdraw", "withdraw")):
        response = client.post(
            f"/mot-cua/ho-so/{dossier.code}/",
            {
                "action": action,
                f"{prefix}-expected_version": str(dossier.version),
                f"{prefix}-reason": "x",
            },
        )
        assert response.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).state == State.RECEIVED
    # With the token of the page, the same post goes through.
    page = page_of(client, dossier)
    token = hidden(page, "csrfmiddlewaretoken")
    response = client.post(
        f"/mot-cua/ho-so/{dossier.code}/",
        {
            "action": "forward",
            "forward-expected_version": hidden(page, "forward-expected_version"),
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302


def test_desk_pages_run_nothing_inline_and_fit_a_phone(desk: Desk, receiver: Client) -> None:
    online = submitted_online(desk)
    at_reception = received(desk)
    result = decided(desk)
    paths = [
        "/mot-cua/",
        "/mot-cua/?q=thu+nghiem",
        f"/mot-cua/tiep-nhan/{desk.code}/",
        "/mot-cua/cho-tiep-nhan/",
        "/mot-cua/chuyen-xu-ly/",
        "/mot-cua/cho-bo-sung/",
        "/mot-cua/tra-ket-qua/",
        *(f"/mot-cua/ho-so/{d.code}/" for d in (online, at_reception, result)),
    ]
    for path in paths:
        response = receiver.get(path)
        assert response.status_code == 200, path
        page = html(response)
        assert _inline_problems(page) == [], path
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
        assert 'href="/static/web/desk.css"' in page, path
        assert "hx-on" not in page
    assert receiver.get("/static/web/desk.css").status_code == 200
