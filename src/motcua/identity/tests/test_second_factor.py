"""Sealed secrets, the lockout's counting, the authenticator services and ``totp-code``."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from motcua.core.errors import Conflict, ValidationFailed
from motcua.core.localtime import LOCAL_TZ
from motcua.identity import sealing, totp
from motcua.identity.models import LoginAttempt, LoginResult, TotpDevice, User
from motcua.identity.selectors import locked_until, secret_of
from motcua.identity.services import (
    Client,
    LoginLocked,
    check_code,
    check_password,
    confirm_enrolment,
    enrolment_secret,
    ensure_totp,
    reset_totp,
)

pytestmark = pytest.mark.django_db
HERE = Client(ip="192.0.2.10", user_agent="pytest")


@pytest.fixture
def official() -> User:
    return User.objects.create_user("can.bo", password="mat-khau-dai", full_name="Cán Bộ")


def test_sealed_values_open_only_for_their_owner_and_key() -> None:
    sealed = sealing.seal("JBSWY3DPEHPK3PXP", "totp:1")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert sealing.unseal(sealed, "totp:1") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(sealing.Unsealable):
        sealing.unseal(sealed, "totp:2")  # copied onto another user's row
    with pytest.raises(sealing.Unsealable):
        sealing.unseal(sealed[:-4] + "AAAA", "totp:1")  # tampered
    with pytest.raises(sealing.Unsealable):
        sealing.unseal("garbage", "totp:1")


def test_a_rotated_secret_key_still_opens_old_values(settings: object) -> None:
    with override_settings(SECRET_KEY="old-key-" + "x" * 40):
        sealed = sealing.seal("SECRET", "totp:1")
    with override_settings(
        SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=["old-key-" + "x" * 40]
    ):
        assert sealing.unseal(sealed, "totp:1") == "SECRET"
    with (
        override_settings(SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(sealing.Unsealable),
    ):
        sealing.unseal(sealed, "totp:1")


def test_a_dedicated_key_takes_precedence(settings: object) -> None:
    with override_settings(MOTCUA_SECRETS_KEY="dedicated-" + "z" * 40):
        sealed = sealing.seal("SECRET", "totp:1")
        with override_settings(SECRET_KEY="changed-" + "q" * 40):
            assert sealing.unseal(sealed, "totp:1") == "SECRET"


def _at(minutes: float) -> datetime:
    return datetime(2026, 3, 10, 9, 0, tzinfo=LOCAL_TZ) + timedelta(minutes=minutes)


def _fail(username: str, ip: str, minutes: float) -> None:
    LoginAttempt.objects.create(
        username=username, ip=ip, stage="password", result=LoginResult.FAILED, at=_at(minutes)
    )


def test_five_failures_within_the_window_lock_from_the_fifth() -> None:
    for m in (0, 1, 2, 3):
        _fail("a", "1.1.1.1", m)
    assert locked_until("a", "9.9.9.9", _at(4)) is None
    _fail("a", "1.1.1.1", 14)
    assert locked_until("a", "9.9.9.9", _at(14)) == _at(29)
    assert locked_until("a", "9.9.9.9", _at(28.9)) == _at(29)
    assert locked_until("a", "9.9.9.9", _at(29)) is None


def test_failures_spread_beyond_the_window_do_not_lock() -> None:
    for m in (0, 5, 10, 15, 20, 25):
        _fail("a", "1.1.1.1", m)
    # Any five consecutive span 20 minutes: more than the 15-minute window.
    assert locked_until("a", "8.8.8.8", _at(25)) is None


def test_a_success_resets_the_count() -> None:
    for m in (0, 1, 2, 3):
        _fail("a", "1.1.1.1", m)
    LoginAttempt.objects.create(
        username="a", ip="1.1.1.1", stage="code", result=LoginResult.SUCCEEDED, at=_at(3.5)
    )
    _fail("a", "1.1.1.1", 4)
    assert locked_until("a", "1.1.1.1", _at(4)) is None


@override_settings(MOTCUA_LOGIN_IP_MAX_FAILURES=20)
def test_the_address_limit_is_configurable() -> None:
    for i in range(6):
        _fail(f"user{i}", "10.0.0.1", i)
    assert locked_until("someone", "10.0.0.1", _at(6)) is None
    assert locked_until("user0", "10.0.0.2", _at(6)) is None


def test_password_check_records_and_locks(official: User) -> None:
    for i in range(4):
        with pytest.raises(ValidationFailed):
            check_password("can.bo", "sai", HERE, now=_at(i))
    with pytest.raises(LoginLocked) as locked:
        check_password("can.bo", "sai", HERE, now=_at(4))
    assert locked.value.until == _at(19)
    with pytest.raises(LoginLocked):
        check_password("can.bo", "mat-khau-dai", HERE, now=_at(10))
    assert check_password("can.bo", "mat-khau-dai", HERE, now=_at(19)) == official
    counts = {
        r: LoginAttempt.objects.filter(result=r).count()
        for r in ("failed", "locked", "password_ok")
    }
    assert counts == {"failed": 5, "locked": 1, "password_ok": 1}
    assert LoginAttempt.objects.filter(ip="192.0.2.10", user_agent="pytest").count() == 7


def test_empty_fields_are_named(official: User) -> None:
    with pytest.raises(ValidationFailed) as error:
        check_password("  ", "", HERE)
    assert [e.field for e in error.value.errors] == ["username", "password"]
    assert not LoginAttempt.objects.exists()


def test_enrolment_keeps_its_secret_until_confirmed_and_never_shows_it_after(
    official: User,
) -> None:
    _user, secret = enrolment_secret(official.pk)
    assert enrolment_secret(official.pk)[1] == secret
    now = _at(0)
    with pytest.raises(ValidationFailed):
        confirm_enrolment(
            official.pk,
            "000000" if totp.code_at(secret, now.timestamp()) != "000000" else "111111",
            HERE,
            now=now,
        )
    confirm_enrolment(official.pk, totp.code_at(secret, now.timestamp()), HERE, now=now)
    with pytest.raises(Conflict):
        enrolment_secret(official.pk)
    # The enrolment code was consumed: it cannot log in a second time.
    with pytest.raises(ValidationFailed):
        check_code(official.pk, totp.code_at(secret, now.timestamp()), HERE, now=now)
    later = now + timedelta(seconds=30)
    assert (
        check_code(official.pk, totp.code_at(secret, later.timestamp()), HERE, now=later)
        == official
    )


def test_check_code_without_an_authenticator_is_a_conflict(official: User) -> None:
    with pytest.raises(Conflict):
        check_code(official.pk, "123456", HERE)


def test_ensure_totp_is_idempotent_and_reset_forgets(official: User) -> None:
    first = ensure_totp(official)
    assert first.is_confirmed
    assert ensure_totp(official).sealed_secret == first.sealed_secret
    assert reset_totp(official) is True
    assert not TotpDevice.objects.filter(user=official).exists()
    assert reset_totp(official) is False
    _user, secret = enrolment_secret(official.pk)
    assert ensure_totp(official).is_confirmed and secret_of(ensure_totp(official)) == secret


def test_totp_code_command_refuses_without_debug(official: User) -> None:
    ensure_totp(official)
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("totp_code", "can.bo", stdout=StringIO(), stderr=err)
    assert exited.value.code == 2
    assert "DEBUG" in err.getvalue()


def test_totp_code_command_prints_the_current_code_with_debug(official: User) -> None:
    ensure_totp(official)
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("totp_code", "can.bo", stdout=out)
    printed = out.getvalue().strip()
    assert len(printed) == 6 and printed.isdigit()
    device = TotpDevice.objects.get(user=official)
    assert totp.matching_step(secret_of(device), printed) is not None


def test_totp_code_command_for_an_unknown_user(official: User) -> None:
    err = StringIO()
    with override_settings(DEBUG=True), pytest.raises(SystemExit):
        call_command("totp_code", "nobody", stdout=StringIO(), stderr=err)
    assert "nobody" in err.getvalue()
