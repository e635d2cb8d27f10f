"""System checks: a mistyped backend or a gateway without URL or token shows at start-up
(``motcua check``, every command), not as a pile of failed messages hours later."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from .backends import HttpSmsBackend, backend_for
from .models import Channel


@register()
def check_backends(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    configured = getattr(settings, "MOTCUA_NOTIFICATION_BACKENDS", None) or {}
    for channel in sorted(set(configured) - set(Channel.values)):
        messages.append(
            Error(
                f"MOTCUA_NOTIFICATION_BACKENDS names an unknown channel {channel!r}",
                hint=f"Channels: {', '.join(Channel.values)}.",
                id="motcua.notifications.E001",
            )
        )
    for channel in Channel.values:
        try:
            backend = backend_for(channel)
        except Exception as exc:
            messages.append(
                Error(
                    f"The {channel} notification backend cannot be set up: {exc}",
                    hint="Use console, file, email, http_sms, failing or a dotted class path.",
                    id="motcua.notifications.E002",
                )
            )
            continue
        if isinstance(backend, HttpSmsBackend):
            if urlsplit(backend.url).scheme not in {"http", "https"}:
                messages.append(
                    Error(
                        f"The {channel} gateway has no http(s) URL",
                        hint="Set MOTCUA_SMS_GATEWAY_URL or OPTIONS url.",
                        id="motcua.notifications.E003",
                    )
                )
            if not os.environ.get(backend.token_env):
                messages.append(
                    Warning(
                        f"The {channel} gateway token is not set (environment "
                        f"{backend.token_env}): every message will fail",
                        id="motcua.notifications.W001",
                    )
                )
    return messages
