"""Fixtures of the web tests: the dossier engine's small world (reused from its tests), clients
that chose English (the msgids, so assertions do not depend on the Vietnamese catalogue), and
logging in through the real two-factor flow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from motcua.dossiers.tests.conftest import World, local, world  # noqa: F401
from motcua.identity.models import User
from motcua.identity.selectors import current_code
from motcua.identity.services import ensure_totp

PASSWORD = "x"  # the world's officials' password


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Popular procedures and published statistics are cached per process.
    cache.clear()
    yield
    cache.clear()


def english(**defaults: Any) -> Client:
    """A client that chose English with the language switch (pages ignore the browser's
    Accept-Language: Vietnamese unless switched)."""
    client = Client(**defaults)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def client_en() -> Client:
    return english()


def log_in(client: Client, user: User, password: str = PASSWORD) -> None:
    """The whole flow: password, then the current code of the user's authenticator."""
    ensure_totp(user)
    response = client.post("/dang-nhap/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content
    assert response["Location"] == "/dang-nhap/ma-xac-thuc/"
    response = client.post("/dang-nhap/ma-xac-thuc/", {"code": current_code(user.username)})
    assert response.status_code == 302, response.content


@pytest.fixture
def as_official(world: World) -> Callable[[str], Client]:  # noqa: F811
    """``as_official("receiver")``: an English client logged in as that official of the world."""

    def make(username: str) -> Client:
        client = english()
        log_in(client, world.users[username])
        return client

    return make


def html(response: Any) -> str:
    return response.content.decode("utf-8")
