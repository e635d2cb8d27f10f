"""The dossier API through the Django test client: intake and idempotency, actions and their
refusals as problem details, concurrency with If-Match, events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from motcua.dossiers.models import Dossier, DossierEvent

from . import test_api_support as support
from .conftest import World, local
from .test_api_support import Api

pytestmark = pytest.mark.django_db
anonymous = support.anonymous
api_as = support.api_as
received = support.received


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _fields(problem: dict[str, Any]) -> list[str]:
    return [e["field"] for e in problem.get("errors", [])]


# Intake ---------------------------------------------------------------------------------------


@time_machine.travel(local("2026-03-10T10:00"), tick=False)
def test_counter_intake_creates_the_dossier(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("receiver")
    response = api.post("dossiers", {"action": "receive", **world.counter_data()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "000.00.02.H99-260310-0001"
    assert response["ETag"] == f'"{body["version"]}"'
    assert (body["state"], body["channel"]) == ("received", "counter")
    assert body["received_at"] == "2026-03-10T10:00:00+07:00"
    assert body["due_at"] == "2026-03-16T10:00:00+07:00"
    assert body["remaining_hours"] == 32.0
    assert body["competent_agency"]["code"] == world.justice.code
    assert body["receiving_centre"]["code"] == world.centre.code
    assert body["reception_point"] == {"code": "Q1", "name": "Quầy 1"}
    assert body["applicant"]["national_id"] == "082090001234"  # officials see it in full
    assert [s["code"] for s in body["steps"]] == ["TN"]
    assert body["current_step"] == "Tiếp nhận"
    assert set(body["allowed_actions"]) == {"assign", "forward", "withdraw", "comment"}
    assert [(n["channel"], n["status"], n["template"]) for n in body["notifications"]] == [
        ("sms", "queued", "received")
    ]


def test_online_submission_waits_for_reception(world: World, api_as: Callable[[str], Api]) -> None:
    response = api_as("receiver").post(
        "dossiers", {"action": "submit", "channel": "online", **world.counter_data()}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["received_at"], body["due_at"]) == ("submitted", None, None)
    assert "receive" in body["allowed_actions"]


def test_idempotent_replay_returns_the_same_dossier(
    world: World, api_as: Callable[[str], Api]
) -> None:
    api = api_as("receiver")
    body = {"action": "receive", **world.counter_data()}
    first = api.post("dossiers", body, **{"Idempotency-Key": "desk-1/42"})
    again = api.post("dossiers", body, **{"Idempotency-Key": "desk-1/42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == 1
    changed = {**body, "subject": "something else"}
    problem = _problem(api.post("dossiers", changed, **{"Idempotency-Key": "desk-1/42"}), 409)
    assert "Idempotency-Key" in problem["detail"]
    assert Dossier.objects.count() == 1
    # Without a key, a second request is a second dossier.
    assert api.post("dossiers", body).status_code == 201
    assert Dossier.objects.count() == 2
    too_long = api.post("dossiers", body, **{"Idempotency-Key": "k" * 201})
    assert _fields(_problem(too_long, 422)) == ["Idempotency-Key"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"action": "approve"}, ["action"]),
        ({"action": None}, ["action"]),
        ({"applicant": {"phone": "0912345678"}}, ["applicant.name"]),
        ({"applicant": {"name": "A", "national_id": "12"}}, ["applicant.national_id"]),
        ({"applicant": {"name": "A", "nickname": "B"}}, ["applicant.nickname"]),
        ({"procedure": "9.999999"}, ["procedure"]),
        ({"agency": "000.00.01.H99"}, ["agency"]),
        ({"channel": "online"}, ["channel"]),
        ({"colour": "blue"}, ["colour"]),
        ({"subject": "x" * 501}, ["subject"]),
    ],
)
def test_invalid_intake_is_422_naming_each_field(
    world: World, api_as: Callable[[str], Api], change: dict[str, Any], fields: list[str]
) -> None:
    body = {"action": "receive", **world.counter_data(), **change}
    if change.get("action", "") is None:
        del body["action"]
    problem = _problem(api_as("receiver").post("dossiers", body), 422)
    assert _fields(problem) == fields
    assert Dossier.objects.count() == 0


def test_intake_by_a_non_receiver_is_refused(world: World, api_as: Callable[[str], Api]) -> None:
    body = {"action": "receive", **world.counter_data(receiving_centre=world.centre.code)}
    _problem(api_as("specialist").post("dossiers", body), 403)
    _problem(api_as("inspector").post("dossiers", body), 403)
    assert Dossier.objects.count() == 0


def test_request_body_that_is_not_json_is_a_problem(
    world: World, api_as: Callable[[str], Api]
) -> None:
    api = api_as("receiver")
    response = api.client.post(
        "/api/v1/dossiers", "{not json", content_type="application/json", headers=api.headers
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


# Actions --------------------------------------------------------------------------------------


def test_the_whole_loop_through_the_api(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    receiver, specialist, leader = api_as("receiver"), api_as("specialist"), api_as("leader")
    steps = [
        (receiver, "forward", {}, "in_progress"),
        (leader, "assign", {"assignee": "specialist"}, "in_progress"),
        (specialist, "forward", {"note": "hồ sơ đủ điều kiện"}, "in_progress"),
        (leader, "approve", {"result": "GCN số 12"}, "result_ready"),
        (
            receiver,
            "return_result",
            {"method": "counter", "recipient": "Nguyễn Văn An"},
            "returned",
        ),
    ]
    for api, action, body, state in steps:
        response = api.post(f"dossiers/{code}/actions/{action}", body)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["state"] == state
    final = receiver.get(f"dossiers/{code}").json()
    assert final["outcome"] == "approved" and final["timeliness"] in ("early", "on_time", "late")
    assert [s["code"] for s in final["steps"]] == ["TN", "XL", "PD", "TKQ"]
    assert all(s["ended_at"] for s in final["steps"])
    assert final["allowed_actions"] == ["comment"]


def test_stale_versions_are_refused_with_409(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    api = api_as("receiver")
    opened = api.get(f"dossiers/{code}")
    etag = opened["ETag"]
    assert etag == '"1"'
    assert (
        api.post(
            f"dossiers/{code}/actions/comment", {"note": "a"}, **{"If-Match": etag}
        ).status_code
        == 200
    )
    # A second decision taken on the same page: stale.
    stale = api.post(f"dossiers/{code}/actions/forward", {}, **{"If-Match": etag})
    assert "version 1" in _problem(stale, 409)["detail"]
    stale_body = api.post(f"dossiers/{code}/actions/forward", {"expected_version": 1})
    _problem(stale_body, 409)
    assert Dossier.objects.get(code=code).state == "received"
    fresh = api.get(f"dossiers/{code}")["ETag"]
    assert (
        api.post(f"dossiers/{code}/actions/forward", None, **{"If-Match": fresh}).status_code == 200
    )
    bad = api.post(f"dossiers/{code}/actions/comment", {"note": "b"}, **{"If-Match": "yesterday"})
    assert _fields(_problem(bad, 422)) == ["If-Match"]
    disagree = api.post(
        f"dossiers/{code}/actions/comment",
        {"note": "b", "expected_version": 1},
        **{"If-Match": '"3"'},
    )
    assert _fields(_problem(disagree, 422)) == ["expected_version"]


def test_wrong_state_is_409_with_the_reason(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    problem = _problem(api_as("leader").post(f"dossiers/{code}/actions/approve", {}), 409)
    assert "Approve" in problem["detail"] and "Received" in problem["detail"]


def test_roles_are_checked_at_the_right_agency(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    api_as("receiver").post(f"dossiers/{code}/actions/forward", {})
    # The inspector sees the dossier but may not act on it.
    assert api_as("inspector").get(f"dossiers/{code}").status_code == 200
    _problem(api_as("inspector").post(f"dossiers/{code}/actions/approve", {}), 403)
    _problem(api_as("inspector").post(f"dossiers/{code}/actions/suspend", {"reason": "x"}), 403)
    # A receiver may not approve: the table allows it from this state, the role does not.
    _problem(api_as("receiver").post(f"dossiers/{code}/actions/approve", {}), 403)
    assert DossierEvent.objects.filter(dossier__code=code).count() == 2


def test_another_agencys_dossier_is_404_everywhere(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    outsider = api_as("builder")
    for response in (
        outsider.get(f"dossiers/{code}"),
        outsider.get(f"dossiers/{code}/events"),
        outsider.post(f"dossiers/{code}/actions/comment", {"note": "hello"}),
        outsider.post(f"dossiers/{code}/actions/forward", {}),
    ):
        _problem(response, 404)
    assert outsider.get("dossiers").json()["count"] == 0
    assert outsider.get("dossiers", {"q": code}).json()["items"] == []
    _problem(api_as("receiver").get("dossiers/000.00.02.H99-000000-9999"), 404)
    assert DossierEvent.objects.filter(dossier__code=code).count() == 1


@pytest.mark.parametrize(
    ("action", "body", "fields"),
    [
        ("transfer", {"hours": 4}, ["agency"]),
        ("transfer", {"agency": "000.00.30.H99", "hours": 0}, ["hours"]),
        ("transfer", {"agency": "000.00.30.H99", "hours": "four"}, ["hours"]),
        ("suspend", {}, ["reason"]),
        ("suspend", {"reason": "   "}, ["reason"]),
        ("request_supplement", {"items": []}, ["items"]),
        ("request_supplement", {"items": ["", "x"]}, ["items[0]"]),
        ("comment", {"note": "x", "reasn": "typo"}, ["reasn"]),
        ("apologise", {"reason": "x", "new_appointment": "tomorrow"}, ["new_appointment"]),
        (
            "apologise",
            {"reason": "x", "new_appointment": "0001-01-01T00:00:00+07:00"},
            ["new_appointment"],
        ),
        ("assign", {"assignee": "tax"}, ["assignee"]),
        ("return_result", {"method": "pigeon"}, ["method"]),
        ("forward", {"to_step": "NOPE"}, ["to_step"]),
    ],
)
def test_invalid_action_input_is_422_naming_the_field(
    world: World,
    api_as: Callable[[str], Api],
    received: Callable[..., Any],
    action: str,
    body: dict[str, Any],
    fields: list[str],
) -> None:
    code = received().code
    api_as("receiver").post(f"dossiers/{code}/actions/forward", {})
    who = "receiver" if action in ("return_result",) else "leader"
    if action == "return_result":
        Dossier.objects.filter(code=code).update(state="result_ready")
    before = DossierEvent.objects.filter(dossier__code=code).count()
    problem = _problem(api_as(who).post(f"dossiers/{code}/actions/{action}", body), 422)
    assert _fields(problem) == fields
    assert DossierEvent.objects.filter(dossier__code=code).count() == before


def test_an_unknown_action_is_a_404_problem(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    problem = _problem(api_as("receiver").post(f"dossiers/{code}/actions/teleport", {}), 404)
    assert "teleport" in problem["detail"]


def test_events_are_the_history_in_order(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    api = api_as("receiver")
    api.post(f"dossiers/{code}/actions/comment", {"note": "gọi điện cho công dân"})
    api.post(f"dossiers/{code}/actions/forward", {})
    events = api.get(f"dossiers/{code}/events").json()
    assert [(e["seq"], e["action"], e["to_state"]) for e in events] == [
        (1, "receive", "received"),
        (2, "comment", "received"),
        (3, "forward", "in_progress"),
    ]
    assert events[1]["note"] == "gọi điện cho công dân"
    assert events[2]["payload"] == {
        "from_step": "TN",
        "to_step": "XL",
        "to_agency": world.justice.code,
    }
    assert events[0]["agency"]["code"] == world.centre.code
    assert events[0]["due_at"] == "2026-03-16T10:00:00+07:00"


def test_allowed_actions_follow_role_and_agency(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    api_as("receiver").post(f"dossiers/{code}/actions/forward", {})
    allowed = {
        name: set(api_as(name).get(f"dossiers/{code}").json()["allowed_actions"])
        for name in ("receiver", "specialist", "leader", "inspector")
    }
    assert allowed["receiver"] == {"withdraw", "comment"}
    # Table and role only: return_from_transfer is listed, its handler refuses it unless the
    # dossier is out on a transfer.
    assert allowed["specialist"] == {
        "forward",
        "transfer",
        "return_from_transfer",
        "request_supplement",
        "suspend",
        "comment",
    }
    assert {"approve", "refuse", "assign", "apologise"} <= allowed["leader"]
    assert allowed["inspector"] <= {"comment"}


def test_a_paused_dossier_shows_its_pause_and_remaining_time(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received("2026-03-10T10:00").code
    with time_machine.travel(local("2026-03-10T14:00"), tick=False):
        api_as("receiver").post(f"dossiers/{code}/actions/forward", {})
        response = api_as("specialist").post(
            f"dossiers/{code}/actions/request_supplement",
            {"items": ["Bản sao CCCD"], "reason": "thiếu giấy tờ"},
        )
    body = response.json()
    assert (body["state"], body["paused"], body["due_at"]) == ("awaiting_supplement", True, None)
    # 32 working hours from Tue 10:00; 2.5 had run (10:00–11:30, 13:00–14:00).
    assert body["remaining_hours"] == 29.5
    assert [(p["kind"], p["end"], p["reason"]) for p in body["pauses"]] == [
        ("supplement", None, "thiếu giấy tờ")
    ]
    assert body["supplement_requests"] == 1 and body["supplement_due_at"]


def test_missing_and_invisible_dossiers_are_indistinguishable(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    code = received().code
    missing = code[:-4] + "9999"
    outsider = api_as("builder")
    for path in ("", "/events", "/actions/comment"):
        method = outsider.post if "actions" in path else outsider.get
        invisible = _problem(method(f"dossiers/{code}{path}", {"note": "x"}), 404)
        absent = _problem(method(f"dossiers/{missing}{path}", {"note": "x"}), 404)
        assert invisible["detail"].replace(code, missing) == absent["detail"]


def test_a_wrong_method_is_a_405_problem(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("receiver")
    response = api.client.delete("/api/v1/dossiers", headers=api.headers)
    problem = _problem(response, 405)
    assert "DELETE" in problem["detail"]
    assert "GET" in response["Allow"] and "POST" in response["Allow"]
