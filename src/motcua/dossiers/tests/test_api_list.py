"""``GET /api/v1/dossiers``: scoping, every filter, ordering, pagination, accent folding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from motcua.dossiers.services import intake, perform

from . import test_api_support as support
from .conftest import World, local
from .test_api_support import Api

pytestmark = pytest.mark.django_db
api_as = support.api_as
received = support.received

NOW = "2026-03-12T09:00"


@pytest.fixture
def queue(world: World) -> dict[str, str]:
    """Six dossiers in different states, received at the counter or online."""

    def take(when: str, action: str = "receive", **extra: Any) -> str:
        data = world.counter_data(**extra)
        dossier, _ = intake(action, world.actor("receiver"), data, now=local(when))
        return dossier.code

    codes = {
        "overdue": take("2026-03-02T10:00"),
        "running": take("2026-03-10T10:00"),
        "late_evening": take("2026-03-10T23:30"),
        "online": take("2026-03-11T08:00", "submit", channel="online"),
        "building": take(
            "2026-03-11T09:00",
            agency=world.building.code,
            applicant={"name": "Trần Thị Bích", "phone": "0987654321"},
        ),
        "restart": take("2026-03-11T10:00", procedure=world.restart_version.procedure.code),
    }
    paused = codes["running"]
    perform(paused, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    perform(
        paused,
        "request_supplement",
        world.actor("specialist"),
        {"items": ["Tờ khai"]},
        now=local("2026-03-11T09:00"),
    )
    return codes


def _codes(api: Api, **params: Any) -> list[str]:
    with time_machine.travel(local(NOW), tick=False):
        response = api.get("dossiers", params)
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_each_official_lists_what_it_may_see(
    world: World, queue: dict[str, str], api_as: Callable[[str], Api]
) -> None:
    assert len(_codes(api_as("receiver"))) == 6
    assert len(_codes(api_as("inspector"))) == 6
    assert _codes(api_as("builder_leader")) == [queue["building"]]
    justice = set(_codes(api_as("leader")))
    assert queue["building"] not in justice and queue["running"] in justice
    assert _codes(api_as("tax")) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": ["submitted"]}, ["online"]),
        ({"state": ["submitted", "awaiting_supplement"]}, ["running", "online"]),
        ({"overdue": "true"}, ["overdue"]),
        ({"paused": "true"}, ["running"]),
        ({"channel": "online"}, ["online"]),
        ({"agency": "000.00.03.H99"}, ["building"]),
        ({"procedure": "1.000002"}, ["restart"]),
        ({"received_from": "2026-03-10", "received_to": "2026-03-10"}, ["running", "late_evening"]),
        ({"received_from": "2026-03-11", "channel": "counter"}, ["building", "restart"]),
        ({"q": "tran thi bich"}, ["building"]),
        ({"q": "BÍCH trần"}, ["building"]),
        ({"q": "-260302-"}, ["overdue"]),
        ({"due_before": "2026-03-10T00:00:00+07:00"}, ["overdue"]),
    ],
)
def test_filters(
    world: World,
    queue: dict[str, str],
    api_as: Callable[[str], Api],
    params: dict[str, Any],
    expected: list[str],
) -> None:
    found = _codes(api_as("receiver"), **params)
    assert sorted(found) == sorted(queue[name] for name in expected)


def test_false_filters_are_the_complement(
    world: World, queue: dict[str, str], api_as: Callable[[str], Api]
) -> None:
    api = api_as("receiver")
    assert queue["overdue"] not in _codes(api, overdue="false")
    assert len(_codes(api, overdue="false")) == 5
    assert queue["running"] not in _codes(api, paused="false")
    assert len(_codes(api, paused="false")) == 5


def test_ordering_and_pagination(
    world: World, queue: dict[str, str], api_as: Callable[[str], Api]
) -> None:
    api = api_as("receiver")
    by_due = _codes(api, page_size=100)
    # Soonest due first; dossiers without a due time (submitted, paused) last.
    assert by_due[0] == queue["overdue"]
    assert set(by_due[-2:]) == {queue["online"], queue["running"]}
    newest = _codes(api, ordering="-received_at")
    assert newest[0] == queue["restart"] and newest[-1] == queue["online"]  # never received
    with time_machine.travel(local(NOW), tick=False):
        page = api.get("dossiers", {"page": 2, "page_size": 4}).json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (6, 2, 4, 2)
    assert _codes(api, page=3, page_size=4) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 101}, "page_size"),
        ({"page": 0}, "page"),
        ({"state": "sleeping"}, "state"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"ordering": "code"}, "ordering"),
        ({"received_from": "2026-02-30"}, "received_from"),
        ({"received_from": "2026-03-10", "received_to": "2026-03-01"}, "received_to"),
        ({"received_to": "9999-12-31"}, "received_to"),
        ({"due_before": "0001-01-01T00:00:00+07:00"}, "due_before"),
        ({"centre": "000.00.99.H99"}, "centre"),
        ({"procedure": "0.000000"}, "procedure"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(
    world: World, api_as: Callable[[str], Api], params: dict[str, Any], field: str
) -> None:
    response = api_as("receiver").get("dossiers", params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"].split("[")[0] for e in response.json()["errors"]] == [field]


def test_list_items_are_summaries(
    world: World, queue: dict[str, str], api_as: Callable[[str], Api]
) -> None:
    with time_machine.travel(local(NOW), tick=False):
        body = api_as("receiver").get("dossiers", {"q": queue["overdue"]}).json()
    (item,) = body["items"]
    assert item["overdue"] is True and item["paused"] is False
    assert item["applicant_name"] == "Nguyễn Văn An"
    assert item["current_step"] == "Tiếp nhận"
    assert item["current_agency"]["code"] == world.centre.code
    assert "applicant" not in item and "steps" not in item
