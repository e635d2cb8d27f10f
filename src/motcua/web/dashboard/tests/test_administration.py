"""``/quan-tri/`` and the admin pages it links to, as a province administrator and as an
agency administrator: each opens, in the site's look, and shows only the agencies and officials
the account administers."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from motcua.identity.models import User

from .conftest import World, html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("motcua_admin_templates")]


def admin_client(user: User, language: str = "en") -> Client:
    # The admin follows the browser's language (the site's pages follow the switch).
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def task_links(page: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="(/admin/[^"]+)"', page)]


def listed(page: str) -> int:
    """The count Django's change list prints at its foot ("3 agencies")."""
    match = re.search(r'<p class="paginator">\s*(?:<[^>]+>[^<]*)*?(\d+) ', page, re.S)
    assert match, "no paginator"
    return int(match.group(1))


def test_the_agency_administrator_home_and_every_page_it_links_to(
    admins: dict[str, Any], world: World
) -> None:
    client = admin_client(admins["agency"])
    page = html(client.get("/quan-tri/"))
    assert "You administer these agencies and every agency below them:" in page
    assert "Sở Tư pháp" in page
    links = task_links(page)
    assert "/admin/agencies/agency/" in links
    assert "/admin/identity/user/" in links
    assert "/admin/identity/user/add/" in links
    # The catalogue and the calendar are the province's.
    assert not any(link.startswith(("/admin/catalog/", "/admin/clock/")) for link in links)
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert "web/admin.css" in html(response), link


def test_the_province_administrator_sees_the_catalogue_and_the_calendar(
    admins: dict[str, Any], world: World
) -> None:
    client = admin_client(admins["province"])
    page = html(client.get("/quan-tri/"))
    links = task_links(page)
    for expected in (
        "/admin/agencies/agency/",
        "/admin/identity/user/",
        "/admin/catalog/procedure/",
        "/admin/catalog/procedureversion/",
        "/admin/catalog/field/",
        "/admin/clock/calendar/",
        "/admin/clock/calendarday/",
        "/admin/clock/calendarday/add/",
        "/admin/clock/calendarchange/",
    ):
        assert expected in links, expected
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
    # A change form of each kind opens: the procedure version with its workflow steps.
    version = client.get(f"/admin/catalog/procedureversion/{world.version.pk}/change/")
    assert version.status_code == 200
    assert "Thẩm định" in html(version)
    assert client.get(f"/admin/agencies/agency/{world.building.pk}/change/").status_code == 200
    user = world.users["builder"]
    assert client.get(f"/admin/identity/user/{user.pk}/change/").status_code == 200


def test_the_agency_administrator_is_limited_to_its_agency(
    admins: dict[str, Any], world: World
) -> None:
    client = admin_client(admins["agency"])
    agencies = html(client.get("/admin/agencies/agency/"))
    assert listed(agencies) == 1
    assert "Sở Tư pháp" in agencies and "Sở Xây dựng" not in agencies
    assert client.get(f"/admin/agencies/agency/{world.justice.pk}/change/").status_code == 200
    # Another agency, or another agency's official, does not exist for it.
    other = client.get(f"/admin/agencies/agency/{world.building.pk}/change/")
    assert other.status_code == 302
    users = html(client.get("/admin/identity/user/"))
    for name in ("specialist", "leader", "justice_admin"):
        assert f">{name}<" in users, name
    for name in ("builder", "builder_leader", "receiver", "province_admin"):
        assert f">{name}<" not in users, name
    builder = world.users["builder"]
    assert client.get(f"/admin/identity/user/{builder.pk}/change/").status_code == 302
    # An official's page shows only its roles at the agencies administered.
    leader = world.users["leader"]
    page = html(client.get(f"/admin/identity/user/{leader.pk}/change/"))
    assert "Sở Tư pháp" in page
    # Nor may it open the province's pages.
    for path in ("/admin/catalog/procedure/", "/admin/clock/calendarday/add/"):
        assert client.get(path).status_code == 403, path


def test_the_admin_is_styled_and_in_vietnamese(admins: dict[str, Any]) -> None:
    client = admin_client(admins["province"], language="vi")
    page = html(client.get("/admin/"))
    assert 'href="/static/web/admin.css"' in page
    assert 'class="motcua-brand"' in page
    assert 'href="/quan-tri/"' in page
    assert '<html lang="vi"' in page
    assert "Cơ quan" in page  # the agencies' verbose name
    assert "Administration" not in page.split("<body")[1]


def test_only_administrators_open_the_administration_home(
    world: World, as_user: Callable[[str], Client]
) -> None:
    for who in ("leader", "receiver", "inspector"):
        response = as_user(who).get("/quan-tri/")
        assert response.status_code == 403, who
    # And the admin site sends officials without an administrator role to its login.
    response = as_user("leader").get("/admin/agencies/agency/")
    assert response.status_code == 302
