"""A dossier at the desk (``/mot-cua/ho-so/<code>/``): its receipt or notice to print, and what
the desk may do now — check and receive (or ask for completion, or reject) a dossier submitted
online or by post, take in a supplement, hand over the result, record a withdrawal. Each is a
POST with the version the page showed, applied by ``dossiers.services.perform``.

Also the queues (``/mot-cua/cho-tiep-nhan/`` …), the search by code, and the printed forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from motcua.agencies.models import Role
from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, invalid
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier
from motcua.dossiers.printing import render_form
from motcua.dossiers.selectors import events, get_visible
from motcua.dossiers.services import allowed_actions, perform
from motcua.dossiers.states import Action, State
from motcua.identity.models import User

from ..forms import LookupForm
from . import checklist
from .forms import (
    DECISIONS,
    DossierCheckForm,
    ForwardForm,
    ReturnForm,
    SupplementForm,
    VersionedForm,
    WithdrawForm,
    place_errors,
)
from .queues import BY_SLUG, DESK_ACTIONS, QUEUES, dossier_documents, latest, queue_page, receiver
from .views_intake import done_message

A = Action


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _check(dossier: Dossier, *args: Any, intent: str = "", **kwargs: Any) -> VersionedForm:
    docs = checklist.documents(dossier_documents(dossier))
    return DossierCheckForm(*args, docs=docs, intent=intent, prefix="check", **kwargs)


def _requested(dossier: Dossier) -> list[str]:
    event = latest(dossier, A.REQUEST_SUPPLEMENT)
    return [str(item) for item in (event.payload.get("items") or [])] if event else []


def _supplement(dossier: Dossier, *args: Any, **kwargs: Any) -> VersionedForm:
    return SupplementForm(*args, requested=_requested(dossier), prefix="supplement", **kwargs)


def _return(dossier: Dossier, *args: Any, **kwargs: Any) -> VersionedForm:
    return ReturnForm(*args, dossier=dossier, prefix="return", **kwargs)


def _forward(dossier: Dossier, *args: Any, **kwargs: Any) -> VersionedForm:
    return ForwardForm(*args, prefix="forward", **kwargs)  # type: ignore[misc]


def _withdraw(dossier: Dossier, *args: Any, **kwargs: Any) -> VersionedForm:
    return WithdrawForm(*args, prefix="withdraw", **kwargs)  # type: ignore[misc]


PANELS: dict[str, Callable[..., VersionedForm]] = {
    A.RECEIVE: _check,
    A.REQUEST_COMPLETION: _check,
    A.REJECT_AT_RECEPTION: _check,
    A.FORWARD: _forward,
    A.SUPPLEMENT: _supplement,
    A.RETURN_RESULT: _return,
    A.WITHDRAW: _withdraw,
}


def _panel_key(action: str) -> str:
    return "check" if action in DECISIONS else action


def desk_actions(actor: Actor, dossier: Dossier) -> list[str]:
    """What the desk may do now: the engine's allowed actions (table × roles), desk ones."""
    allowed = [str(a) for a in allowed_actions(actor, dossier) if a in DESK_ACTIONS]
    if dossier.returned_at is not None and A.RETURN_RESULT in allowed:
        allowed.remove(A.RETURN_RESULT)  # a refusal stays "refused" once handed over
    step = dossier.current_step
    if A.FORWARD in allowed and (step is None or step.role != Role.RECEIVER):
        # Someone who is also a leader may forward from any step — in the workspace, not here.
        allowed.remove(A.FORWARD)
    return allowed


def _forms(
    actor: Actor, dossier: Dossier, bound: tuple[str, VersionedForm] | None
) -> dict[str, VersionedForm]:
    forms: dict[str, VersionedForm] = {}
    initial = {"expected_version": dossier.version}
    for action in desk_actions(actor, dossier):
        key = _panel_key(action)
        if key not in forms:
            forms[key] = PANELS[action](dossier, initial=initial)
    if bound is not None:
        forms[bound[0]] = bound[1]
    return forms


def _printable(dossier: Dossier) -> list[dict[str, str]]:
    """The forms this dossier has, newest purpose first."""
    printable = []
    if dossier.received_at is not None:
        printable.append({"number": "01", "label": _("Receipt and appointment (form 01)")})
    if dossier.completion_requests or dossier.supplement_requests:
        printable.append({"number": "02", "label": _("Request to complete the dossier (form 02)")})
    if dossier.state in (State.REJECTED_AT_RECEPTION, State.REFUSED):
        printable.append({"number": "03", "label": _("Refusal notice (form 03)")})
    return printable


# Events whose content the applicant is handed as a notice (form 02 or 03).
NOTICE_ACTIONS = (A.REQUEST_COMPLETION, A.REQUEST_SUPPLEMENT, A.REJECT_AT_RECEPTION, A.REFUSE)


