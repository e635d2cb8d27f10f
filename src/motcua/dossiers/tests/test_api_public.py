"""The public lookup: no login, nothing personal, limited per client address; and the API-wide
refusal of the NUL character."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from motcua.dossiers.api_render import initials
from motcua.dossiers.services import perform
from motcua.identity.ratelimit import Rate, RateCounter, hit

from . import test_api_support as support
from .conftest import World, local
from .test_api_support import Api

pytestmark = pytest.mark.django_db
anonymous = support.anonymous
api_as = support.api_as
received = support.received


@pytest.fixture
def progressed(world: World, received: Callable[..., Any]) -> Any:
    """A dossier approved after passing through the centre and the department."""
    dossier = received(
        "2026-03-10T10:00",
        applicant={
            "name": "Nguyễn Văn An",
            "national_id": "082090001234",
            "phone": "0912345678",
            "email": "an.nguyen@example.vn",
            "address": "12 Lê Lợi, phường Mỹ Tho",
        },
        subject="Đăng ký khai sinh cho con",
    )
    perform(dossier.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    perform(
        dossier.code,
        "assign",
        world.actor("leader"),
        {"assignee": "specialist"},
        now=local("2026-03-10T14:30"),
    )
    perform(
        dossier.code,
        "forward",
        world.actor("specialist"),
        {"note": "Đề nghị phê duyệt"},
        now=local("2026-03-11T09:00"),
    )
    perform(
        dossier.code,
        "approve",
        world.actor("leader"),
        {"result": "Giấy khai sinh số 12"},
        now=local("2026-03-11T16:00"),
    )
    return dossier


def test_public_lookup_shows_progress_without_personal_data(
    world: World, progressed: Any, anonymous: Api
) -> None:
    response = anonymous.get(f"public/dossiers/{progressed.code}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == progressed.code
    assert body["applicant_initials"] == "N. V. A."
    assert (body["state"], body["timeliness"]) == ("result_ready", "early")
    assert body["procedure"]["code"] == world.version.procedure.code
    assert body["competent_agency"]["code"] == world.justice.code
    assert body["received_at"] == "2026-03-10T10:00:00+07:00"
    assert body["due_at"] == "2026-03-16T10:00:00+07:00"
    assert body["resolved_at"] == "2026-03-11T16:00:00+07:00"
    assert [(s["name"], s["agency"]["code"], s["timeliness"]) for s in body["steps"]] == [
        ("Tiếp nhận", world.centre.code, "on_time"),
        ("Thẩm định", world.justice.code, "early"),
        ("Phê duyệt", world.justice.code, "early"),
        ("Trả kết quả", world.centre.code, None),
    ]
    text = json.dumps(body, ensure_ascii=False)
    for secret in (
        "Nguyễn",
        "Văn An",
        "082090001234",
        "0912345678",
        "an.nguyen",
        "Lê Lợi",
        "khai sinh cho con",  # the subject may name people too
        "Đề nghị",  # officials' notes
        "Giấy khai sinh số",
    ):
        assert secret not in text, secret
    for official in world.users.values():
        assert official.username not in text
        assert official.display_name not in text
    assert "national_id" not in body and "applicant" not in body and "events" not in body


def test_public_lookup_needs_no_login_and_ignores_credentials(
    world: World, progressed: Any
) -> None:
    path = f"/api/v1/public/dossiers/{progressed.code}"
    assert Client().get(path).status_code == 200
    assert Client().get(path, headers={"Authorization": "Bearer nonsense"}).status_code == 200


def test_unknown_code_is_a_404_problem(world: World, anonymous: Api) -> None:
    response = anonymous.get("public/dossiers/000.00.02.H99-260310-0099")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_rate_limit_per_client_address(world: World, progressed: Any, settings: Any) -> None:
    settings.MOTCUA_PUBLIC_RATE_LIMIT = "3/minute"
    path = f"/api/v1/public/dossiers/{progressed.code}"
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(path)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["type"].endswith("/too-many-requests")
    # Unknown codes count too (no free enumeration), and another address has its own count.
    assert client.get(path + "X").status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.8").get(path).status_code == 200
    # X-Forwarded-For is ignored unless proxies are declared: it cannot reset the count.
    spoofed = client.get(path, headers={"X-Forwarded-For": "198.51.100.1"})
    assert spoofed.status_code == 429
    settings.NINJA_NUM_PROXIES = 1
    behind_proxy = client.get(path, headers={"X-Forwarded-For": "198.51.100.1"})
    assert behind_proxy.status_code == 200


def test_rate_windows_and_parsing(db: None) -> None:
    rate = Rate.parse("2/minute")
    assert (rate.limit, rate.period) == (2, 60)
    assert Rate.parse("100/h") == Rate(100, 3600)
    assert Rate.parse("10 / 30s") == Rate(10, 30)
    decisions = [hit("k", rate, now=1_000_000.0) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[-1].retry_after == 20  # the window opened at 999_960
    assert hit("k", rate, now=1_000_080.0).allowed  # the next window
    # Windows a day old are cleared as new ones open.
    hit("other", rate, now=1_000_080.0 + 86_400 * 2)
    assert not RateCounter.objects.filter(window_start__lt=1_000_000).exists()


@pytest.mark.parametrize("text", ["", "60", "sixty/minute", "5/fortnight"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(Exception, match="60/minute"):
        Rate.parse(text)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nguyễn Văn An", "N. V. A."),
        ("  trần   thị bích ", "T. T. B."),
        ("Đặng Ê-đê", "Đ. Ê."),
        ("Công ty TNHH (Việt Nam)", "C. T. T. V. N."),
        ("", ""),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


@given(st.text(max_size=60))
def test_initials_never_reveal_two_characters_of_a_word(name: str) -> None:
    masked = initials(name)
    for part in masked.split(" "):
        if part:
            assert len(part) == 2 and part.endswith(".")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/public/dossiers/abc%00def", None),
        ("get", "/api/v1/agencies?q=a%00b", None),
        ("get", "/api/v1/procedures?q=%00", None),
        ("post", "/api/v1/dossiers", '{"action": "receive", "procedure": "a\\u0000"}'),
        ("post", "/api/v1/calendar/due-time", '{"start": "x", "calendar": "\\u0000"}'),
    ],
)
def test_the_nul_character_is_refused_everywhere(
    world: World, method: str, path: str, body: str | None
) -> None:
    # PostgreSQL cannot compare text containing NUL: without this, a 500.
    client = Client()
    if body is None:
        response = client.get(path)
    else:
        response = client.post(path, body, content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] in ("path", "query", "body")


def test_an_escaped_backslash_before_u0000_is_not_a_nul(world: World, api_as: Any) -> None:
    api = api_as("receiver")
    response = api.client.post(
        "/api/v1/dossiers",
        '{"action": "receive", "procedure": "a\\\\u0000"}',
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["applicant"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agencies?page=1989233286610116608",
        "/api/v1/procedures?page=99999999999999999999",
        "/api/v1/divisions?page=-0000000000000000001",
    ],
)
def test_absurd_numbers_in_the_query_are_refused_everywhere(world: World, path: str) -> None:
    # The database's OFFSET overflows on such a page number: without this, a 500.
    response = Client().get(path)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["page"]


def test_a_lookup_reads_the_dossier_and_its_steps_only(
    world: World, progressed: Any, django_assert_num_queries: Any
) -> None:
    """Two statements once the client is counted (the rate limit counts in the process): no
    column of the answer left for a query of its own."""
    client = Client(REMOTE_ADDR="203.0.113.50")
    path = f"/api/v1/public/dossiers/{progressed.code}"
    first = client.get(path)
    assert first.status_code == 200
    with django_assert_num_queries(2):
        again = client.get(path)
    assert again.json() == first.json()
    assert again.json()["steps"] and again.json()["applicant_initials"] == "N. V. A."
