"""axe-core on the main pages, in Vietnamese as people use them: no serious or critical
violation (contrast, names and labels, landmarks, language…). Each page is checked as its
users see it: the public pages anonymously, on a desktop and on a phone, the officials' pages
logged in with the role they belong to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from motcua.dossiers.models import Dossier
from motcua.dossiers.services import perform
from motcua.web.desk.tests.conftest import Desk, received

from .conftest import PHONE, axe_violations

pytestmark = pytest.mark.browser


def _dossier(desk: Desk) -> Dossier:
    """Received at the counter and sent on to the department: it is in everybody's pages."""
    dossier = received(desk)
    return perform(dossier.code, "forward", desk.world.actor("receiver"))


def _check(page: Any, source: str, paths: list[str]) -> dict[str, Any]:
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert page.evaluate("document.documentElement.lang") == "vi", path
        violations = axe_violations(page, source)
        if violations:
            found[path] = violations
    return found


def test_public_pages(desk: Desk, new_page: Callable[..., Any], axe_source: str) -> None:
    code = _dossier(desk).code
    paths = [
        "/",
        "/thu-tuc/?q=thu+tuc",
        f"/thu-tuc/{desk.code}/",
        "/tra-cuu/",
        f"/tra-cuu/{code}/",
        "/thong-ke/",
        "/dang-nhap/",
    ]
    found = _check(new_page(), axe_source, paths)
    phone = new_page(viewport=PHONE)
    found.update({f"{p} (phone)": v for p, v in _check(phone, axe_source, paths[:5]).items()})
    assert not found, found


def test_officials_pages(desk: Desk, official: Callable[..., Any], axe_source: str) -> None:
    code = _dossier(desk).code
    found = _check(
        official("receiver", english=False),
        axe_source,
        [
            "/",
            "/mot-cua/",
            "/mot-cua/?q=khai+sinh",
            f"/mot-cua/tiep-nhan/{desk.code}/",
            f"/mot-cua/ho-so/{code}/",
        ],
    )
    found |= _check(
        official("specialist", english=False), axe_source, ["/ho-so/", f"/ho-so/{code}/"]
    )
    found |= _check(official("leader", english=False), axe_source, ["/", "/dieu-hanh/"])
    assert not found, found
