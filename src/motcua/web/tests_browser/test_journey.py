"""One counter dossier's whole life, in the browser only: the receiver receives it and prints
the receipt, the specialist forwards it, the leader approves it, the receiver hands the result
over, the citizen follows it on a phone, and an official of another agency cannot open it."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.dossiers.models import Dossier
from motcua.web.desk import views_intake
from motcua.web.desk.tests.conftest import UNKNOWN_ID

from .conftest import PHONE

pytestmark = pytest.mark.browser

# A citizen of the bundled sample population data (integrations/data): the desk fills the
# name and address from the ID number.
NATIONAL_ID = "087090004211"
NAME = "Nguyễn Văn Hùng"
ADDRESS = "Số 25, đường Nguyễn Huệ, khóm 2, phường Cao Lãnh, tỉnh Đồng Tháp"
PHONE_NUMBER = "0912345678"


def receive_at_the_desk(page: Any) -> str:
    """Find the procedure without accents, tick the documents, fill the applicant, receive."""
    page.goto("/mot-cua/")
    page.get_by_label("Procedure: name or code").fill("thu tuc thu nghiem")
    page.get_by_role("link", name="Thủ tục thử nghiệm", exact=True).click()
    page.wait_for_url("**/mot-cua/tiep-nhan/1.000001/")
    page.get_by_label("Tờ khai theo mẫu").check()
    page.get_by_label("Giấy chứng sinh").check()
    # Leaving the ID field asks the population database; wait for the answer as a receiver
    # reads it, since it replaces the applicant's fields.
    page.get_by_label("National ID number", exact=True).fill(NATIONAL_ID)
    page.get_by_label("National ID number", exact=True).press("Tab")
    expect(page.get_by_label("Full name", exact=True)).to_have_value(NAME)
    expect(page.get_by_label("Address", exact=True)).to_have_value(ADDRESS)
    page.get_by_label("Phone", exact=True).fill(PHONE_NUMBER)
    page.get_by_label("Competent agency", exact=True).select_option(label="Sở Tư pháp")
    page.get_by_role("button", name="Receive the dossier").click()
    page.wait_for_url(re.compile(r"/mot-cua/ho-so/[^/]+/$"))
    code = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.get_by_role("heading", level=1).inner_text() == f"Dossier {code}"
    return code


def download_receipt(page: Any, code: str) -> None:
    """The first print link is the receipt (Mẫu 01); it opens inline, so fetch it with the
    page's own cookies, as the browser's PDF viewer would."""
    link = page.locator(".print-links a").first
    href = link.get_attribute("href")
    assert href == f"/mot-cua/ho-so/{code}/mau-01.pdf", href
    response = page.context.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.body()))
    assert code in "".join(p.extract_text() for p in pdf.pages)


def act_in_workspace(page: Any, code: str, action: str) -> None:
    """Open the dossier from the queue, choose the action, submit its form as offered."""
    page.goto("/ho-so/")
    page.get_by_role("link", name=code).first.click()
    page.wait_for_url(f"**/ho-so/{code}/")
    page.get_by_role("link", name=action, exact=True).click()
    panel = page.locator("#action-panel")
    panel.get_by_role("button", name=action, exact=True).click()
    page.locator("#dossier .message-success, #action-panel .message-success").first.wait_for()


def step_role(code: str) -> str:
    step = Dossier.objects.get(code=code).current_step
    assert step is not None
    return step.role


def test_a_counter_dossier_from_reception_to_lookup(
    desk: Any, official: Callable[[str], Any], new_page: Callable[..., Any]
) -> None:
    receiver = official("receiver")
    code = receive_at_the_desk(receiver)
    download_receipt(receiver, code)
    assert Dossier.objects.get(code=code).state == "received"
    # The receiver holds the reception step until it sends the dossier on, from the desk.
    with receiver.expect_navigation():
        receiver.get_by_role("button", name="Send to the competent agency").click()
    assert step_role(code) == "specialist"

    act_in_workspace(official("specialist"), code, "Forward")
    assert step_role(code) == "leader"

    act_in_workspace(official("leader"), code, "Approve")
    assert Dossier.objects.get(code=code).state == "result_ready"

    receiver.goto("/mot-cua/")
    receiver.get_by_role("link", name="Results to hand over").click()
    receiver.get_by_role("link", name=code).first.click()
    receiver.get_by_label("Handed to").fill(NAME)
    with receiver.expect_navigation():
        receiver.get_by_role("button", name="Record the hand-over").click()
    dossier = Dossier.objects.get(code=code)
    assert dossier.state == "returned"
    assert dossier.return_method == "counter"

    citizen = new_page(viewport=PHONE)
    citizen.goto("/tra-cuu/")
    citizen.locator("input[name=code]").fill(code.lower())
    citizen.locator("main form button[type=submit]").click()
    citizen.wait_for_url(f"**/tra-cuu/{code}/")
    text = citizen.locator("main").inner_text()
    assert code in text
    assert "N. V. H." in text
    for secret in (NAME, NATIONAL_ID, PHONE_NUMBER, "Nguyễn Huệ"):
        assert secret not in citizen.content()
    # Mobile first: nothing wider than the phone.
    assert citizen.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Officials of other agencies: a specialist of Sở Xây dựng in the workspace, the receiver
    # of a commune's centre at its desk. The same answer as for a code that does not exist.
    for username, path in (
        ("builder", f"/ho-so/{code}/"),
        ("commune_receiver", f"/mot-cua/ho-so/{code}/"),
    ):
        outsider = official(username)
        response = outsider.goto(path)
        assert response.status == 404, path
        assert outsider.get_by_role("heading", level=1).inner_text() == "Page not found"
        for secret in (NAME, "Thủ tục thử nghiệm", "Sở Tư pháp"):
            assert secret not in outsider.locator("main").inner_text(), path


def test_what_the_receiver_types_during_the_lookup_is_kept(
    desk: Any, official: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow population service (or a slow link): the answer comes a second later.
    look_up = views_intake.look_up

    def slow(national_id: str) -> Any:
        time.sleep(1)
        return look_up(national_id)

    monkeypatch.setattr(views_intake, "look_up", slow)
    page = official("receiver")
    page.goto(f"/mot-cua/tiep-nhan/{desk.code}/")
    page.get_by_label("National ID number", exact=True).fill(UNKNOWN_ID)
    page.get_by_label("National ID number", exact=True).press("Tab")
    page.get_by_label("Full name", exact=True).fill("Trần Thị Bích")
    page.locator("#applicant [role=status]").wait_for()  # nobody with that ID: type it in
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Trần Thị Bích", timeout=500)

    # A known ID: the answer fills what was left alone, not the phone typed while waiting.
    page.get_by_label("Full name", exact=True).fill("")
    page.get_by_label("National ID number", exact=True).fill(NATIONAL_ID)
    page.get_by_label("National ID number", exact=True).press("Tab")
    page.get_by_label("Phone", exact=True).fill(PHONE_NUMBER)
    expect(page.get_by_label("Full name", exact=True)).to_have_value(NAME)
    expect(page.get_by_label("Address", exact=True)).to_have_value(ADDRESS)
    expect(page.get_by_label("Phone", exact=True)).to_have_value(PHONE_NUMBER, timeout=500)
    expect(page.get_by_label("Phone", exact=True)).to_be_focused()
