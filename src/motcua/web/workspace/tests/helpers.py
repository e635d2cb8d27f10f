"""Reading the workspace's pages in tests."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from motcua.dossiers.models import Dossier

ROW = re.compile(r'<th scope="row"><a class="code" href="/ho-so/([^/"]+)/">')


def codes_in(page: str) -> list[str]:
    """The dossier codes of a queue's table, in order."""
    return ROW.findall(page)


def row_of(page: str, code: str) -> str:
    """The table row of one dossier."""
    start = page.index(f'href="/ho-so/{code}/"')
    return page[start : page.index("</tr>", start)]


def version(code: str) -> int:
    return Dossier.objects.get(code=code).version


def act(
    client: Client,
    code: str,
    action: str,
    data: dict[str, Any] | None = None,
    *,
    htmx: bool = False,
    expected: int | None = None,
) -> Any:
    """Post an action's form as the page does, with the version the page was rendered at."""
    payload = {"expected_version": version(code) if expected is None else expected}
    payload.update(data or {})
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "action-panel"} if htmx else {}
    return client.post(f"/ho-so/{code}/thao-tac/{action}/", payload, **headers)


BUTTON = re.compile(r'href="/ho-so/[^/"]+/thao-tac/([a-z_]+)/\?v=\d+"')


def buttons(page: str) -> list[str]:
    """The actions a dossier page offers as buttons, in order."""
    return BUTTON.findall(page)


def events_of(code: str) -> list[str]:
    """The actions recorded on a dossier, oldest first."""
    dossier = Dossier.objects.get(code=code)
    return list(dossier.events.order_by("seq").values_list("action", flat=True))
