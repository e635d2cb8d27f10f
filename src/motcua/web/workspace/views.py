"""The workspace's pages: the queues (``/ho-so/``), the dossier page (``/ho-so/<code>/``) and
one form per action (``/ho-so/<code>/thao-tac/<action>/``).

Reads go through the API's selectors (``visible_dossiers`` / ``get_visible``: anything else is
the 404 page), writes through ``dossiers.services.perform`` with the version the official saw.
htmx swaps the queue's table, opens an action's form inside the dossier page and, after the
action, replaces the page's content with the new state; without script the same URLs answer
with whole pages (and a redirect after a successful action).

htmx only swaps successful responses, so a form answered to htmx with errors is a 200 with the
form and its messages; the same form posted without script answers 422, 409 or 403.
"""

from __future__ import annotations

from math import ceil
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier
from motcua.dossiers.printing import render_form
from motcua.dossiers.selectors import can_see, get_visible
from motcua.dossiers.services import allowed_actions, perform
from motcua.dossiers.states import Action

from ..forms import add_domain_errors
from . import actions
from .action_forms import ActionForm, ItemsForm
from .forms import QueueForm
from .page import dossier_context
from .queues import AGENCY, ALL, MINE, queue_page, queues_for

QUEUE_LABELS = {
    MINE: gettext_lazy("My work"),
    AGENCY: gettext_lazy("My agency's queue"),
    ALL: gettext_lazy("Search all dossiers"),
}


def _actor(request: HttpRequest) -> Actor:
    actor = Actor.for_user(request.user)  # type: ignore[arg-type]
    if actor.kind != "official":
        raise PermissionDenied(_("The workspace is for officials."))
    return actor


def _htmx_target(request: HttpRequest) -> str | None:
    htmx = request.htmx  # type: ignore[attr-defined]
    if not htmx or htmx.history_restore_request:
        return None
    return str(htmx.target or "")


# Queues ---------------------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    queues = queues_for(actor)
    current = request.GET.get("queue")
    if current not in queues:
        current = queues[0]
    form = QueueForm(request.GET)
    page = None
    if form.is_valid():
        filters, due = form.filters()
        try:
            page = queue_page(actor, current, filters, due, timezone.now())
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
    params = {"queue": current, **form.params()}
    context = {
        "queues": [(q, QUEUE_LABELS[q], "?" + urlencode({"queue": q})) for q in queues],
        "current": current,
        "current_label": QUEUE_LABELS[current],
        "form": form,
        "page": page,
        "pages": _pages(page, params),
        "now": timezone.now(),
    }
    template = "web/workspace/queue.html"
    if _htmx_target(request) == "queue-results":
        template += "#results"
    return render(request, template, context)


def _pages(page: Any, params: dict[str, str]) -> dict[str, Any] | None:
    if page is None or page.count <= page.page_size:
        return None
    last = max(1, ceil(page.count / page.page_size))

    def url(number: int) -> str:
        return "?" + urlencode({**params, "page": number})

    return {
        "number": page.page,
        "last": last,
        "previous": url(min(page.page - 1, last)) if page.page > 1 else None,
        "next": url(page.page + 1) if page.page < last else None,
    }


# The dossier page -----------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    found = get_visible(actor, code)
    return render(
        request, "web/workspace/dossier.html", dossier_context(actor, found, timezone.now())
    )


@never_cache
@login_required
@require_safe
def form_pdf(request: HttpRequest, code: str, form: str) -> HttpResponse:
    """Mẫu 01–06 of a dossier the official may see. The desk has its own (for receivers only);
    this one serves whoever may open the dossier page, with the page's scope. A form the
    dossier does not have yet is the engine's 409, a server without pango its 503: both
    pages, as every domain error."""
    found = get_visible(_actor(request), code)
    pdf = render_form(found, form)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mau-{form}-{found.code}.pdf"'
    # Forms carry personal data: never kept by shared caches or on the browser's disk.
    response["Cache-Control"] = "private, no-store"
    return response


