"""A dossier at the desk: online submissions checked then received, supplements taken in,
results handed over, withdrawals — each a POST with the page's version — and the queues, the
search by code, scoping between centres and stale pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.services import intake, perform
from motcua.dossiers.states import State

from .conftest import Desk, counts, hidden, html, received

pytestmark = pytest.mark.django_db


def submitted_online(desk: Desk, **extra: Any) -> Dossier:
    dossier, _ = intake(
        "submit", desk.world.actor("receiver"), desk.world.counter_data(channel="online", **extra)
    )
    return dossier


def at_specialist(desk: Desk) -> Dossier:
    dossier = received(desk)
    perform(dossier.code, "forward", desk.world.actor("receiver"), {})
    return dossier


def awaiting_supplement(desk: Desk) -> Dossier:
    dossier = at_specialist(desk)
    items = {"items": ["Bản sao giấy đăng ký kết hôn", "Tờ khai ký lại"], "reason": "Thiếu"}
    perform(dossier.code, "request_supplement", desk.world.actor("specialist"), items)
    return Dossier.objects.get(pk=dossier.pk)


def decided(desk: Desk, action: str = "approve", **data: Any) -> Dossier:
    dossier = at_specialist(desk)
    perform(dossier.code, "forward", desk.world.actor("specialist"), {})
    perform(dossier.code, action, desk.world.actor("leader"), data)
    return Dossier.objects.get(pk=dossier.pk)


def page_of(client: Client, dossier: Dossier) -> str:
    response = client.get(f"/mot-cua/ho-so/{dossier.code}/")
    assert response.status_code == 200
    return html(response)


def act(client: Client, dossier: Dossier, action: str, prefix: str, **fields: Any) -> Any:
    """Post one of the page's forms as the browser would: its version from the page."""
    page = page_of(client, dossier)
    data = {f"{prefix}-{k}": v for k, v in fields.items()}
    data[f"{prefix}-expected_version"] = hidden(page, f"{prefix}-expected_version")
    return client.post(f"/mot-cua/ho-so/{dossier.code}/", {"action": action, **data})


def test_online_submission_is_listed_checked_then_received(desk: Desk, receiver: Client) -> None:
    dossier = submitted_online(desk)
    assert counts(receiver)["to_check"] == 1
    listing = html(receiver.get("/mot-cua/cho-tiep-nhan/"))
    assert f'<a href="/mot-cua/ho-so/{dossier.code}/">{dossier.code}</a>' in listing
    assert "Online" in listing

    page = page_of(receiver, dossier)
    assert "Check and receive" in page
    assert 'name="check-doc" value="1" id="check-doc-1"' in page
    incomplete = act(receiver, dossier, "receive", "check", doc=["1"])
    assert incomplete.status_code == 422
    assert "Not ticked: Giấy chứng sinh." in html(incomplete)
    response = act(receiver, dossier, "receive", "check", doc=["1", "2"], note="Đã kiểm tra")
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED and dossier.due_at is not None
    note = DossierEvent.objects.get(dossier=dossier, action="receive").note
    assert note.startswith("Thành phần hồ sơ đã nhận: (1) Tờ khai theo mẫu; (2) Giấy chứng sinh.")
    page = html(receiver.get(response["Location"]))
    assert f"Dossier {dossier.code} received." in page and "mau-01.pdf" in page
    assert "Check and receive" not in page
    assert counts(receiver)["to_check"] == 0


def test_online_submission_can_be_sent_back_for_completion(desk: Desk, receiver: Client) -> None:
    dossier = submitted_online(desk)
    response = act(receiver, dossier, "request_completion", "check", doc=["2"], missing="")
    assert response.status_code == 302
    event = DossierEvent.objects.get(dossier=dossier, action="request_completion")
    assert event.payload["items"] == ["Tờ khai theo mẫu"]
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED and dossier.completion_requests == 1
    listing = html(receiver.get("/mot-cua/cho-tiep-nhan/"))
    assert "completion requested" in listing


