"""Role homes: each official lands on what to do next, with counts from the dossiers it may
see — the same scoping as the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from motcua.agencies.models import RoleAssignment
from motcua.dossiers.services import intake, perform
from motcua.identity.models import User

from .conftest import World, html, local

pytestmark = pytest.mark.django_db
NOW = "2026-03-12T09:00"


def figure(page: str, label: str) -> int:
    """The number shown beside ``label`` in a figures list."""
    match = re.search(re.escape(label) + r"</dt><dd>([\d.]+)</dd>", page)
    assert match is not None, label
    return int(match.group(1).replace(".", ""))


def section(page: str, role: str) -> str:
    start = page.index(f'data-role="{role}"')
    return page[start : page.index("</section>", start)]


def badge_count(block: str, words: str) -> int:
    match = re.search(re.escape(words) + r"</span>\s*</dt><dd>([\d.]+)</dd>", block)
    assert match is not None, words
    return int(match.group(1))


@pytest.fixture
def desk(world: World) -> dict[str, str]:
    """At 2026-03-12 09:00: one dossier submitted online, one result ready, one overdue at the
    department's specialist step (assigned), one due today at the leader's step, one paused,
    one at another department (Sở Xây dựng)."""

    def take(when: str, action: str = "receive", **extra: Any) -> str:
        dossier, _ = intake(
            action, world.actor("receiver"), world.counter_data(**extra), now=local(when)
        )
        return dossier.code

    codes = {
        "online": take("2026-03-11T08:00", "submit", channel="online"),
        "ready": take("2026-03-02T08:00"),
        "overdue": take("2026-03-02T10:00"),
        "decision": take("2026-03-09T08:00"),
        "paused": take("2026-03-10T10:00"),
        "building": take("2026-03-11T09:00", agency=world.building.code),
    }
    r, s, lead = world.actor("receiver"), world.actor("specialist"), world.actor("leader")
    forwarded = {
        "ready": "2026-03-02T14:00",
        "overdue": "2026-03-02T14:00",
        "decision": "2026-03-09T10:00",
        "paused": "2026-03-10T14:00",
    }
    for name, when in forwarded.items():
        perform(codes[name], "forward", r, {}, now=local(when))
    perform(
        codes["overdue"], "assign", lead, {"assignee": "specialist"}, now=local("2026-03-02T15:00")
    )
    perform(codes["ready"], "forward", s, {}, now=local("2026-03-03T09:00"))
    perform(codes["ready"], "approve", lead, {}, now=local("2026-03-03T10:00"))
    perform(codes["decision"], "forward", s, {}, now=local("2026-03-10T09:00"))
    perform(
        codes["paused"],
        "request_supplement",
        s,
        {"items": ["Tờ khai"]},
        now=local("2026-03-11T09:00"),
    )
    return codes


def _home(client: Client) -> str:
    with time_machine.travel(local(NOW), tick=False):
        response = client.get("/")
    assert response.status_code == 200
    return html(response)


def test_receiver_sees_the_desk(
    world: World, desk: dict[str, str], as_official: Callable[[str], Client]
) -> None:
    client = as_official("receiver")
    page = section(_home(client), "receiver")
    assert figure(page, "Submitted online or by post, to check") == 1
    # The desk home's own counts: Sở Xây dựng's dossier waits to be sent on, the paused one
    # for its supplement.
    assert figure(page, "Received, to send for processing") == 1
    assert figure(page, "Awaiting a supplement") == 1
    assert figure(page, "Results to hand over") == 1
    assert figure(page, "Received today") == 0
    assert "Next: check the dossiers submitted online or by post." in page
    assert 'href="/mot-cua/"' in page
    perform(desk["online"], "receive", world.actor("receiver"), {}, now=local(NOW))
    page = section(_home(client), "receiver")
    assert figure(page, "Submitted online or by post, to check") == 0
    assert figure(page, "Received, to send for processing") == 2
    assert "Next: send the dossiers received at the desk for processing." in page


def test_specialist_sees_its_steps_by_due_state(
    world: World, desk: dict[str, str], as_official: Callable[[str], Client]
) -> None:
    page = section(_home(as_official("specialist")), "specialist")
    assert badge_count(page, "Overdue") == 1  # assigned to it, due long ago
    assert figure(page, "Unassigned steps at your agency") == 0
    assert "Next: the overdue steps first." in page
    other = section(_home(as_official("specialist2")), "specialist")
    assert badge_count(other, "Overdue") == 0 and "No step is assigned to you." in other


def test_leader_sees_its_agency(
    world: World, desk: dict[str, str], as_official: Callable[[str], Client]
) -> None:
    page = section(_home(as_official("leader")), "leader")
    assert figure(page, "Awaiting your decision") == 1
    assert badge_count(page, "Overdue") == 1
    assert badge_count(page, "Clock stopped") == 1
    open_total = sum(
        badge_count(page, w)
        for w in ["Overdue", "Due today", "Within the time limit", "Clock stopped"]
    )
    # The department's open dossiers: overdue, decision, paused (not the ready result, not the
    # online one not yet received, not the other department's).
    assert open_total == 3
    assert "Next: decide on the dossiers awaiting approval." in page


def test_homes_are_scoped_to_the_officials_agency(
    world: World, desk: dict[str, str], as_official: Callable[[str], Client]
) -> None:
    whole = _home(as_official("builder_leader"))
    page = section(whole, "leader")
    assert figure(page, "Awaiting your decision") == 0
    total = sum(
        badge_count(page, w)
        for w in ["Overdue", "Due today", "Within the time limit", "Clock stopped"]
    )
    assert total == 1  # only Sở Xây dựng's dossier
    assert 'data-role="receiver"' not in whole


def test_inspector_gets_search_and_reports(
    world: World, desk: dict[str, str], as_official: Callable[[str], Client]
) -> None:
    page = section(_home(as_official("inspector")), "overseer")
    assert 'href="/ho-so/"' in page and 'href="/dieu-hanh/"' in page
    total = sum(
        badge_count(page, w)
        for w in ["Overdue", "Due today", "Within the time limit", "Clock stopped"]
    )
    assert total == 4  # the whole province: the four open received dossiers


def test_admin_gets_administration_links(
    world: World, as_official: Callable[[str], Client]
) -> None:
    RoleAssignment.objects.create(
        official=world.users["inspector"], agency=world.justice, role="agency_admin"
    )
    page = _home(as_official("inspector"))
    assert 'href="/admin/agencies/agency/"' in page and 'href="/admin/catalog/procedure/"' in page


def test_header_names_the_official_its_roles_and_agency(
    world: World, as_official: Callable[[str], Client]
) -> None:
    page = _home(as_official("receiver"))
    header = page.split("</header>", 1)[0]
    assert "<strong>Receiver</strong>" in header  # the world's officials are named after logins
    assert "Trung tâm PVHCC tỉnh – Quầy 1" in header
    assert 'action="/dang-xuat/" method="post"' in header
    nav = page.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/mot-cua/"' in nav and 'href="/dieu-hanh/"' not in nav
    leader_nav = _home(as_official("leader")).split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/dieu-hanh/"' in leader_nav and 'href="/mot-cua/"' not in leader_nav


def test_user_without_a_role_is_told_so(world: World, as_official: Callable[[str], Client]) -> None:
    User.objects.create_user("nobody", password="x", full_name="Người Không Vai Trò")
    from .conftest import english, log_in

    client = english()
    log_in(client, User.objects.get(username="nobody"))
    page = _home(client)
    assert "No role yet" in page and "Người Không Vai Trò" in page
