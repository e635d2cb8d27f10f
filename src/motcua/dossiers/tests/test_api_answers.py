"""The answer to an intake or an action is rendered from what the engine holds (``held``), not
read back: it must be exactly the dossier as a later read shows it, for every kind of action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.models import Pause
from motcua.dossiers.schemas import DossierDetail, PublicDossier

from . import test_api_support as support
from .conftest import World, local
from .test_api_support import Api

pytestmark = pytest.mark.django_db
api_as = support.api_as


def _same_as_read_back(api: Api, response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.content
    answer = response.json()
    read = api.get(f"dossiers/{answer['code']}")
    assert read.status_code == 200
    assert answer == read.json()
    assert response["ETag"] == read["ETag"]
    DossierDetail.model_validate(answer)  # built without validation: it must still conform
    public = Client().get(f"/api/v1/public/dossiers/{answer['code']}")
    assert public.status_code == 200
    PublicDossier.model_validate(public.json())
    return answer


def test_every_answer_is_the_dossier_as_read_back(
    world: World, api_as: Callable[[str], Api]
) -> None:
    receiver, specialist, leader = api_as("receiver"), api_as("specialist"), api_as("leader")
    tax = api_as("tax")
    data = {"action": "receive", **world.counter_data(procedure=world.land_version.procedure.code)}
    data["applicant"]["email"] = "an@example.vn"  # two messages: SMS and e-mail
    with time_machine.travel(local("2026-03-10T08:00"), tick=False) as clock:
        created = _same_as_read_back(receiver, receiver.post("dossiers", data))
        assert len(created["notifications"]) == 2 and created["pauses"] == []
        code = created["code"]
        script: list[tuple[Api, str, dict[str, Any]]] = [
            (receiver, "forward", {}),
            (leader, "assign", {"assignee": "specialist"}),
            (specialist, "request_supplement", {"items": ["Bản sao sổ đỏ"], "reason": "thiếu"}),
            (receiver, "supplement", {"items": ["Bản sao sổ đỏ"]}),
            (leader, "suspend", {"reason": "chờ xác minh"}),
            (leader, "resume", {}),
            (specialist, "comment", {"note": "đã gọi điện"}),
            (specialist, "forward", {"agency": world.tax.code}),
            (tax, "forward", {}),
            (leader, "transfer", {"agency": world.building.code, "hours": "8"}),
            (api_as("builder"), "return_from_transfer", {}),
            (leader, "approve", {"result": "GCN số 7"}),
            (receiver, "return_result", {"method": "counter", "recipient": "Nguyễn Văn An"}),
        ]
        seen = []
        for api, action, body in script:
            clock.shift(timedelta(hours=3))
            answer = _same_as_read_back(api, api.post(f"dossiers/{code}/actions/{action}", body))
            seen.append((action, answer["state"], len(answer["steps"]), len(answer["pauses"])))
    assert seen[-1][1] == "returned" and seen[-1][3] == 2  # two pauses, both shown
    assert Pause.objects.filter(dossier__code=code).count() == 2


@time_machine.travel(local("2026-03-10T10:00"), tick=False)
def test_a_forward_reads_no_step_or_pause_back_after_the_commit(
    world: World, api_as: Callable[[str], Api]
) -> None:
    receiver = api_as("receiver")
    code = receiver.post("dossiers", {"action": "receive", **world.counter_data()}).json()["code"]
    receiver.get(f"dossiers/{code}")  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = receiver.post(f"dossiers/{code}/actions/forward", {})
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    steps = [s for s in statements if 'FROM "dossiers_dossierstep"' in s]
    assert len(steps) == 1  # read once, under the lock; the answer uses them
    # Whether it was ever paused comes with the locked row: never, so no read of pauses.
    assert not any(s.startswith('SELECT "dossiers_pause"') for s in statements)


@time_machine.travel(local("2026-03-10T10:00"), tick=False)
def test_an_intake_updates_only_the_columns_its_handler_changed(
    world: World, api_as: Callable[[str], Api]
) -> None:
    """The first step is inserted after the dossier (it refers to it): the update that links
    it writes what the reception changed, not the whole row."""
    receiver = api_as("receiver")
    with CaptureQueriesContext(connection) as queries:
        response = receiver.post("dossiers", {"action": "receive", **world.counter_data()})
    assert response.status_code == 201
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    dossier_updates = [u for u in updates if '"dossiers_dossier"' in u]
    assert len(dossier_updates) == 1
    written = dossier_updates[0].split(" SET ")[1].split(" WHERE ")[0]
    columns = sorted(a.split(" = ")[0].strip('"') for a in written.split(", "))
    assert columns == ["current_step_id", "due_at", "received_at", "version"]
