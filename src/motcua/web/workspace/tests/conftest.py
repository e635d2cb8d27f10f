"""Fixtures of the workspace's tests: the web tests' clients and the dossier engine's small world,
and a set of dossiers in every situation a queue shows, as of ``NOW``."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.dossiers.services import intake, perform
from motcua.web.tests.conftest import (  # noqa: F401
    World,
    _fresh_cache,
    as_official,
    client_en,
    english,
    html,
    local,
    log_in,
    world,
)

# A Thursday morning: the due states below are as of this instant.
NOW = "2026-03-12T09:00"


def take(world: World, when: str, action: str = "receive", **extra: Any) -> str:  # noqa: F811
    dossier, _ = intake(
        action, world.actor("receiver"), world.counter_data(**extra), now=local(when)
    )
    return dossier.code


@pytest.fixture
def queue_world(world: World) -> dict[str, str]:  # noqa: F811
    """At 2026-03-12 09:00, dossiers of Sở Tư pháp (unless said otherwise):
    - ``online``: submitted online, awaiting reception at the centre;
    - ``reception``: just received, at the receiver's reception step (held by ``receiver``);
    - ``mine``: at the specialist step, assigned to ``specialist``, overdue;
    - ``free``: at the specialist step, nobody assigned, due today;
    - ``taken``: at the specialist step, assigned to ``specialist2``, within the time limit;
    - ``decision``: at the leader's approval step;
    - ``paused``: awaiting a supplement;
    - ``ready``: approved, result ready at the desk;
    - ``building``: at Sở Xây dựng's specialist step."""
    r, s, lead = world.actor("receiver"), world.actor("specialist"), world.actor("leader")
    codes = {
        "online": take(world, "2026-03-11T08:00", "submit", channel="online"),
        "reception": take(world, "2026-03-12T08:00", applicant={"name": "Trần Thị Bình"}),
        "mine": take(world, "2026-03-05T08:00", applicant={"name": "Lê Văn Cường"}),
        "free": take(world, "2026-03-06T14:00"),
        "taken": take(world, "2026-03-11T10:00"),
        "decision": take(world, "2026-03-09T08:00"),
        "paused": take(world, "2026-03-10T08:00"),
        "ready": take(world, "2026-03-02T08:00"),
        "building": take(world, "2026-03-11T09:00", agency=world.building.code),
    }
    # Due times (4 working days): "mine" Wed 11 08:00 (overdue), "free" Thu 12 14:00 (today),
    # "decision" Fri 13 08:00, "taken" Tue 17 10:00 (within the time limit).
    forwarded = {
        "mine": "2026-03-05T09:00",
        "free": "2026-03-06T15:00",
        "taken": "2026-03-11T14:00",
        "decision": "2026-03-09T10:00",
        "paused": "2026-03-10T09:00",
        "ready": "2026-03-02T09:00",
        "building": "2026-03-11T10:00",
    }
    for name, when in forwarded.items():
        perform(codes[name], "forward", r, {}, now=local(when))
    perform(
        codes["mine"], "assign", lead, {"assignee": "specialist"}, now=local("2026-03-05T10:00")
    )
    perform(
        codes["taken"], "assign", lead, {"assignee": "specialist2"}, now=local("2026-03-11T15:00")
    )
    perform(codes["decision"], "forward", s, {}, now=local("2026-03-10T09:00"))
    perform(
        codes["paused"],
        "request_supplement",
        s,
        {"items": ["Tờ khai"]},
        now=local("2026-03-11T09:00"),
    )
    perform(codes["ready"], "forward", s, {}, now=local("2026-03-03T09:00"))
    perform(codes["ready"], "approve", lead, {}, now=local("2026-03-03T10:00"))
    return codes
