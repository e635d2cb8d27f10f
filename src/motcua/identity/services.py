"""Logging in with two factors, and the lockout: the only writes of the login flow.

1. ``check_password`` — user name and password. A user with a confirmed authenticator goes on
   to ``check_code``; one without enrols first (``enrolment_secret`` then ``confirm_enrolment``).
2. Every attempt is recorded (``LoginAttempt``), whatever its outcome, and the lockout counts
   the failed ones (``selectors.locked_until``): a refused attempt is committed even though the
   caller gets an error, so the record is written in its own transaction before raising.

The interface logs the user in (Django's ``login``) only after ``check_code`` or
``confirm_enrolment`` succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from motcua.core.localtime import local

from . import totp
from .models import LoginAttempt, LoginResult, LoginStage, TotpDevice, User
from .sealing import seal
from .selectors import locked_until, purpose, secret_of


@dataclass
class LoginLocked(DomainError):
    """Too many failed attempts: refused until ``until`` without looking at the password."""

    until: datetime | None = None
    status = 429
    type_slug = "login-locked"
    title: ClassVar[str | Promise] = gettext_lazy("Login locked")


@dataclass(frozen=True)
class Client:
    """Where an attempt comes from: the address the lockout counts, and the browser's name."""

    ip: str
    user_agent: str = ""


def _locked_message(until: datetime) -> str:
    at = local(until)
    return _(
        "Too many failed attempts. Logging in is locked until %(time)s on %(date)s; "
        "try again then, or ask your administrator."
    ) % {"time": date_format(at, "H:i"), "date": date_format(at, "d/m/Y")}


def _record(
    username: str,
    client: Client,
    stage: str,
    result: str,
    user: User | None,
    now: datetime,
) -> None:
    LoginAttempt.objects.create(
        username=username[:150],
        ip=client.ip[:64],
        user=user,
        stage=stage,
        result=result,
        at=now,
        user_agent=client.user_agent[:200],
    )


def _refuse_if_locked(username: str, client: Client, stage: str, now: datetime) -> None:
    until = locked_until(username, client.ip, now)
    if until is not None:
        with transaction.atomic():
            _record(username, client, stage, LoginResult.LOCKED, None, now)
        raise LoginLocked(_locked_message(until), until=until)


def _failed(
    username: str, client: Client, stage: str, user: User | None, now: datetime, error: FieldError
) -> ValidationFailed | LoginLocked:
    """Record a failure; the error to raise (a lock when this failure started one)."""
    with transaction.atomic():
        _record(username, client, stage, LoginResult.FAILED, user, now)
    until = locked_until(username, client.ip, now)
    if until is not None:
        return LoginLocked(_locked_message(until), until=until)
    return ValidationFailed(error.message, [error])


def check_password(
    username: str, password: str, client: Client, now: datetime | None = None
) -> User:
    """The first factor. Returns the user; raises ``ValidationFailed`` (wrong name or password:
    the message does not say which) or ``LoginLocked``."""
    now = now or timezone.now()
    username = (username or "").strip()
    errors = []
    if not username:
        errors.append(FieldError("username", _("Enter your user name.")))
    if not password:
        errors.append(FieldError("password", _("Enter your password.")))
    if errors:
        raise ValidationFailed(_("Enter your user name and password."), errors)
    _refuse_if_locked(username, client, LoginStage.PASSWORD, now)
    user = authenticate(username=username, password=password)
    if not isinstance(user, User) or not user.is_active:
        raise _failed(
            username,
            client,
            LoginStage.PASSWORD,
            None,
            now,
            FieldError("password", _("Wrong user name or password.")),
        )
    with transaction.atomic():
        _record(username, client, LoginStage.PASSWORD, LoginResult.PASSWORD_OK, user, now)
    return user


def _active_user(user_id: Any) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("This login has expired; start again."))
    return user


def _code_error(message: str) -> FieldError:
    return FieldError("code", message)


def check_code(user_id: int, code: str, client: Client, now: datetime | None = None) -> User:
    """The second factor of a user whose password was just accepted. A code is accepted once:
    the same code (or an older one) is refused afterwards, so a code read over a shoulder is
    useless once typed."""
    now = now or timezone.now()
    user = _active_user(user_id)
    _refuse_if_locked(user.username, client, LoginStage.CODE, now)
    error: FieldError | None = None
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if device is None:
            raise Conflict(_("You have no authenticator yet: set one up first."))
        step = totp.matching_step(secret_of(device), code, now.timestamp())
        if step is None:
            error = _code_error(_("Wrong code. Type the 6 digits your app shows now."))
        elif step <= device.last_step:
            error = _code_error(_("This code has already been used; wait for the next one."))
        else:
            device.last_step = step
            device.save(update_fields=["last_step"])
            _record(user.username, client, LoginStage.CODE, LoginResult.SUCCEEDED, user, now)
    if error is not None:
        raise _failed(user.username, client, LoginStage.CODE, user, now, error)
    return user


@transaction.atomic
def enrolment_secret(user_id: int) -> tuple[User, str]:
    """The secret to show while ``user`` sets up its authenticator: the same one until it is
    confirmed (a reloaded page must not invalidate what the app already scanned). Refused once
    an authenticator is confirmed: the secret is never shown again."""
    user = _active_user(user_id)
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise Conflict(_("Your authenticator is already set up."))
    if device is None:
        device = TotpDevice.objects.create(
            user=user, sealed_secret=seal(totp.new_secret(), purpose(user.pk))
        )
    return user, secret_of(device)


def confirm_enrolment(user_id: int, code: str, client: Client, now: datetime | None = None) -> User:
    """Confirm the authenticator being set up with a code it shows; the user is then logged in."""
    now = now or timezone.now()
    user = _active_user(user_id)
    _refuse_if_locked(user.username, client, LoginStage.ENROLMENT, now)
    error: FieldError | None = None
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None or device.is_confirmed:
            raise Conflict(_("There is no authenticator being set up; start again."))
        step = totp.matching_step(secret_of(device), code, now.timestamp())
        if step is None:
            error = _code_error(
                _("Wrong code. Check that the app shows motcua and type its 6 digits.")
            )
        else:
            device.confirmed_at = now
            device.last_step = step
            device.save(update_fields=["confirmed_at", "last_step"])
            _record(user.username, client, LoginStage.ENROLMENT, LoginResult.SUCCEEDED, user, now)
    if error is not None:
        raise _failed(user.username, client, LoginStage.ENROLMENT, user, now, error)
    return user


@transaction.atomic
def ensure_totp(user: User) -> TotpDevice:
    """A confirmed authenticator for ``user`` (a new secret when it has none): demo and test
    accounts log in with ``motcua totp-code`` instead of enrolling a phone."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        device = TotpDevice.objects.create(
            user=user,
            sealed_secret=seal(totp.new_secret(), purpose(user.pk)),
            confirmed_at=timezone.now(),
        )
    elif not device.is_confirmed:
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
    return device


@transaction.atomic
def reset_totp(user: User) -> bool:
    """Forget ``user``'s authenticator (a lost phone): it enrols a new one at its next login.
    Returns whether there was one."""
    deleted, _detail = TotpDevice.objects.filter(user=user).delete()
    return deleted > 0
