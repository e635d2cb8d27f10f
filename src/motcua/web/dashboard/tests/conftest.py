"""Fixtures of the dashboard's tests: the engine's small world (one province, its centre, the
Department of Justice, the Department of Construction, the tax office, officials in each role),
a March 2026 history made through the engine, and English clients logged in as its officials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.template.loader import get_template
from django.test import Client

from motcua.agencies.services import assign_role
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import intake, perform
from motcua.web.tests.conftest import World, _fresh_cache, english, html, local, log_in, world  # noqa: F401  # noqa: F401

NOW = "2026-03-20T10:00"  # a Friday: March is running, the figures are live
WEB_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def now() -> datetime:
    return local(NOW)


@pytest.fixture
def at_now() -> Iterator[None]:
    with time_machine.travel(now(), tick=False):
        yield


def _counter(world: World, when: str, **extra: Any) -> Dossier:  # noqa: F811
    dossier, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(**extra), now=local(when)
    )
    return dossier


def _act(world: World, d: Dossier, action: str, who: str, when: str, **data: Any) -> None:  # noqa: F811
    perform(d.code, action, world.actor(who), dict(data), now=local(when))


@pytest.fixture
def history(world: World) -> dict[str, Dossier]:  # noqa: F811
    """At Fri 20 Mar 2026 10:00 (4 working days = 32 working hours, 07:30–11:30, 13:00–17:00):

    Sở Tư pháp (justice)
      A  counter  Wed 25 Feb, approved Tue 3 Mar 08:30          carried over, on time
      C  counter  Fri 27 Feb, open, due Thu 5 Mar 08:00          carried over, overdue
      D  online   received Mon 2 Mar, approved Tue 3 Mar         early
      E  counter  Mon 9 Mar, approved Fri 13 Mar 10:00           late
      F  counter  Tue 10 Mar, supplement requested Wed 11 Mar    paused
      G  counter  Wed 11 Mar, open, due Tue 17 Mar 08:00         overdue
    Sở Xây dựng (building)
      N  counter  Thu 19 Mar, open                               within the time limit
      P  counter  Tue 17 Mar, approved Wed 18 Mar                early
    """
    d: dict[str, Dossier] = {}
    d["A"] = _counter(world, "2026-02-25T09:00")
    _act(world, d["A"], "forward", "receiver", "2026-02-25T10:00")
    _act(world, d["A"], "approve", "leader", "2026-03-03T08:30")
    d["C"] = _counter(world, "2026-02-27T08:00")
    _act(world, d["C"], "forward", "receiver", "2026-02-27T09:00")
    online, _ = intake(
        "submit",
        world.actor("receiver"),
        world.counter_data(channel="online"),
        now=local("2026-03-01T20:00"),
    )
    d["D"] = perform(
        online.code, "receive", world.actor("receiver"), {}, now=local("2026-03-02T08:00")
    )
    _act(world, d["D"], "forward", "receiver", "2026-03-02T09:00")
    _act(world, d["D"], "approve", "leader", "2026-03-03T10:00")
    d["E"] = _counter(world, "2026-03-09T08:00")
    _act(world, d["E"], "forward", "receiver", "2026-03-09T09:00")
    _act(world, d["E"], "approve", "leader", "2026-03-13T10:00")
    d["F"] = _counter(world, "2026-03-10T08:00")
    _act(world, d["F"], "forward", "receiver", "2026-03-10T09:00")
    _act(world, d["F"], "request_supplement", "specialist", "2026-03-11T08:00", items=["Tờ khai"])
    d["G"] = _counter(world, "2026-03-11T08:00")
    _act(world, d["G"], "forward", "receiver", "2026-03-11T09:00")
    d["N"] = _counter(world, "2026-03-19T08:00", agency=world.building.code)
    _act(world, d["N"], "forward", "receiver", "2026-03-19T09:00")
    d["P"] = _counter(world, "2026-03-17T08:00", agency=world.building.code)
    _act(world, d["P"], "forward", "receiver", "2026-03-17T09:00")
    _act(world, d["P"], "approve", "builder_leader", "2026-03-18T10:00")
    return {k: Dossier.objects.get(pk=v.pk) for k, v in d.items()}


@pytest.fixture
def as_user(world: World) -> Callable[[str], Client]:  # noqa: F811
    """``as_user("leader")``: an English client logged in as that official. ``force_login``
    stands for the two-factor login, which the foundation's tests cover (one test here goes
    through it)."""

    def make(username: str) -> Client:
        client = english()
        client.force_login(world.users[username])
        return client

    return make


@pytest.fixture
def admins(world: World) -> dict[str, Any]:  # noqa: F811
    """A province administrator (at the province's People's Committee) and an administrator of
    the Department of Justice, given their roles through the service (groups, staff flag)."""
    from motcua.agencies.models import Agency
    from motcua.identity.models import User

    root = Agency.objects.get(code="000.00.00.H99")
    province = User.objects.create_user("province_admin", password="x", full_name="Province Admin")
    agency = User.objects.create_user("justice_admin", password="x", full_name="Justice Admin")
    assign_role(province, root, "province_admin")
    assign_role(agency, world.justice, "agency_admin")
    world.users["province_admin"] = User.objects.get(pk=province.pk)
    world.users["justice_admin"] = User.objects.get(pk=agency.pk)
    return {"province": world.users["province_admin"], "agency": world.users["justice_admin"]}


@pytest.fixture
def motcua_admin_templates(settings: Any) -> None:
    """The admin's look (``templates/admin/base_site.html``) wins over Django's own only when
    ``motcua.web`` comes before ``django.contrib.admin`` in INSTALLED_APPS; until the settings
    say so, the tests put the web templates first in DIRS, which has the same effect."""
    origin = str(get_template("admin/base_site.html").origin.name)  # type: ignore[attr-defined]
    if origin.startswith(str(WEB_TEMPLATES)):
        return
    engines = [dict(engine) for engine in settings.TEMPLATES]
    engines[0]["DIRS"] = [WEB_TEMPLATES, *engines[0].get("DIRS", [])]
    settings.TEMPLATES = engines
