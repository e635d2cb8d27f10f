"""``/``: the portal home for visitors, the role home for a logged-in official."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from motcua.agencies.models import Role
from motcua.catalog.selectors import PUBLIC_STATUSES, list_fields, search_procedures
from motcua.core.errors import DomainError
from motcua.core.localtime import local_date
from motcua.dossiers.actor import Actor
from motcua.stats.report import build_report

from .. import homes
from ..forms import LookupForm
from ..roles import ADMIN_ROLES, me

POPULAR = 8
POPULAR_CACHE_SECONDS = 900


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return official_home(request)
    return portal_home(request)


def popular_procedures() -> list[dict[str, Any]]:
    """The procedures with most dossiers received this year (the period report by procedure,
    from the aggregates), else the first published ones; cached for a quarter of an hour."""
    cached = cache.get("web:popular")
    if cached is not None:
        return list(cached)
    today = local_date(timezone.now())
    try:
        report = build_report(None, today.replace(month=1, day=1), today, breakdown="procedure")
    except DomainError:  # no calendar or figures yet: the home page still answers
        rows = []
    else:
        rows = sorted(report.rows, key=lambda r: (-r.figures.received_total, r.code))
    popular = [{"code": r.code, "name": r.name} for r in rows if r.figures.received_total]
    if len(popular) < POPULAR:
        page = search_procedures(page_size=POPULAR * 2, allowed_statuses=PUBLIC_STATUSES)
        known = {p["code"] for p in popular}
        popular += [
            {"code": item["code"], "name": item["name"]}
            for item in page.items
            if item["code"] not in known
        ]
    popular = popular[:POPULAR]
    cache.set("web:popular", popular, POPULAR_CACHE_SECONDS)
    return popular


def portal_home(request: HttpRequest) -> HttpResponse:
    context = {
        "popular": popular_procedures(),
        "fields": [f for f in list_fields() if f["procedures"]],
        "lookup_form": LookupForm(),
    }
    return render(request, "web/home/portal.html", context)


def official_home(request: HttpRequest) -> HttpResponse:
    who = me(request)
    actor = Actor.for_user(request.user)  # type: ignore[arg-type]
    now = timezone.now()
    context: dict[str, Any] = {"me": who, "now": now}
    if who.has(Role.RECEIVER):
        context["receiver"] = homes.receiver_home(actor, now)
    if who.has(Role.SPECIALIST):
        context["specialist"] = homes.specialist_home(actor, now)
    if who.has(Role.LEADER):
        context["leader"] = homes.leader_home(actor, now)
    if who.has(Role.INSPECTOR, *ADMIN_ROLES):
        context["overseer"] = homes.overseer_home(actor, now)
    context["is_admin"] = who.has(*ADMIN_ROLES)
    context["is_inspector"] = who.has(Role.INSPECTOR)
    return render(request, "web/home/official.html", context)
