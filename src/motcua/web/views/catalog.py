"""The public catalogue: search (``/thu-tuc/``, live with htmx, a plain form without script)
and a procedure in full (``/thu-tuc/<code>/``). Published and retired procedures only, as the
API shows them; drafts stay in the admin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from motcua.agencies.models import Level, Role
from motcua.catalog.models import OnlineLevel, ResultKind, TargetGroup, TimeUnit
from motcua.catalog.selectors import (
    PUBLIC_STATUSES,
    SearchPage,
    list_fields,
    procedure_detail,
    search_procedures,
)
from motcua.core.errors import ValidationFailed
from motcua.dossiers.states import Channel

PAGE_SIZE = 20
SEARCH_LEVELS = [(v, label) for v, label in Level.choices if v != Level.DISTRICT]


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _clean(text: str | None, limit: int = 200) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable())[:limit].strip()


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    q = _clean(request.GET.get("q"))
    field = _clean(request.GET.get("field"), 50)
    level = _clean(request.GET.get("level"), 20)
    page_number = _page_number(request.GET.get("page"))
    errors: list[Any] = []
    result: SearchPage | None = None
    try:
        result = search_procedures(
            q=q or None,
            field=field or None,
            level=level or None,
            page=page_number,
            page_size=PAGE_SIZE,
            allowed_statuses=PUBLIC_STATUSES,
        )
    except ValidationFailed as exc:
        errors = exc.errors
    params = {k: v for k, v in (("q", q), ("field", field), ("level", level)) if v}
    context = {
        "q": q,
        "field": field,
        "level": level,
        "fields": list_fields(),
        "levels": SEARCH_LEVELS,
        "result": result,
        "errors": errors,
        "pages": _pages(result, params),
    }
    template = "web/catalog/search.html"
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and htmx.target == "results" and not htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


def _pages(result: SearchPage | None, params: dict[str, str]) -> dict[str, Any] | None:
    if result is None or result.count <= result.page_size:
        return None
    last = (result.count + result.page_size - 1) // result.page_size

    def url(page: int) -> str:
        return "?" + urlencode({**params, "page": page})

    return {
        "number": result.page,
        "last": last,
        "previous": url(result.page - 1) if result.page > 1 else None,
        "next": url(result.page + 1) if result.page < last else None,
    }


@require_safe
def detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = procedure_detail(code, allowed_statuses=PUBLIC_STATUSES)
    fees = procedure["fees"]
    targets = dict(TargetGroup.choices)
    context = {
        "p": procedure,
        "free": not any(fee["amount_vnd"] for fee in fees),
        "levels": dict(Level.choices),
        "online_levels": dict(OnlineLevel.choices),
        "target_groups": [targets.get(t, t) for t in procedure["target_groups"]],
        "channels": [Channel(c).label for c in procedure["method"]["channels"]],
        "unit": dict(TimeUnit.choices).get(procedure["processing_time"]["unit"], ""),
        "roles": dict(Role.choices),
        "result_kinds": dict(ResultKind.choices),
    }
    return render(request, "web/catalog/detail.html", context)
