"""Security headers, the Content-Security-Policy, CSRF, and pages that run nothing inline."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from motcua.identity.services import ensure_totp

from .conftest import World, english, html

pytestmark = pytest.mark.django_db
PUBLIC_PAGES = ["/", "/dang-nhap/", "/thu-tuc/", "/tra-cuu/", "/thong-ke/", "/khong-co-trang-nay/"]


def _directives(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_has_the_strict_policy_and_headers(world: World, path: str) -> None:
    response = english().get(path)
    assert response["Content-Type"].startswith("text/html")
    csp = _directives(response["Content-Security-Policy"])
    assert csp == {
        "default-src": "'self'",
        "base-uri": "'none'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_admin_and_api_docs_get_styles_but_never_inline_script(
    world: World, as_official: object
) -> None:
    user = world.users["inspector"]
    user.is_staff = True
    user.save()
    client = as_official("inspector")  # type: ignore[operator]
    for path in ["/api/v1/docs", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        csp = _directives(response["Content-Security-Policy"])
        assert csp["style-src"] == "'self' 'unsafe-inline'"
        assert csp["img-src"] == "'self' data:"
        assert "script-src" not in csp and csp["default-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"


def test_json_responses_carry_no_page_policy(world: World) -> None:
    response = english().get("/api/v1/procedures")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"


class _InlineFinder(HTMLParser):
    """Everything the policy would block: inline scripts, style elements and attributes,
    event handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style>")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def _inline_problems(page: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(page)
    return finder.problems


def test_pages_contain_nothing_the_policy_would_block(world: World, as_official: object) -> None:
    client = english()
    pages = [html(client.get(p)) for p in PUBLIC_PAGES]
    client.post("/dang-nhap/", {"username": "specialist", "password": "x"})
    pages.append(html(client.get("/dang-nhap/thiet-lap-xac-thuc/")))  # the QR code page
    official = as_official("leader")  # type: ignore[operator]
    pages.append(html(official.get("/")))
    for page in pages:
        assert _inline_problems(page) == []


def test_htmx_is_configured_without_eval_and_scripts_are_local(world: World) -> None:
    page = html(english().get("/"))
    assert '"allowEval":false' in page and '"includeIndicatorStyles":false' in page
    assert '<script src="/static/web/vendor/htmx.min.js" defer></script>' in page
    assert '<script src="http' not in page


def test_csrf_is_required_on_posts(world: World) -> None:
    ensure_totp(world.users["receiver"])
    client = english(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "receiver", "password": "x"})
    assert response.status_code == 403
    assert "The form has expired" in html(response)
    assert "Content-Security-Policy" in response
    # With the token from the page's form, the same post goes through.
    page = html(client.get("/dang-nhap/"))
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/dang-nhap/", {"username": "receiver", "password": "x", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_logout_and_language_switch_need_the_token_too(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/dang-xuat/").status_code == 403
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 403


def test_the_csrf_token_is_in_a_meta_tag_for_htmx(world: World) -> None:
    page = html(english().get("/thu-tuc/"))
    assert '<meta name="csrf-token" content="' in page


def test_admin_site_requires_the_two_factor_login(world: World) -> None:
    user = world.users["inspector"]
    user.is_staff = True
    user.save()
    client = english()
    # The password alone (the admin's own form) no longer logs anyone in.
    response = client.post("/admin/login/", {"username": "inspector", "password": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    assert client.get("/admin/").status_code == 302


def test_domain_errors_become_pages_not_500(world: World) -> None:
    response = english().get("/thu-tuc/khong-ton-tai/")
    assert response.status_code == 404
    assert "There is no procedure with code" in html(response)
    assert "Content-Security-Policy" in response
