"""The public lookup of a dossier by its code (``/tra-cuu/<code>/``, where the QR code of the
receipt points): progress and timeliness, never who the applicant is.

The masking is the API's (``dossiers.api_render.public``: initials only; no ID, phone, e-mail,
address or official), and so is the rate limit: the same per-address counter
(``identity.auth.ClientRateThrottle("public-lookup")``, ``MOTCUA_PUBLIC_RATE_LIMIT``), shared by
the page and ``/api/v1/public/dossiers/{code}``, so codes cannot be enumerated through either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from motcua.core.localtime import local_date
from motcua.dossiers.api_render import public
from motcua.dossiers.models import Dossier
from motcua.identity.auth import ClientRateThrottle
from motcua.identity.ratelimit import LOOKUPS

from ..forms import LookupForm

THROTTLE = ClientRateThrottle("public-lookup", counter=LOOKUPS)


@require_safe
def lookup_form(request: HttpRequest) -> HttpResponse:
    """The form; submitted (``?code=…``), it leads to the dossier's page."""
    form = LookupForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("web:lookup_dossier", code=form.cleaned_data["code"])
    status = 422 if form.errors else 200
    return render(request, "web/lookup/form.html", {"form": form}, status=status)


def _find(code: str) -> Dossier | None:
    queryset = Dossier.objects.select_related("procedure", "procedure_version", "competent_agency")
    dossier = queryset.filter(code=code).first()
    if dossier is None and code != code.upper():
        # Typed from a receipt in lower case: codes are upper case (Decision 20/2020).
        dossier = queryset.filter(code=code.upper()).first()
    return dossier


@require_safe
def lookup_dossier(request: HttpRequest, code: str) -> HttpResponse:
    if not THROTTLE.allow_request(request):
        response = render(request, "web/lookup/too_many.html", status=429)
        wait = THROTTLE.wait()
        if wait:
            response["Retry-After"] = str(int(wait))
        return response
    form = LookupForm({"code": code})
    dossier = _find(form.cleaned_data["code"]) if form.is_valid() else None
    if dossier is None:
        context: dict[str, Any] = {"form": LookupForm(initial={"code": code}), "missing": code}
        return render(request, "web/lookup/form.html", context, status=404)
    if dossier.code != code:
        return redirect(reverse("web:lookup_dossier", kwargs={"code": dossier.code}))
    now = timezone.now()
    view = public(dossier, now)
    steps = [
        {"step": s, "due_state": due_state(s.timeliness, s.ended_at, s.due_at, now)}
        for s in view.steps
    ]
    context = {
        "d": view,
        "steps": steps,
        "due_state": "paused"
        if view.paused
        else due_state(view.timeliness, view.resolved_at, view.due_at, now),
    }
    return render(request, "web/lookup/dossier.html", context)


def due_state(
    timeliness: str | None, ended: datetime | None, due: datetime | None, now: datetime
) -> str:
    """The badge of a dossier or step: its timeliness once resolved, else where it stands
    against its due time (overdue, due later today, within the time limit)."""
    if ended is not None:
        return str(timeliness or "")
    if due is None:
        return ""
    if due < now:
        return "overdue"
    if local_date(due) == local_date(now):
        return "due_today"
    return "within"
