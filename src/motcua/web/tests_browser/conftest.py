"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

They need ``/usr/bin/chromium`` (or ``MOTCUA_CHROMIUM``) and are skipped, with the reason,
without it; Playwright's own browser downloads are never used. The accessibility checks also
need axe-core, which ``make test`` fetches with npm into ``node_modules/`` (git-ignored); they
are skipped, saying so, when it is not there. CI sets ``MOTCUA_REQUIRE_BROWSER=1``, which turns
those skips into failures. The world is the desk's small province
(web/desk/tests/conftest.py); officials log in through the real login form, with the current
code of their authenticator."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from motcua.dossiers.tests.conftest import World, world  # noqa: F401
from motcua.identity.models import User
from motcua.identity.selectors import current_code
from motcua.identity.services import ensure_totp
from motcua.web.desk.tests.conftest import Desk, desk  # noqa: F401
from motcua.web.tests.conftest import PASSWORD, _fresh_cache  # noqa: F401

# Playwright's sync API runs an event loop in this thread, and keeps it marked as running for
# the rest of the session (the browser is session-wide), so later tests of the same process
# are concerned too: Django refuses database access from a thread with a running loop unless
# told it is safe — it is, the loop only ever runs Playwright's calls, never Django code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[4]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
# CI sets it: there, a missing Chromium or axe-core is a broken set-up, not a reason to skip.
REQUIRED = os.environ.get("MOTCUA_REQUIRE_BROWSER") == "1"


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} — and MOTCUA_REQUIRE_BROWSER=1", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable(
            f"browser tests skipped: no Chromium at {CHROMIUM} "
            "(apt-get install chromium, or set MOTCUA_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def secure_cookies_over_http(settings: Any) -> None:
    # The live server speaks plain HTTP; production cookies are Secure (settings.py).
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest,
    browser: Any,
    live_server: Any,
    secure_cookies_over_http: None,
    tmp_path: Path,
) -> Iterator[Callable[..., Any]]:
    """``new_page(english=True, viewport=PHONE)``: a page in a fresh browser context (its own
    cookies, as another person's browser). Pages fail the test on a JavaScript error; when the
    test fails, each page's screenshot is saved and its path printed."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(*, english: bool = False, viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or DESKTOP, locale="vi-VN"
        )
        context.set_default_timeout(TIMEOUT_MS)
        if english:
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
            )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    if request.node.stash.get(FAILED, False):
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                shot = tmp_path / f"page-{n}-{m}.png"
                page.screenshot(path=shot, full_page=True)
                print(f"{page.url}: {shot}")
    for context in contexts:
        context.close()
    assert not errors, errors


def log_in(page: Any, user: User, password: str = PASSWORD) -> None:
    """Through the two forms, as an official would, in either language."""
    ensure_totp(user)
    page.goto("/dang-nhap/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dang-nhap/ma-xac-thuc/")
    page.locator("input[name=code]").fill(current_code(user.username))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)


@pytest.fixture
def official(desk: Desk, new_page: Callable[..., Any]) -> Callable[..., Any]:  # noqa: F811
    """``official("receiver")``: an English page (``english=False``: Vietnamese) logged in as
    that official of the world."""

    def make(username: str, *, english: bool = True) -> Any:
        page = new_page(english=english)
        log_in(page, desk.world.users[username])
        return page

    return make


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        unavailable(
            "accessibility checks skipped: axe-core is not installed "
            "(`make axe` fetches it with npm into node_modules/)"
        )
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now. The script is
    evaluated through the DevTools protocol, which the page's CSP does not govern."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [node["target"] for node in v["nodes"]][:5],
            "summary": v["nodes"][0]["failureSummary"] if v["nodes"] else "",
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