def _items(event: Any) -> list[str]:
    items = event.payload.get("items") if isinstance(event.payload, dict) else None
    return [str(item) for item in items] if isinstance(items, list) else []


def _page(
    request: HttpRequest,
    actor: Actor,
    dossier: Dossier,
    *,
    bound: tuple[str, VersionedForm] | None = None,
    alert: str = "",
    status: int = 200,
) -> HttpResponse:
    history: list[dict[str, Any]] = [{"e": e, "items": _items(e)} for e in events(dossier)]
    notice = next(
        (row for row in reversed(history) if row["e"].action in NOTICE_ACTIONS),
        None,
    )
    context = {
        "d": dossier,
        "forms": _forms(actor, dossier, bound),
        "printable": _printable(dossier),
        "history": history,
        "notice": notice,
        "alert": alert,
        "action_labels": dict(A.choices),
        "state_labels": dict(State.choices),
        "now": timezone.now(),
    }
    return render(request, "web/desk/dossier.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def dossier_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = receiver(_user(request))
    dossier = get_visible(actor, code)
    if request.method != "POST":
        return _page(request, actor, dossier)
    action = request.POST.get("action", "")
    build = PANELS.get(action)
    if build is None:
        raise invalid("action", _("The desk has no action %(action)r.") % {"action": action})
    form = (
        build(dossier, request.POST, intent=action)
        if action in DECISIONS
        else build(dossier, request.POST)
    )
    bound = (_panel_key(action), form)
    if not form.is_valid():
        return _page(request, actor, dossier, bound=bound, status=422)
    data = (
        form.decision_data()  # type: ignore[attr-defined]
        if action in DECISIONS
        else form.engine_data()  # type: ignore[attr-defined]
    )
    try:
        done = perform(
            dossier.code,
            action,
            actor,
            data,
            expected_version=form.cleaned_data["expected_version"],
        )
    except ValidationFailed as exc:
        place_errors(form, exc)
        return _page(request, actor, dossier, bound=bound, status=422)
    except (Conflict, PermissionDenied) as exc:
        # The state as it is now, with the reason the decision was not applied.
        fresh = get_visible(actor, code)
        return _page(request, actor, fresh, alert=exc.detail, status=exc.status)
    messages.success(request, _after(action, done))
    return redirect("web:desk:dossier", code=done.code)


def _after(action: str, dossier: Dossier) -> str:
    if action in DECISIONS:
        return done_message(action, dossier.code, dossier.due_at)
    if action == A.FORWARD:
        step = dossier.current_step
        return _("Dossier %(code)s sent to %(agency)s: %(step)s.") % {
            "code": dossier.code,
            "agency": step.agency.name if step else "—",
            "step": step.name if step else "—",
        }
    texts = {
        A.SUPPLEMENT: _("Supplement taken in for dossier %(code)s: processing continues."),
        A.RETURN_RESULT: _("Result of dossier %(code)s handed over."),
        A.WITHDRAW: _("Dossier %(code)s withdrawn at the applicant's request."),
    }
    return texts[action] % {"code": dossier.code}  # type: ignore[index]


@never_cache
@login_required
@require_safe
def find(request: HttpRequest) -> HttpResponse:
    """A code typed or scanned at the desk (a receipt, a Mẫu 02 brought back)."""
    actor = receiver(_user(request))
    form = LookupForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        for candidate in dict.fromkeys([code, code.upper()]):
            try:
                get_visible(actor, candidate)
            except NotFound:
                continue
            return redirect("web:desk:dossier", code=candidate)
        messages.error(
            request,
            _("No dossier %(code)s among the dossiers you can see.") % {"code": code},
        )
    else:
        messages.error(request, _("Type the dossier code printed on the receipt or notice."))
    return redirect("web:desk:home")


@login_required
@require_safe
def form_pdf(request: HttpRequest, code: str, form: str) -> HttpResponse:
    """Mẫu 01–06 of a dossier the official may see, as PDF to print."""
    dossier = get_visible(receiver(_user(request)), code)
    pdf = render_form(dossier, form)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mau-{form}-{dossier.code}.pdf"'
    # Forms carry personal data: never kept by shared caches or on the browser's disk.
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_safe
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    actor = receiver(_user(request))
    chosen = BY_SLUG.get(slug)
    if chosen is None:
        raise NotFound(_("The desk has no such list."))
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = 1
    now = timezone.now()
    page = queue_page(actor, chosen, number, now)
    context = {
        "queue": chosen,
        "queues": QUEUES,
        "page": page,
        "previous": page.page - 1 if page.page > 1 else None,
        "next": page.page + 1 if page.page < page.last else None,
    }
    return render(request, "web/desk/queue.html", context)