def _spec(action: str) -> actions.Spec:
    spec = actions.SPECS.get(action)
    if spec is None:
        raise Http404(action)
    return spec


def _seen_version(request: HttpRequest) -> int | None:
    text = request.GET.get("v", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    spec = _spec(action)
    actor = _actor(request)
    found = get_visible(actor, code)
    if request.method == "POST":
        return _post(request, actor, found, spec)
    now = timezone.now()
    seen = _seen_version(request)
    form = spec.form(dossier=found, initial={"expected_version": seen or found.version})
    problem = None
    status = 200
    if seen is not None and seen != found.version:
        # The page the button was on is older than the dossier: deciding on it would be
        # deciding on facts that changed.
        problem = _("The dossier has changed since you opened it: reload it and decide again.")
        status = 409
    elif spec not in actions.offered(found, allowed_actions(actor, found), now):
        problem = _("“%(action)s” is not available on this dossier now.") % {
            "action": Action(spec.action).label
        }
        status = 409
    return _form_response(request, found, spec, form, problem, status)


def _post(request: HttpRequest, actor: Actor, found: Dossier, spec: actions.Spec) -> HttpResponse:
    form = spec.form(request.POST, dossier=found)
    if isinstance(form, ItemsForm) and form.editing_rows():
        return _form_response(request, found, spec, form, None, 200)
    if not form.is_valid():
        return _form_response(request, found, spec, form, None, 422)
    try:
        changed = perform(
            found.code,
            spec.action,
            actor,
            form.payload(),
            expected_version=form.cleaned_data["expected_version"],
        )
    except ValidationFailed as exc:
        add_domain_errors(form, exc)
        return _form_response(request, found, spec, form, None, 422)
    except NotFound:
        raise
    except (Conflict, PermissionDenied) as exc:
        return _form_response(request, found, spec, form, exc.detail, exc.status)
    notice = _("Done: “%(action)s”. The dossier is now “%(state)s”.") % {
        "action": Action(spec.action).label,
        "state": changed.get_state_display(),
    }
    return _after(request, actor, changed, notice)


def _after(request: HttpRequest, actor: Actor, changed: Dossier, notice: str) -> HttpResponse:
    """The dossier page with its new state — or the queue, if the action took the dossier out
    of what this official may see."""
    still_visible = can_see(actor, changed)
    if _htmx_target(request) is None:
        messages.success(request, notice)
        if still_visible:
            return redirect("web:workspace:dossier", code=changed.code)
        return redirect("web:workspace:queue")
    if not still_visible:
        messages.success(request, notice)
        response = HttpResponse()
        response["HX-Redirect"] = reverse("web:workspace:queue")
        return response
    fresh = get_visible(actor, changed.code)
    context = dossier_context(actor, fresh, timezone.now())
    context["notice"] = notice
    response = render(request, "web/workspace/dossier.html#dossier", context)
    response["HX-Retarget"] = "#dossier"
    response["HX-Reswap"] = "outerHTML"
    return response


def _form_response(
    request: HttpRequest,
    found: Dossier,
    spec: actions.Spec,
    form: ActionForm,
    problem: str | None,
    status: int,
) -> HttpResponse:
    context = {
        "d": found,
        "spec": spec,
        "label": Action(spec.action).label,
        "form": form,
        "problem": problem,
        "conflict": status == 409,
        "rows": form.rows() if isinstance(form, ItemsForm) else None,
        "action_url": reverse(
            "web:workspace:action", kwargs={"code": found.code, "action": spec.action}
        ),
    }
    template = "web/workspace/action.html"
    if _htmx_target(request) is not None:
        # Into the page's action panel; errors too (htmx swaps only 2xx answers).
        return render(request, template + "#panel", context)
    return render(request, template, context, status=status)
