"""Security headers on every page, and domain errors shown as pages instead of 500s.

The Content-Security-Policy is strict: scripts, styles, images, fonts and connections come
from this site only, and nothing inline runs — so an injected ``<script>`` or ``onclick``
(seed 002: a government site's pages stuffed with gambling links) does nothing. Two pages
that motcua does not write get a narrower allowance, documented in docs/security.md:

- the API documentation (``/api/v1/docs``): Swagger UI sets inline styles and draws its icons
  from ``data:`` images;
- the Django admin (``/admin/``): a few templates and widgets use ``style`` attributes, and
  its stylesheets ``data:`` images.

Neither allowance touches ``script-src``: no page runs inline script.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from motcua.core.errors import DomainError, NotFound, PermissionDenied

log = logging.getLogger(__name__)

_COMMON = "base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'"
STRICT_POLICY = f"default-src 'self'; {_COMMON}"
RELAXED_POLICY = (
    f"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; {_COMMON}"
)
# Paths (prefixes) that get RELAXED_POLICY, and why: see the module's docstring.
RELAXED_PREFIXES = ("/api/v1/docs", "/admin/")
# The camera stays available to the site itself: a receiver may scan the QR code of a
# citizen's ID card at the desk. Everything else is off.
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()"
)
_DOCUMENT_TYPES = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml")


def policy_for(path: str) -> str:
    return RELAXED_POLICY if path.startswith(RELAXED_PREFIXES) else STRICT_POLICY


class SecurityHeadersMiddleware:
    """CSP on every document (HTML, SVG, XML), and the other headers on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in _DOCUMENT_TYPES and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_for(request.path)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class VietnameseByDefaultMiddleware:
    """Pages are in Vietnamese unless the visitor chose English with the language switch (its
    cookie): many officials' browsers and phones are set to English, and a Vietnamese public
    service should not change language behind their back. The API and the admin site keep
    following ``Accept-Language`` (integrators and administrators choose their language
    deliberately). Placed before Django's ``LocaleMiddleware``, which then falls back to
    ``LANGUAGE_CODE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(("/api/", "/admin/")):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DomainErrorMiddleware:
    """A ``DomainError`` escaping a page's view becomes a page with its message and status
    (404, 403, 409, 422…), never a 500. Views show validation errors next to their fields
    themselves; this is the safety net. The API has its own handlers (problem details)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            template = "404.html"
        elif isinstance(exception, PermissionDenied):
            template = "403.html"
        else:
            template = "web/error.html"
        context = {
            "title": str(exception.title),
            "detail": exception.detail,
            "errors": exception.errors,
            "status": exception.status,
            "fallback": _("The request could not be carried out."),
        }
        return render(request, template, context, status=exception.status)
