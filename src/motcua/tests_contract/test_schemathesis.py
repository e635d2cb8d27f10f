"""The HTTP API against its own OpenAPI document, with schemathesis.

Every operation of ``/api/v1/openapi.json`` is called in-process through the WSGI application,
with generated valid and invalid input, as officials of the test world (bearer tokens of a
receiver, a specialist and a leader) and on dossiers that exist in several states. Checked:
never a 5xx, and every response — status code, content type and body — as the document
declares it. The number of examples per operation is bounded so that ``make test`` stays fast
on both databases.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from motcua.dossiers.services import intake, perform
from motcua.dossiers.tests import conftest as dossier_world
from motcua.dossiers.tests.conftest import World, local
from motcua.identity.tokens import create_token
from motcua.rest import api
from motcua.wsgi import application

pytestmark = pytest.mark.django_db
world = dossier_world.world  # the engine tests' small province

EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The operations, from the document the application serves (built without a request, so that
# collecting needs neither the database nor a server).
OPERATIONS = [
    (path, method)
    for path, methods in api.get_openapi_schema(path_prefix="/api/v1/")["paths"].items()
    for method in methods
]


@pytest.fixture(scope="session")
def api_schema(django_db_setup: None, django_db_blocker: Any) -> Any:
    """The document as a client gets it: ``GET /api/v1/openapi.json`` on the WSGI application
    (whose middleware may read the test database, e.g. for the session)."""
    with django_db_blocker.unblock():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # a malformed operation fails every test, loudly
            raise result.err()
    return schema


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Requests go straight to the WSGI application, as the Django test client's do, but
    without the client's care: Django would close the test's connection at the end of each
    request, and with it the transaction the test's data lives in."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def contract_world(world: World, in_test_transaction: None, settings: Any) -> dict[str, Any]:
    """Dossiers in several states, and the tokens of three officials."""
    # The public lookup's limit would otherwise turn most of its examples into 429s.
    settings.MOTCUA_PUBLIC_RATE_LIMIT = "100000/minute"
    receiver, leader = world.actor("receiver"), world.actor("leader")

    def take(when: str, action: str = "receive", **extra: Any) -> str:
        dossier, _ = intake(action, receiver, world.counter_data(**extra), now=local(when))
        return dossier.code

    received = take("2026-03-10T10:00")
    submitted = take("2026-03-10T11:00", "submit", channel="online")
    in_progress = take("2026-03-11T09:00")
    perform(in_progress, "forward", receiver, {}, now=local("2026-03-11T10:00"))
    approved = take("2026-03-11T10:00")
    perform(approved, "forward", receiver, {}, now=local("2026-03-11T10:30"))
    perform(approved, "forward", world.actor("specialist"), {}, now=local("2026-03-11T14:00"))
    perform(approved, "approve", leader, {}, now=local("2026-03-11T15:00"))
    paused = take("2026-03-11T11:00")
    perform(paused, "forward", receiver, {}, now=local("2026-03-11T11:10"))
    perform(paused, "suspend", leader, {"reason": "chờ nộp thuế"}, now=local("2026-03-11T13:30"))
    tokens = [
        create_token(name, "schemathesis")[1] for name in ("receiver", "specialist", "leader")
    ]
    return {"tokens": tokens, "codes": [received, submitted, in_progress, approved, paused]}


def _pick(case: Any, choices: list[str], salt: str) -> str:
    """One of ``choices``, derived from the generated case, so that a failing example replays
    with the same choice."""
    seed = repr((salt, case.path_parameters, case.query, case.body))
    return choices[zlib.crc32(seed.encode("utf-8", "surrogatepass")) % len(choices)]


def _known_code(case: Any, codes: list[str]) -> None:
    """Most dossier paths get an existing code: a random one only ever finds a 404."""
    if "code" in (case.path_parameters or {}) and "dossiers" in case.path:
        code = _pick(case, [*codes, ""], "code")
        if code:
            case.path_parameters["code"] = code


@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS]
)
def test_api_conforms_to_its_openapi_document(
    path: str, method: str, api_schema: Any, contract_world: dict[str, Any]
) -> None:
    operation = api_schema[path][method]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            _known_code(case, contract_world["codes"])
            token = _pick(case, contract_world["tokens"], "token")  # receiver, specialist, leader
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # Nothing in the operation can be made invalid (only free-text path parameters).
            assert mode == GenerationMode.NEGATIVE
