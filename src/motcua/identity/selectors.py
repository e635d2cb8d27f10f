"""Reads for logging in: the lockout policy, whether a name or an address is locked, and the
state of an official's second factor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound

from . import totp
from .models import LoginAttempt, LoginResult, TotpDevice, User
from .sealing import unseal


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` failed attempts (password or code) within ``window`` lock a user name
    for ``lock_for``; ``ip_max_failures`` do the same for a client address. A successful login
    resets both counts."""

    max_failures: int = 5
    ip_max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)


def lockout_policy() -> LockoutPolicy:
    return LockoutPolicy(
        max_failures=max(1, int(getattr(settings, "MOTCUA_LOGIN_MAX_FAILURES", 5))),
        ip_max_failures=max(1, int(getattr(settings, "MOTCUA_LOGIN_IP_MAX_FAILURES", 5))),
        window=timedelta(minutes=float(getattr(settings, "MOTCUA_LOGIN_WINDOW_MINUTES", 15))),
        lock_for=timedelta(minutes=float(getattr(settings, "MOTCUA_LOGIN_LOCK_MINUTES", 15))),
    )


def _locked_until(
    key: dict[str, str], limit: int, policy: LockoutPolicy, now: datetime
) -> datetime | None:
    since = now - policy.window - policy.lock_for
    attempts = LoginAttempt.objects.filter(**key, at__gte=since, at__lte=now)
    last_success = (
        attempts.filter(result=LoginResult.SUCCEEDED).order_by("-at").values_list("at", flat=True)
    ).first()
    failures = attempts.filter(result=LoginResult.FAILED)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    times = list(failures.order_by("at").values_list("at", flat=True))
    until = None
    # Any ``limit`` consecutive failures within the window start a lock at the last of them.
    # Attempts refused while locked are recorded as "locked", not as failures: knocking on a
    # locked account does not push its lock further (a legitimate user is not kept out forever
    # by someone else's attempts, and the message's time stays true).
    for last in range(limit - 1, len(times)):
        if times[last] - times[last - limit + 1] <= policy.window:
            candidate = times[last] + policy.lock_for
            until = candidate if until is None or candidate > until else until
    return until if until is not None and until > now else None


def locked_until(username: str, ip: str, now: datetime) -> datetime | None:
    """Until when a login by ``username`` from ``ip`` is refused, or None if it is not."""
    policy = lockout_policy()
    by_name = _locked_until({"username": username}, policy.max_failures, policy, now)
    by_ip = _locked_until({"ip": ip}, policy.ip_max_failures, policy, now)
    locks = [t for t in (by_name, by_ip) if t is not None]
    return max(locks) if locks else None


def device_of(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user).first()


def has_confirmed_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def secret_of(device: TotpDevice) -> str:
    return unseal(device.sealed_secret, purpose(device.user_id))


def purpose(user_id: int) -> str:
    return f"totp:{user_id}"


def current_code(username: str, moment: float | None = None) -> str:
    """The code ``username``'s authenticator shows now (``motcua totp-code``, demo and tests)."""
    user = User.objects.filter(username=username).first()
    device = TotpDevice.objects.filter(user=user).first() if user is not None else None
    if user is None:
        raise NotFound(_("No user has user name %(u)r.") % {"u": username})
    if device is None:
        raise NotFound(_("%(u)s has no authenticator yet.") % {"u": username})
    return totp.code_at(secret_of(device), moment)


def recent_attempts(username: str, limit: int = 20) -> list[LoginAttempt]:
    return list(LoginAttempt.objects.filter(username=username).order_by("-at")[:limit])
