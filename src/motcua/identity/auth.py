"""How the HTTP API knows who calls: a bearer token (integrations) or the Django session (the
web pages' own scripts), and a per-client rate limit for the public endpoints.

A session rides on a cookie the browser sends by itself, so unsafe methods must also carry the
CSRF token; a bearer token is sent deliberately and needs none. A token that is sent but not
valid is refused outright (401) rather than falling back to the session: a misconfigured
integration should fail loudly, not act as whoever last logged in on that browser.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from motcua.core.errors import DomainError, PermissionDenied

from .ratelimit import BatchedCounter, Rate, hit
from .tokens import user_for_secret

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class InvalidToken(AuthenticationError):
    """A bearer token was sent and is not valid (the message says so, unlike a missing one)."""


class TokenAuth(HttpBearer):
    """``Authorization: Bearer mc_…`` (``motcua create-token``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_secret(token.strip())
        if user is None:
            raise InvalidToken(401, _("The access token is not valid (unknown, or revoked)."))
        return user


class SessionAuth(APIKeyCookie):
    """The Django session of a logged-in official; CSRF checked on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # CSRF is checked below, only once the cookie has identified someone: an anonymous
        # request gets 401, not a CSRF error that would hide what is actually missing.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied(
                _("The CSRF token is missing or wrong: reload the page and try again.")
            )
        return user


OFFICIAL_AUTH = [TokenAuth(), SessionAuth()]

DEFAULT_PUBLIC_RATE = "60/minute"


class ClientRateThrottle(BaseThrottle):
    """At most ``MOTCUA_PUBLIC_RATE_LIMIT`` requests per client IP (default 60/minute), counted
    in the database so that every worker shares the count.

    The client is REMOTE_ADDR. Behind reverse proxies, set ``NINJA_NUM_PROXIES`` to their
    number and the address they append to X-Forwarded-For is used instead; without it the
    header is ignored, since any client can write one to escape the limit."""

    def __init__(
        self,
        scope: str,
        setting: str = "MOTCUA_PUBLIC_RATE_LIMIT",
        counter: BatchedCounter | None = None,
    ) -> None:
        self.scope = scope
        self.setting = setting
        # None: every request counted in the database (``ratelimit.hit``: exact, for logins);
        # a ``BatchedCounter`` for the busy public lookup.
        self.counter = counter
        # One throttle object serves every request of its operation, possibly on threads.
        self._local = threading.local()

    def get_ident(self, request: HttpRequest) -> str | None:
        from ninja.conf import settings as ninja_settings

        if not ninja_settings.NUM_PROXIES:
            return request.META.get("REMOTE_ADDR")
        return super().get_ident(request)

    def rate(self) -> Rate:
        # The Django setting, else the environment variable of the same name.
        text = getattr(settings, self.setting, None) or os.environ.get(self.setting)
        text = text or DEFAULT_PUBLIC_RATE
        try:
            return Rate.parse(text)
        except DomainError:
            log.warning(
                "%s=%r is not a rate like 60/minute; using %s",
                self.setting,
                text,
                DEFAULT_PUBLIC_RATE,
            )
            return Rate.parse(DEFAULT_PUBLIC_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        rate = self.rate()
        client = self.get_ident(request) or "unknown"
        count = self.counter.hit if self.counter is not None else hit
        decision = count(f"{self.scope}:{client}", rate)
        self._local.wait = None if decision.allowed else decision.retry_after
        return decision.allowed

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)
