"""Shared fixtures of the API tests: officials' tokens and a client that sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from motcua.dossiers.services import intake
from motcua.identity.tokens import create_token

from .conftest import World, local


class Api:
    """The test client, speaking JSON to /api/v1/ as one official (bearer token)."""

    def __init__(self, client: Client, secret: str | None) -> None:
        self.client = client
        self.headers: dict[str, str] = {"Accept-Language": "en"}
        if secret:
            self.headers["Authorization"] = f"Bearer {secret}"

    def get(self, path: str, params: Any = None, **headers: str) -> Any:
        return self.client.get(f"/api/v1/{path}", params or {}, headers={**self.headers, **headers})

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            f"/api/v1/{path}",
            body if body is not None else {},
            content_type="application/json",
            headers={**self.headers, **headers},
        )


@pytest.fixture
def api_as(world: World) -> Callable[[str], Api]:
    """``api_as("receiver")``: a client authenticated with a fresh token of that official."""

    secrets: dict[str, str] = {}

    def make(username: str) -> Api:
        if username not in secrets:
            secrets[username] = create_token(username, "tests")[1]
        return Api(Client(), secrets[username])

    return make


@pytest.fixture
def anonymous() -> Api:
    return Api(Client(), None)


@pytest.fixture
def received(world: World) -> Callable[..., Any]:
    """A dossier received at the counter through the engine (not the API under test)."""

    def make(when: str = "2026-03-10T10:00", **extra: Any) -> Any:
        dossier, _ = intake(
            "receive", world.actor("receiver"), world.counter_data(**extra), now=local(when)
        )
        return dossier

    return make
