"""Who may call the dossier API: bearer tokens, sessions with CSRF, and nobody else."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from motcua.core.errors import NotFound, ValidationFailed
from motcua.identity.models import ApiToken
from motcua.identity.tokens import create_token, revoke_token

from . import test_api_support as support
from .conftest import World
from .test_api_support import Api

pytestmark = pytest.mark.django_db
anonymous = support.anonymous
api_as = support.api_as
received = support.received


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "dossiers"),
        ("get", "dossiers/000.00.02.H99-260310-0001"),
        ("get", "dossiers/000.00.02.H99-260310-0001/events"),
        ("post", "dossiers"),
        ("post", "dossiers/000.00.02.H99-260310-0001/actions/comment"),
    ],
)
def test_without_credentials_every_official_endpoint_is_401(
    world: World, anonymous: Api, method: str, path: str
) -> None:
    response = getattr(anonymous, method)(path)
    body = _problem(response, 401)
    assert body["type"].endswith("/unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_authenticates_and_records_its_use(
    world: World, api_as: Callable[[str], Api], received: Callable[..., Any]
) -> None:
    dossier = received()
    api = api_as("receiver")
    token = ApiToken.objects.get(user=world.users["receiver"])
    assert token.last_used_at is None
    response = api.get("dossiers")
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["items"]] == [dossier.code]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer mc_not-a-token", "Bearer ", "Bearer nonsense", "bearer mc_" + "x" * 300],
)
def test_an_invalid_token_is_401_and_does_not_fall_back_to_the_session(
    world: World, header: str
) -> None:
    client = Client()
    client.force_login(world.users["receiver"])  # a session exists, yet the token decides
    response = client.get("/api/v1/dossiers", headers={"Authorization": header})
    body = _problem(response, 401)
    assert "token" in body["detail"].lower() or "log in" in body["detail"].lower()


def test_revoked_tokens_and_deactivated_accounts_stop_working(world: World) -> None:
    _, secret = create_token("receiver", "desk script")
    _, other = create_token("specialist", "desk script")
    headers = {"Authorization": f"Bearer {secret}"}
    assert Client().get("/api/v1/dossiers", headers=headers).status_code == 200
    revoke_token("receiver", "desk script")
    _problem(Client().get("/api/v1/dossiers", headers=headers), 401)
    specialist = world.users["specialist"]
    specialist.is_active = False
    specialist.save()
    _problem(Client().get("/api/v1/dossiers", headers={"Authorization": f"Bearer {other}"}), 401)


def test_only_the_digest_of_the_secret_is_stored(world: World) -> None:
    token, secret = create_token("leader", "reporting")
    assert secret.startswith("mc_") and len(secret) > 40
    row = ApiToken.objects.values().get(pk=token.pk)
    assert secret not in {str(v) for v in row.values()}
    assert row["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row["prefix"])


def test_token_names_are_unique_per_user_while_active(world: World) -> None:
    create_token("leader", "reporting")
    with pytest.raises(ValidationFailed) as error:
        create_token("leader", "reporting")
    assert [e.field for e in error.value.errors] == ["name"]
    revoke_token("leader", "reporting")
    create_token("leader", "reporting")  # a revoked token frees its name
    with pytest.raises(ValidationFailed) as error:
        create_token("nobody", " ")
    assert sorted(e.field for e in error.value.errors) == ["name", "username"]
    with pytest.raises(NotFound):
        revoke_token("leader", "no such token")


def test_session_reads_need_no_csrf_but_writes_do(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["receiver"])
    assert client.get("/api/v1/dossiers").status_code == 200
    body = {"action": "receive", **world.counter_data()}
    response = client.post(
        "/api/v1/dossiers", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    problem = _problem(response, 403)
    assert "CSRF" in problem["detail"]
    # The CSRF cookie and the same secret in the header, as the web pages' scripts send it.
    csrf = "k" * 32
    client.cookies["csrftoken"] = csrf
    response = client.post(
        "/api/v1/dossiers", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "received"


def test_a_bearer_token_needs_no_csrf_even_beside_a_session_cookie(world: World) -> None:
    _, secret = create_token("receiver", "integration")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["specialist"])
    response = client.post(
        "/api/v1/dossiers",
        {"action": "receive", **world.counter_data()},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["steps"][0]["assignee"]["username"] == "receiver"


def test_commands_print_the_secret_once_and_revoke(world: World) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", "receiver", "national portal", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("mc_") and "\n" not in secret
    assert "national portal" in err.getvalue()
    assert (
        Client().get("/api/v1/dossiers", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    out = io.StringIO()
    call_command("revoke_token", "receiver", "national portal", stdout=out)
    assert "Đã thu hồi" in out.getvalue()  # the commands speak Vietnamese
    assert (
        Client().get("/api/v1/dossiers", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )


def test_commands_report_errors_with_exit_code_2(world: World) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("create_token", "nobody", "x", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 2
    assert "username" in err.getvalue()
    with pytest.raises(SystemExit) as exit_:
        call_command("revoke_token", "receiver", "x", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_.value.code == 2


def test_the_portal_token_submits_for_applicants_and_sees_only_its_own(
    world: World, received: Callable[..., Any]
) -> None:
    from django.contrib.auth.models import Permission

    from motcua.identity.models import User

    portal = User.objects.create_user("cong-dvc", password="x", full_name="Cổng DVC")
    portal.user_permissions.add(Permission.objects.get(codename="submit_for_applicant"))
    _, secret = create_token("cong-dvc", "national portal")
    portal_api = Api(Client(), secret)
    counter_dossier = received()
    response = portal_api.post(
        "dossiers", {"action": "submit", "channel": "online", **world.counter_data()}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["channel"]) == ("submitted", "online")
    assert body["receiving_centre"]["code"] == world.centre.code
    listed = [d["code"] for d in portal_api.get("dossiers").json()["items"]]
    assert listed == [body["code"]]
    assert portal_api.get(f"dossiers/{counter_dossier.code}").status_code == 404
    # Receiving at the counter is an official's act.
    refused = portal_api.post("dossiers", {"action": "receive", **world.counter_data()})
    assert refused.status_code == 403


def test_an_official_is_not_asked_for_the_portal_permission(world: World) -> None:
    """Only an account without roles may be the portal: an official's requests do not load its
    permissions (two queries on every intake and action otherwise)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.dossiers.actor import Actor

    with CaptureQueriesContext(connection) as captured:
        actor = Actor.for_user(world.users["receiver"])
    assert actor.kind == "official"
    assert not [q for q in captured.captured_queries if "auth_permission" in q["sql"]]