def test_online_submission_can_be_rejected(desk: Desk, receiver: Client) -> None:
    dossier = submitted_online(desk)
    response = act(
        receiver, dossier, "reject_at_reception", "check", reason="Không thuộc thẩm quyền"
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.REJECTED_AT_RECEPTION
    assert "mau-03.pdf" in page_of(receiver, dossier)


def test_supplement_is_taken_in_with_the_items_received(desk: Desk, receiver: Client) -> None:
    dossier = awaiting_supplement(desk)
    assert counts(receiver)["to_supplement"] == 1
    assert dossier.code in html(receiver.get("/mot-cua/cho-bo-sung/"))
    page = page_of(receiver, dossier)
    assert "Take in the supplement" in page
    assert "Bản sao giấy đăng ký kết hôn" in page and "mau-02.pdf" in page
    nothing = act(receiver, dossier, "supplement", "supplement")
    assert nothing.status_code == 422
    assert "Tick the items handed over, or list them." in html(nothing)
    response = act(receiver, dossier, "supplement", "supplement", received=["1"], other="Ảnh 4x6")
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROGRESS
    event = DossierEvent.objects.get(dossier=dossier, action="supplement")
    assert event.payload["items"] == ["Bản sao giấy đăng ký kết hôn", "Ảnh 4x6"]
    assert "Supplement taken in" in html(receiver.get(response["Location"]))


def test_result_is_handed_over_to_a_named_person(desk: Desk, receiver: Client) -> None:
    dossier = decided(desk)
    assert counts(receiver)["to_return"] == 1
    assert dossier.code in html(receiver.get("/mot-cua/tra-ket-qua/"))
    page = page_of(receiver, dossier)
    assert "Hand over the result" in page
    # The procedure returns by post and online too (postal, paper and electronic result).
    assert 'value="post"' in page and 'value="online"' in page
    unnamed = act(receiver, dossier, "return_result", "return", method="counter", recipient="")
    assert unnamed.status_code == 422
    block = html(unnamed)
    block = block[block.index('<label for="id_return-recipient">') :]
    assert "This field is required." in block[: block.index("</div>")]
    response = act(
        receiver, dossier, "return_result", "return", method="counter", recipient="Nguyễn Văn An"
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and dossier.return_method == "counter"
    event = DossierEvent.objects.get(dossier=dossier, action="return_result")
    assert event.payload["recipient"] == "Nguyễn Văn An"
    assert f'href="/mot-cua/ho-so/{dossier.code}/"' not in html(
        receiver.get("/mot-cua/tra-ket-qua/")
    )


def test_a_refusal_is_handed_over_once(desk: Desk, receiver: Client) -> None:
    dossier = decided(desk, "refuse", reason="Không đủ điều kiện")
    page = page_of(receiver, dossier)
    assert "Hand over the refusal" in page and "mau-03.pdf" in page
    response = act(receiver, dossier, "return_result", "return", method="post", recipient="")
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.REFUSED and dossier.returned_at is not None
    assert "Hand over the refusal" not in page_of(receiver, dossier)
    assert f'href="/mot-cua/ho-so/{dossier.code}/"' not in html(
        receiver.get("/mot-cua/tra-ket-qua/")
    )


def test_withdrawal_needs_the_applicants_reason(desk: Desk, receiver: Client) -> None:
    dossier = at_specialist(desk)
    empty = act(receiver, dossier, "withdraw", "withdraw", reason="")
    assert empty.status_code == 422
    assert '<details class="decision" open>' in html(empty)
    response = act(receiver, dossier, "withdraw", "withdraw", reason="Công dân xin rút")
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.WITHDRAWN
    page = html(receiver.get(response["Location"]))
    assert "withdrawn at the applicant&#x27;s request" in page
    assert "Record the withdrawal" not in page


def test_a_stale_page_shows_the_conflict_and_the_fresh_state(desk: Desk, receiver: Client) -> None:
    dossier = received(desk)
    page = page_of(receiver, dossier)
    stale = hidden(page, "withdraw-expected_version")
    # Meanwhile the dossier moves on (another receiver's tab, a specialist's decision…).
    perform(dossier.code, "forward", desk.world.actor("receiver"), {})
    response = receiver.post(
        f"/mot-cua/ho-so/{dossier.code}/",
        {"action": "withdraw", "withdraw-expected_version": stale, "withdraw-reason": "Rút"},
    )
    assert response.status_code == 409
    page = html(response)
    assert "The dossier has changed since you opened it" in page
    assert 'data-state="in_progress"' in page
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert hidden(page, "withdraw-expected_version") == str(fresh.version)
    assert fresh.state == State.IN_PROGRESS


def test_another_centres_receiver_gets_404(desk: Desk, as_official: Any) -> None:
    dossier = received(desk)
    other = as_official("commune_receiver")
    for path in (
        f"/mot-cua/ho-so/{dossier.code}/",
        f"/mot-cua/ho-so/{dossier.code}/mau-01.pdf",
    ):
        assert other.get(path).status_code == 404, path
    response = other.post(
        f"/mot-cua/ho-so/{dossier.code}/",
        {"action": "withdraw", "withdraw-expected_version": "1", "withdraw-reason": "x"},
    )
    assert response.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).state == State.RECEIVED
    assert counts(other)["received_today"] == 0
    assert dossier.code not in html(other.get("/mot-cua/cho-tiep-nhan/"))


def test_find_by_code_opens_the_dossier(desk: Desk, receiver: Client, as_official: Any) -> None:
    dossier = received(desk)
    response = receiver.get("/mot-cua/ho-so/", {"code": f" {dossier.code.lower()} "})
    assert response["Location"] == f"/mot-cua/ho-so/{dossier.code}/"
    other = as_official("commune_receiver")
    missing = other.get("/mot-cua/ho-so/", {"code": dossier.code}, follow=True)
    assert f"No dossier {dossier.code} among the dossiers you can see." in html(missing)


def test_forms_a_dossier_does_not_have_are_explained(desk: Desk, receiver: Client) -> None:
    dossier = submitted_online(desk)
    response = receiver.get(f"/mot-cua/ho-so/{dossier.code}/mau-01.pdf")
    assert response.status_code == 409
    assert "Form 01 (receipt) exists once the dossier has been received" in html(response)
    assert receiver.get(f"/mot-cua/ho-so/{dossier.code}/mau-09.pdf").status_code == 404


def test_unknown_or_misplaced_actions_are_refused_plainly(desk: Desk, receiver: Client) -> None:
    dossier = received(desk)
    unknown = receiver.post(f"/mot-cua/ho-so/{dossier.code}/", {"action": "approve"})
    assert unknown.status_code == 422
    assert "The desk has no action" in html(unknown)
    # Receiving again: the state does not allow it — the page explains, nothing changes.
    response = act(receiver, dossier, "withdraw", "withdraw", reason="x")
    assert response.status_code == 302
    version = str(Dossier.objects.get(pk=dossier.pk).version)
    again = receiver.post(
        f"/mot-cua/ho-so/{dossier.code}/",
        {"action": "receive", "check-expected_version": version, "check-doc": ["1", "2"]},
    )
    assert again.status_code == 409
    assert "is not allowed while the dossier is" in html(again)
    missing_version = receiver.post(
        f"/mot-cua/ho-so/{dossier.code}/", {"action": "withdraw", "withdraw-reason": "x"}
    )
    assert missing_version.status_code == 422


def test_queues_page_through_long_lists(desk: Desk, receiver: Client) -> None:
    for _ in range(27):
        submitted_online(desk)
    first = html(receiver.get("/mot-cua/cho-tiep-nhan/"))
    assert "27 dossiers" in first and "Page 1 of 2" in first and 'href="?page=2"' in first
    second = html(receiver.get("/mot-cua/cho-tiep-nhan/", {"page": "2"}))
    assert second.count('<th scope="row"><a href="/mot-cua/ho-so/') == 2
    assert "Page 2 of 2" in html(receiver.get("/mot-cua/cho-tiep-nhan/", {"page": "99"}))
    assert receiver.get("/mot-cua/cho-tiep-nhan/", {"page": "x"}).status_code == 200
