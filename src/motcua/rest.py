"""The HTTP API root (``/api/v1/``): routers of every app, and RFC 9457 problem details.

Every error leaves as ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and, for validation, ``errors: [{field, message}]`` naming each field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from motcua.agencies.api import divisions_router
from motcua.agencies.api import router as agencies_router
from motcua.catalog.api import router as catalog_router
from motcua.clock.api import router as clock_router
from motcua.core.errors import DomainError
from motcua.core.problem import PROBLEM_BASE, problem_body
from motcua.dossiers.api import router as dossiers_router
from motcua.dossiers.api_forms import router as forms_router
from motcua.dossiers.api_public import router as public_router
from motcua.dossiers.schemas import INTAKE_TAGS
from motcua.identity.auth import InvalidToken
from motcua.stats.api import router as reports_router
from motcua.stats.api_index import router as index_router

log = logging.getLogger(__name__)

# A JSON string escape of U+0000 that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


# No number in a query string of this API needs 16 digits; a page number of 19 overflows the
# database's OFFSET (a 500 on SQLite and PostgreSQL alike) wherever paging forgot a maximum.
_HUGE_NUMBER = re.compile(r"^\s*[+-]?0*\d{16,}\s*$")


def _bad_input(request: HttpRequest, path_params: dict[str, Any]) -> dict[str, str] | None:
    """A problem no endpoint could handle, found before any runs: the NUL character, which
    PostgreSQL can neither store nor compare, and absurdly large numbers in the query."""
    nul = _("Text may not contain the NUL character.")
    if any(isinstance(v, str) and "\x00" in v for v in path_params.values()):
        return {"field": "path", "message": nul}
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return {"field": "query", "message": nul}
        if any(_HUGE_NUMBER.match(v) for v in values):
            return {"field": key, "message": _("This number is too large.")}
    if request.content_type == "application/json":
        body = request.body
        if b"\x00" in body or _JSON_NUL.search(body):
            return {"field": "body", "message": nul}
    return None


def _guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every API view: impossible input refused before it runs, a 405 as problem details after."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        bad = _bad_input(request, kwargs)
        if bad is not None:
            return _problem(
                422, "validation-error", _("Invalid data"), _("The data sent is not valid."), [bad]
            )
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "problem" not in response.get("Content-Type", ""):
            problem = _problem(
                405,
                "method-not-allowed",
                _("Method not allowed"),
                _("This address does not accept %(method)s.") % {"method": request.method},
            )
            if response.has_header("Allow"):
                problem["Allow"] = response["Allow"]
            return problem
        return response

    return guarded


class MotcuaAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _guarded(pattern.callback)
        return urls

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Error responses are ``application/problem+json`` (RFC 9457), as the handlers send."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status)[0] in "45" and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return schema


api = MotcuaAPI(
    title="motcua API",
    version="1",
    description=(
        "API of motcua, the electronic one-stop shop for Vietnamese administrative procedures: "
        "procedure catalogue, agencies, working calendar and due times, dossiers and the public "
        "lookup of a dossier's progress. Officials authenticate with a bearer token "
        "(`motcua create-token`) or their session (with the CSRF token on unsafe methods). "
        "Errors are RFC 9457 problem details; messages follow the Accept-Language header (vi by "
        "default, en). See docs/api.md."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
# The busiest routes first: Django tries the URL patterns in order, one regular expression
# each, and the lookup and the dossier actions came after some ninety others.
api.add_router("/public", public_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/agencies", agencies_router)
api.add_router("/divisions", divisions_router)
api.add_router("/procedures", catalog_router)
api.add_router("/calendar", clock_router)
api.add_router("/reports", reports_router)
api.add_router("", index_router)
api.add_router("", forms_router)


def _problem(status: int, slug: str, title: str, detail: str, errors: Any = None) -> HttpResponse:
    return HttpResponse(
        problem_body(status, slug, title, detail, errors),
        status=status,
        content_type="application/problem+json",
    )


_CONTAINERS = {"body", "query", "path", "header", "cookie", "form", "file", "payload", "filters"}


def _field_name(loc: list[Any], error: dict[str, Any] | None = None) -> str:
    """pydantic's location as the dotted path the rest of motcua uses: ``pauses[0].end``."""
    error = error or {}
    if str(error.get("type", "")).startswith("union_tag"):
        # The discriminator itself is wrong or missing (``action`` of a new dossier).
        return str(error.get("ctx", {}).get("discriminator", "body")).strip("'")
    parts = list(loc)
    while parts and str(parts[0]) in _CONTAINERS:
        parts.pop(0)
    # pydantic names the member of a tagged union it tried (``receive``): not a field.
    if len(parts) > 1 and str(parts[0]) in INTAKE_TAGS:
        parts.pop(0)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field_name(list(e.get("loc", [])), e),
            "message": str(e.get("msg", _("invalid"))),
        }
        for e in exc.errors
    ]
    return _problem(
        422, "validation-error", _("Invalid data"), _("The data sent is not valid."), errors
    )


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    errors = [e.as_dict() for e in exc.errors] or None
    return _problem(exc.status, exc.type_slug, str(exc.title), str(exc.detail), errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _problem(404, "not-found", _("Not found"), str(exc) or _("No such resource."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = (
        str(exc) if isinstance(exc, InvalidToken) else _("Log in or send a valid access token.")
    )
    response = _problem(401, "unauthenticated", _("Not logged in"), detail)
    response["WWW-Authenticate"] = 'Bearer realm="motcua"'
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # django-ninja adds Retry-After from the throttle.
    return _problem(
        429,
        "too-many-requests",
        _("Too many requests"),
        _("Too many requests from your address: wait a moment and try again."),
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _problem(exc.status_code, "http-error", _("Request error"), str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled error on %s", request.path)
    return _problem(
        500, "server-error", _("Server error"), _("A server error occurred; it has been logged.")
    )


__all__ = ["PROBLEM_BASE", "api"]


def api_not_found(request: HttpRequest) -> HttpResponse:
    """A path under ``/api/`` that no endpoint serves: a 404 in problem details."""
    return _problem(
        404, "not-found", _("Not found"), _("No API endpoint at %(path)s.") % {"path": request.path}
    )
