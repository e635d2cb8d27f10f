"""Delivery backends behind one interface: ``send(notification)`` returns when the message has
been handed over, or raises ``DeliveryError`` with a message an official can act on.

Settings choose one backend per channel (docs/notifications.md)::

    MOTCUA_NOTIFICATION_BACKENDS = {
        "sms": {"BACKEND": "http_sms", "OPTIONS": {"url": "https://sms.example/api/send"}},
        "email": "email",
    }

A value is a short name (``console``, ``file``, ``email``, ``http_sms``, ``failing``) or the
dotted path of a class, alone or as ``{"BACKEND": …, "OPTIONS": {…}}`` (keyword arguments of
the class). The file backend is the default for both channels (demo, tests, a commune without
an SMS contract).
"""

from __future__ import annotations

import json
import os
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.utils.module_loading import import_string

from .models import Notification


class DeliveryError(Exception):
    """The backend could not deliver; the attempt counts as failed and is retried."""


class Backend(Protocol):
    def send(self, notification: Notification) -> None: ...


class ConsoleBackend:
    """Prints each message on the worker's standard output (development)."""

    def send(self, notification: Notification) -> None:
        print(f"[{notification.channel}] {notification.recipient}: {notification.body}")


class FileBackend:
    """Appends one JSON line per message to ``<folder>/<channel>.jsonl`` (default
    ``var/notifications``): the demo's outbox, readable with any tool."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder else Path(settings.VAR_DIR) / "notifications"

    def send(self, notification: Notification) -> None:
        line = {
            "id": notification.pk,
            "to": notification.recipient,
            "title": notification.title,
            "body": notification.body,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with (self.folder / f"{notification.channel}.jsonl").open("a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot write to {self.folder}: {exc}") from exc


class EmailBackend:
    """Through Django's mail settings (``EMAIL_HOST``, ``EMAIL_PORT``, ``EMAIL_HOST_USER``,
    ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``, ``DEFAULT_FROM_EMAIL``)."""

    def __init__(self, from_email: str | None = None, timeout: float | None = None) -> None:
        self.from_email = from_email
        # Django's SMTP default is no timeout at all: a mail server that stops answering would
        # hold a worker for good.
        self.timeout = float(timeout or getattr(settings, "EMAIL_TIMEOUT", None) or 30)

    def send(self, notification: Notification) -> None:
        try:
            send_mail(
                notification.title,
                notification.body,
                self.from_email,  # None: DEFAULT_FROM_EMAIL
                [notification.recipient],
                fail_silently=False,
                connection=get_connection(fail_silently=False, timeout=self.timeout),
            )
        except Exception as exc:  # SMTP, DNS and socket errors of every kind
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would become a GET without the message, and urllib would carry the
    # bearer token to wherever the gateway points: a redirect is an error to report instead.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)
# The NAME of the environment variable holding the gateway's token, not a token.
TOKEN_ENV = "MOTCUA_SMS_GATEWAY_TOKEN"  # noqa: S105
_D_FOLD = str.maketrans({"đ": "d", "Đ": "D"})
EXCERPT = 300


def unaccented(text: str) -> str:
    """Vietnamese without diacritics, case kept: many SMS contracts (brand names) accept only
    GSM characters, and an accented message costs two to three times as many segments."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_FOLD))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


class HttpSmsBackend:
    """An SMS gateway reached by HTTP: ``POST url`` with a JSON body
    ``{"to", "message", "reference"[, "sender"]}`` and ``Authorization: Bearer <token>``.

    The token is read from the environment variable named by ``token_env`` at each send (it
    never sits in the settings or the repository). Any answer other than 2xx, a timeout or a
    network error is a ``DeliveryError`` naming the status and the start of the body.
    ``reference`` (also sent as ``Idempotency-Key``) is stable across retries, so a gateway that
    deduplicates does not send twice a message whose first answer was lost.
    """

    def __init__(
        self,
        url: str | None = None,
        token_env: str = TOKEN_ENV,
        timeout: float | None = None,
        sender: str = "",
        unaccent: bool = False,
    ) -> None:
        self.url = url or os.environ.get("MOTCUA_SMS_GATEWAY_URL", "")
        self.token_env = token_env
        self.timeout = float(timeout or os.environ.get("MOTCUA_SMS_GATEWAY_TIMEOUT") or 10)
        self.sender = sender
        self.unaccent = unaccent

    def payload(self, notification: Notification) -> dict[str, str]:
        message = unaccented(notification.body) if self.unaccent else notification.body
        data = {
            "to": notification.recipient,
            "message": message,
            "reference": f"motcua-{notification.pk}",
        }
        if self.sender:
            data["sender"] = self.sender
        return data

    def send(self, notification: Notification) -> None:
        if urlsplit(self.url).scheme not in {"http", "https"}:
            raise DeliveryError(f"SMS gateway URL is not configured or not http(s): {self.url!r}")
        token = os.environ.get(self.token_env, "")
        if not token:
            raise DeliveryError(f"SMS gateway token is not set (environment {self.token_env})")
        body = json.dumps(self.payload(notification), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310  (scheme checked above)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"motcua-{notification.pk}",
            },
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = response.status
                excerpt = _excerpt(response.read(EXCERPT + 1))
        except urllib.error.HTTPError as exc:
            status, excerpt = exc.code, _excerpt(exc.read(EXCERPT + 1))
            exc.close()
        except TimeoutError as exc:
            raise DeliveryError(f"SMS gateway timed out after {self.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise DeliveryError(f"SMS gateway timed out after {self.timeout:g} s") from exc
            raise DeliveryError(f"SMS gateway unreachable: {reason}") from exc
        except OSError as exc:  # connection reset mid-answer, and the like
            raise DeliveryError(f"SMS gateway connection failed: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS gateway answered HTTP {status}: {excerpt}")


def _excerpt(raw: bytes) -> str:
    text = raw[:EXCERPT].decode("utf-8", errors="replace").strip()
    text = " ".join(text.split())
    return text + ("…" if len(raw) > EXCERPT else "") if text else "(empty body)"


class FailingBackend:
    """Always fails: to rehearse an SMS outage (tests, drills)."""

    def __init__(self, error: str = "gateway unreachable") -> None:
        self.error = error

    def send(self, notification: Notification) -> None:
        raise DeliveryError(self.error)


ALIASES = {
    "console": "motcua.notifications.backends.ConsoleBackend",
    "file": "motcua.notifications.backends.FileBackend",
    "email": "motcua.notifications.backends.EmailBackend",
    "http_sms": "motcua.notifications.backends.HttpSmsBackend",
    "failing": "motcua.notifications.backends.FailingBackend",
}
DEFAULTS = {"sms": "file", "email": "file"}


def configuration(channel: str) -> tuple[str, dict[str, Any]]:
    """The dotted path and options configured for ``channel``."""
    configured = getattr(settings, "MOTCUA_NOTIFICATION_BACKENDS", None) or {}
    value = configured.get(channel) or DEFAULTS[channel]
    if isinstance(value, dict):
        name, options = value.get("BACKEND") or DEFAULTS[channel], value.get("OPTIONS") or {}
    else:
        name, options = str(value), {}
    return ALIASES.get(name, name), dict(options)


def backend_for(channel: str) -> Backend:
    path, options = configuration(channel)
    backend: Backend = import_string(path)(**options)
    return backend
