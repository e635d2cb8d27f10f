"""Every action family of the dossier page: its button is offered only when the engine allows
it, its form posts through ``dossiers.services.perform``, the state and events change, and
the engine's refusals come back as form errors or messages (never a 500)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.dossiers.services import perform

from .conftest import World, html, local
from .helpers import act, buttons, events_of, version
from .test_dossier import at_specialist

pytestmark = pytest.mark.django_db
Login = Callable[[str], Client]


def state(code: str) -> str:
    return Dossier.objects.get(code=code).state


def page(client: Client, code: str) -> str:
    response = client.get(f"/ho-so/{code}/")
    assert response.status_code == 200
    return html(response)


def at_leader(world: World, when: str = "2026-03-10T08:00") -> str:
    code = at_specialist(world, when)
    perform(code, "forward", world.actor("specialist"), {}, now=local(when).replace(hour=10))
    return code


def test_a_specialist_forwards_and_a_leader_approves_end_to_end(
    world: World, as_official: Login
) -> None:
    code = at_specialist(world)
    specialist, leader, receiver = (as_official(n) for n in ("specialist", "leader", "receiver"))
    assert "forward" in buttons(page(specialist, code))
    assert "approve" not in buttons(page(specialist, code))
    # The specialist opens the form in place and forwards with htmx: the page is redrawn.
    form = html(
        specialist.get(
            f"/ho-so/{code}/thao-tac/forward/?v={version(code)}",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="action-panel",
        )
    )
    assert "The next step: Phê duyệt — Sở Tư pháp" in form
    response = act(specialist, code, "forward", {"note": "Đủ điều kiện"}, htmx=True)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#dossier" and response["HX-Reswap"] == "outerHTML"
    redrawn = html(response)
    assert redrawn.lstrip().startswith('<div id="dossier"') and "<html" not in redrawn
    assert "Done: “Forward”. The dossier is now “In progress”." in redrawn
    dossier = Dossier.objects.get(code=code)
    assert dossier.current_step is not None and dossier.current_step.code == "PD"
    assert buttons(redrawn) == ["comment"]  # the decision is the leader's now
    # The leader decides without script: a page, then back to the dossier with a message.
    assert buttons(page(leader, code))[:2] == ["forward", "approve"]
    response = act(leader, code, "approve", {"result": "Quyết định số 12/QĐ-STP"})
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{code}/"
    after = html(leader.get(response["Location"]))
    assert "Done: “Approve”. The dossier is now “Result ready”." in after
    assert "Quyết định số 12/QĐ-STP" in after
    assert state(code) == "result_ready"
    assert events_of(code)[-2:] == ["forward", "approve"]
    # The desk hands the result over.
    assert buttons(page(receiver, code)) == ["return_result", "comment"]
    response = act(receiver, code, "return_result", {"method": "counter", "recipient": "Bà Bình"})
    assert response.status_code == 302 and state(code) == "returned"
    assert "return_result" not in buttons(page(receiver, code))


def test_assign_is_the_leaders_and_offers_only_who_holds_the_role(
    world: World, as_official: Login
) -> None:
    code = at_specialist(world)
    leader, specialist = as_official("leader"), as_official("specialist")
    assert "assign" in buttons(page(leader, code))
    assert "assign" not in buttons(page(specialist, code))
    form = html(leader.get(f"/ho-so/{code}/thao-tac/assign/"))
    assert '<option value="specialist">Specialist</option>' in form
    assert '<option value="specialist2">Specialist2</option>' in form
    assert 'value="leader"' not in form and 'value="builder"' not in form
    refused = act(leader, code, "assign", {"assignee": "builder"})
    assert refused.status_code == 422 and "Select a valid choice" in html(refused)
    assert events_of(code) == ["receive", "forward"]
    assert act(specialist, code, "assign", {"assignee": "specialist"}).status_code == 403
    assert act(leader, code, "assign", {"assignee": "specialist2"}).status_code == 302
    step = Dossier.objects.get(code=code).current_step
    assert step is not None and step.assignee == world.users["specialist2"]
    assert events_of(code)[-1] == "assign"


def test_forward_to_a_chosen_step_and_official(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    specialist = as_official("specialist")
    wrong = act(specialist, code, "forward", {"to_step": "PD", "assignee": "specialist2"})
    assert wrong.status_code == 422
    assert "specialist2 does not hold the role of step “Phê duyệt”" in html(wrong)
    response = act(specialist, code, "forward", {"to_step": "PD", "assignee": "leader2"})
    assert response.status_code == 302
    step = Dossier.objects.get(code=code).current_step
    assert step is not None and step.code == "PD" and step.assignee == world.users["leader2"]


def test_transfer_and_return_from_transfer(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    specialist, tax = as_official("specialist"), as_official("tax")
    form = html(specialist.get(f"/ho-so/{code}/thao-tac/transfer/"))
    assert 'value="000.00.30.H99"' in form and 'value="000.00.02.H99"' not in form
    missing = act(specialist, code, "transfer", {"agency": world.tax.code})
    assert missing.status_code == 422 and "This field is required." in html(missing)
    data = {"agency": world.tax.code, "hours": "8", "note": "Xác định nghĩa vụ thuế"}
    assert act(specialist, code, "transfer", data).status_code == 302
    step = Dossier.objects.get(code=code).current_step
    assert step is not None and step.agency == world.tax and step.transfer
    # At the tax office only the way back is offered (not forward, not another transfer).
    assert buttons(page(tax, code)) == [
        "return_from_transfer",
        "request_supplement",
        "suspend",
        "comment",
    ]
    assert "transfer" not in buttons(page(specialist, code))
    forwarded = act(tax, code, "forward", {})
    assert forwarded.status_code == 409 and "must be returned from transfer" in html(forwarded)
    assert act(tax, code, "return_from_transfer", {"note": "Đã xác định"}).status_code == 302
    step = Dossier.objects.get(code=code).current_step
    assert step is not None and step.agency == world.justice and step.code == "XL"
    assert events_of(code)[-2:] == ["transfer", "return_from_transfer"]
    # The tax office took part: it still reads the dossier, but may do nothing more.
    assert buttons(page(tax, code)) == ["comment"]


def test_request_supplement_with_rows_then_the_supplement(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    specialist, receiver = as_official("specialist"), as_official("receiver")
    seen = version(code)
    # Adding and removing rows posts the form back without performing anything.
    grown = act(specialist, code, "request_supplement", {"items": ["Tờ khai"], "add_item": "1"})
    assert grown.status_code == 200 and 'id="id_items_2"' in html(grown)
    shrunk = act(
        specialist, code, "request_supplement", {"items": ["A", "B", "C"], "remove_item": "2"}
    )
    rows = html(shrunk)
    assert 'value="A"' in rows and 'value="B"' not in rows and 'value="C"' in rows
    assert version(code) == seen
    empty = act(specialist, code, "request_supplement", {"items": ["", " "], "reason": "Thiếu"})
    assert empty.status_code == 422 and "List at least one item." in html(empty)
    items = ["Bản sao CCCD", "Tờ khai có chữ ký"]
    done = act(specialist, code, "request_supplement", {"items": items, "reason": "Thiếu giấy"})
    assert done.status_code == 302 and state(code) == "awaiting_supplement"
    event = Dossier.objects.get(code=code).events.order_by("-seq").first()
    assert event is not None and event.payload["items"] == items
    after = page(specialist, code)
    assert "request_supplement" not in buttons(after) and "Bản sao CCCD" in after
    assert f'href="/ho-so/{code}/mau-02.pdf"' in after
    again = act(specialist, code, "request_supplement", {"items": ["x"]})
    assert again.status_code == 409
    # The desk records what the applicant brought; the clock runs again.
    assert buttons(page(receiver, code))[0] == "supplement"
    assert act(receiver, code, "supplement", {"items": items}).status_code == 302
    assert state(code) == "in_progress"


def test_suspend_and_resume(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    specialist = as_official("specialist")
    empty = act(specialist, code, "suspend", {"reason": " "})
    assert empty.status_code == 422 and state(code) == "in_progress"
    assert act(specialist, code, "suspend", {"reason": "Chờ nộp thuế"}).status_code == 302
    suspended = page(specialist, code)
    assert state(code) == "suspended" and buttons(suspended) == ["resume", "comment"]
    assert "Clock stopped" in suspended and "Chờ nộp thuế" in suspended
    assert f'href="/ho-so/{code}/mau-05.pdf"' in suspended
    assert act(specialist, code, "resume", {}).status_code == 302
    assert state(code) == "in_progress" and events_of(code)[-2:] == ["suspend", "resume"]


def test_refuse_needs_its_reason(world: World, as_official: Login) -> None:
    code = at_leader(world)
    leader = as_official("leader")
    assert "refuse" in buttons(page(leader, code))
    empty = act(leader, code, "refuse", {}, htmx=True)
    assert empty.status_code == 200 and "This field is required." in html(empty)
    assert state(code) == "in_progress"
    assert act(leader, code, "refuse", {"reason": "Không đủ điều kiện"}).status_code == 302
    refused = page(leader, code)
    assert state(code) == "refused" and f'href="/ho-so/{code}/mau-03.pdf"' in refused
    assert "refuse" not in buttons(refused) and "approve" not in buttons(refused)


def test_apologise_once_with_a_new_date_after_the_due_time(
    world: World, as_official: Login
) -> None:
    code = at_leader(world)  # received in March: long overdue
    leader = as_official("leader")
    assert "apologise" in buttons(page(leader, code))
    past = {"reason": "Chờ xác minh", "new_appointment": "2026-01-05T08:00"}
    refused = act(leader, code, "apologise", past)
    assert refused.status_code == 422
    assert "The new appointment must be in the future." in html(refused)
    assert Dossier.objects.get(code=code).appointment_at is None
    later = timezone.localtime() + timedelta(days=10)
    data = {"reason": "Chờ xác minh", "new_appointment": f"{later:%Y-%m-%dT%H:%M}"}
    assert act(leader, code, "apologise", data).status_code == 302
    dossier = Dossier.objects.get(code=code)
    assert dossier.appointment_at is not None
    assert f"{timezone.localtime(dossier.appointment_at):%Y-%m-%dT%H:%M}" == data["new_appointment"]
    after = page(leader, code)
    assert "apologise" not in buttons(after) and f'href="/ho-so/{code}/mau-04.pdf"' in after


def test_cancel_is_offered_only_after_the_supplement_limit(
    world: World, as_official: Login
) -> None:
    late, waiting = at_specialist(world), at_specialist(world)
    specialist = world.actor("specialist")
    perform(late, "request_supplement", specialist, {"items": ["A"]}, now=local("2026-03-11T09:00"))
    perform(waiting, "request_supplement", specialist, {"items": ["A"]})
    leader = as_official("leader")
    assert "cancel" in buttons(page(leader, late))
    assert "cancel" not in buttons(page(leader, waiting))
    early = act(leader, waiting, "cancel", {"reason": "Quá hạn bổ sung"})
    assert early.status_code == 409 and "The supplement limit has not passed yet" in html(early)
    assert state(waiting) == "awaiting_supplement"
    assert act(leader, late, "cancel", {"reason": "Quá hạn bổ sung"}).status_code == 302
    assert state(late) == "cancelled"


def test_comment_and_withdraw(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    specialist, receiver = as_official("specialist"), as_official("receiver")
    empty = act(specialist, code, "comment", {"note": ""})
    assert empty.status_code == 422 and events_of(code) == ["receive", "forward"]
    assert act(specialist, code, "comment", {"note": "Đã gọi công dân"}).status_code == 302
    assert "Đã gọi công dân" in page(specialist, code) and state(code) == "in_progress"
    assert "withdraw" not in buttons(page(specialist, code))
    assert buttons(page(receiver, code)) == ["comment", "withdraw"]
    assert act(receiver, code, "withdraw", {"reason": "Công dân rút hồ sơ"}).status_code == 302
    assert state(code) == "withdrawn"
    assert buttons(page(receiver, code)) == ["comment"]


def test_forward_to_a_step_run_by_an_agency_of_a_kind(world: World, as_official: Login) -> None:
    code = at_specialist(world, procedure=world.land_version.procedure.code)
    specialist = as_official("specialist")
    form = html(specialist.get(f"/ho-so/{code}/thao-tac/forward/"))
    assert "The next step: Xác định nghĩa vụ tài chính" in form
    assert f'<option value="{world.tax.code}">' in form  # the agencies of that kind
    data = {"agency": world.tax.code, "note": "Chuyển cơ quan thuế"}
    assert act(specialist, code, "forward", data).status_code == 302
    step = Dossier.objects.get(code=code).current_step
    assert step is not None and step.code == "THUE" and step.agency == world.tax
    # The tax office now works on it and forwards it back into the workflow.
    tax = as_official("tax")
    assert buttons(page(tax, code))[0] == "forward"
    assert act(tax, code, "forward", {}).status_code == 302
    step = Dossier.objects.get(code=code).current_step
    assert step is not None and step.code == "PD" and step.agency == world.justice
