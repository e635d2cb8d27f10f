"""Officials' login: password then authenticator code, enrolment, lockout, logout."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from motcua.identity import totp
from motcua.identity.models import LoginAttempt, LoginResult, TotpDevice
from motcua.identity.selectors import current_code, device_of, secret_of
from motcua.identity.services import ensure_totp

from .conftest import World, english, html, local, log_in

pytestmark = pytest.mark.django_db
LOGIN = "/dang-nhap/"
CODE = "/dang-nhap/ma-xac-thuc/"
ENROL = "/dang-nhap/thiet-lap-xac-thuc/"


def _password(client: Client, username: str, password: str = "x", **extra: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_login_with_password_and_code_reaches_the_role_home(world: World) -> None:
    client = english()
    ensure_totp(world.users["receiver"])
    response = _password(client, "receiver")
    assert response.status_code == 302 and response["Location"] == CODE
    # Between the factors nobody is logged in: the home is still the portal's.
    assert "Find an administrative procedure" in html(client.get("/"))
    response = client.post(CODE, {"code": current_code("receiver")})
    assert response.status_code == 302 and response["Location"] == "/"
    page = html(client.get("/"))
    assert "Reception desk" in page and "Receiver" in page
    results = list(
        LoginAttempt.objects.filter(username="receiver")
        .order_by("at", "pk")
        .values_list("stage", "result")
    )
    assert results == [("password", "password_ok"), ("code", "succeeded")]


def test_wrong_password_says_so_without_telling_which_part(world: World) -> None:
    client = english()
    response = _password(client, "receiver", "wrong")
    assert response.status_code == 422
    assert "Wrong user name or password." in html(response)
    response = _password(client, "nobody", "x")
    assert response.status_code == 422
    assert "Wrong user name or password." in html(response)
    assert not client.session.get("_auth_user_id")
    assert LoginAttempt.objects.filter(result=LoginResult.FAILED).count() == 2


def test_inactive_user_cannot_log_in(world: World) -> None:
    user = world.users["receiver"]
    user.is_active = False
    user.save()
    assert _password(english(), "receiver").status_code == 422


def test_wrong_code_is_refused_and_a_used_code_cannot_be_replayed(world: World) -> None:
    ensure_totp(world.users["receiver"])
    client = english()
    _password(client, "receiver")
    code = current_code("receiver")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 422
    assert "Wrong code" in html(response)
    assert client.post(CODE, {"code": code}).status_code == 302
    # The same code, read over a shoulder, does not open a second session.
    other = english()
    _password(other, "receiver")
    response = other.post(CODE, {"code": code})
    assert response.status_code == 422
    assert "already been used" in html(response)


def test_code_with_spaces_is_accepted(world: World) -> None:
    ensure_totp(world.users["leader"])
    client = english()
    _password(client, "leader")
    code = current_code("leader")
    assert client.post(CODE, {"code": f"{code[:3]} {code[3:]}"}).status_code == 302


def test_code_page_without_a_password_step_goes_back_to_login(world: World) -> None:
    client = english()
    response = client.get(CODE)
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert client.post(CODE, {"code": "123456"})["Location"] == LOGIN


def test_pending_login_expires_after_five_minutes(world: World) -> None:
    ensure_totp(world.users["receiver"])
    client = english()
    with time_machine.travel(local("2026-03-10T09:00"), tick=False) as traveller:
        _password(client, "receiver")
        traveller.shift(timedelta(minutes=6))
        response = client.post(CODE, {"code": current_code("receiver")})
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_next_is_followed_only_within_the_site(world: World) -> None:
    ensure_totp(world.users["receiver"])
    client = english()
    _password(client, "receiver", next="/thu-tuc/")
    assert client.post(CODE, {"code": current_code("receiver")})["Location"] == "/thu-tuc/"
    evil = english()
    _password(evil, "leader", next="https://evil.example/phish")
    ensure_totp(world.users["leader"])
    assert evil.post(CODE, {"code": current_code("leader")})["Location"] == "/"


def test_first_login_enrols_an_authenticator_with_a_qr_code(world: World) -> None:
    client = english()
    response = _password(client, "specialist")
    assert response.status_code == 302 and response["Location"] == ENROL
    page = html(client.get(ENROL))
    assert "<svg" in page and 'class="qr"' in page
    shown = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page)
    assert shown is not None
    secret = shown.group(1).replace(" ", "")
    device = device_of(world.users["specialist"])
    assert device is not None and not device.is_confirmed
    # Stored sealed: the database does not hold the secret in clear.
    assert secret not in device.sealed_secret and secret_of(device) == secret
    # Reloading shows the same secret (the app may already have scanned it).
    assert secret in html(client.get(ENROL)).replace(" ", "")
    assert (
        client.post(
            ENROL, {"code": "000000" if totp.code_at(secret) != "000000" else "111111"}
        ).status_code
        == 422
    )
    response = client.post(ENROL, {"code": totp.code_at(secret)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert device_of(world.users["specialist"]).is_confirmed
    # Never shown again: the next login asks for a code, the enrolment page refuses.
    client.post("/dang-xuat/")
    assert _password(client, "specialist")["Location"] == CODE
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"] == CODE


def test_lockout_after_five_failures_says_until_when_and_expires(world: World) -> None:
    ensure_totp(world.users["receiver"])
    client = english()
    with time_machine.travel(local("2026-03-10T09:00"), tick=False) as traveller:
        for _ in range(4):
            assert _password(client, "receiver", "wrong").status_code == 422
            traveller.shift(timedelta(seconds=30))
        response = _password(client, "receiver", "wrong")
        assert response.status_code == 429
        # Locked from the fifth failure (09:02) for 15 minutes.
        assert "locked until 09:17 on 10/03/2026" in html(response)
        # Even the right password is refused while locked, and that does not extend the lock.
        traveller.shift(timedelta(minutes=10))
        response = _password(client, "receiver", "x")
        assert response.status_code == 429 and "09:17" in html(response)
        traveller.shift(timedelta(minutes=5, seconds=1))
        response = _password(client, "receiver", "x")
        assert response.status_code == 302
    assert LoginAttempt.objects.filter(result=LoginResult.LOCKED).count() == 1


def test_failed_codes_count_towards_the_lockout_and_success_resets(world: World) -> None:
    ensure_totp(world.users["receiver"])
    client = english()
    with time_machine.travel(local("2026-03-10T09:00"), tick=False) as traveller:
        for _ in range(4):
            _password(client, "receiver", "wrong")
        log_in(client, world.users["receiver"])  # the fifth attempt succeeds: counts reset
        client.post("/dang-xuat/")
        traveller.shift(timedelta(minutes=1))
        for _ in range(4):
            assert _password(client, "receiver", "wrong").status_code == 422
        _password(client, "receiver")
        response = client.post(CODE, {"code": "abcdef"})
        assert response.status_code == 429


def test_lockout_by_client_address_covers_every_user_name(world: World) -> None:
    client = english()
    for name in ["a", "b", "c", "d", "e"]:
        _password(client, name, "wrong")
    response = _password(client, "receiver", "x")
    assert response.status_code == 429
    # Another address is not locked.
    other = english(REMOTE_ADDR="10.0.0.9")
    assert _password(other, "receiver", "x").status_code == 302


def test_logout_is_a_post(world: World, as_official: object) -> None:
    client = as_official("receiver")  # type: ignore[operator]
    assert client.get("/dang-xuat/").status_code == 405
    assert "Reception desk" in html(client.get("/"))
    response = client.post("/dang-xuat/")
    assert response.status_code == 302
    assert "Find an administrative procedure" in html(client.get("/"))


def test_logged_in_user_visiting_login_goes_home(world: World, as_official: object) -> None:
    client = as_official("leader")  # type: ignore[operator]
    assert client.get(LOGIN)["Location"] == "/"


def test_admin_login_goes_through_the_two_factor_login(world: World) -> None:
    response = english().get("/admin/login/?next=/admin/agencies/")
    assert response.status_code == 302
    assert response["Location"] == "/dang-nhap/?next=%2Fadmin%2Fagencies%2F"


def test_session_lasts_a_working_day(world: World, as_official: object) -> None:
    from django.conf import settings

    client = as_official("receiver")  # type: ignore[operator]
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert client.session.get_expiry_age() == 8 * 3600
    assert TotpDevice.objects.filter(user=world.users["receiver"]).exists()


def test_an_official_without_admin_rights_is_told_so_not_looped(
    world: World, as_official: object
) -> None:
    client = as_official("receiver")  # type: ignore[operator]
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "may not use the administration" in html(response)
