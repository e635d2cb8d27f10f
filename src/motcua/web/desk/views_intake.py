"""The desk's home and the counter intake: find the procedure, tick its checklist, fill the
applicant from the national ID, then receive, request completion or reject — one POST, one
``dossiers.services.intake`` call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from motcua.agencies.models import Agency, Level
from motcua.catalog.models import Status, TimeUnit
from motcua.catalog.selectors import procedure_detail, search_procedures
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.dossiers.actor import Actor
from motcua.dossiers.services import intake
from motcua.dossiers.services.applicant import national_id_problem
from motcua.identity.models import User
from motcua.integrations import population
from motcua.integrations.population import PopulationUnavailable

from ..forms import LookupForm
from . import checklist
from .forms import DECISIONS, PREFILL, IntakeForm, new_token, place_errors
from .queues import (
    QUEUES,
    competent_choices,
    desk_counts,
    desks,
    fees_by_procedure,
    obvious_agency,
    receiver,
)

RESULTS = 20
PUBLISHED = (Status.PUBLISHED.value,)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _htmx_target(request: HttpRequest) -> str | None:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return str(htmx.target or "") or None
    return None


def _clean(text: str | None, limit: int = 200) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable())[:limit].strip()


def procedure_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Search results with what the desk needs to pick: level, time limit, fees."""
    fees = fees_by_procedure([item["code"] for item in items])
    levels = dict(Level.choices)
    units = dict(TimeUnit.choices)
    return [
        {
            **item,
            "level_labels": [levels.get(lvl, lvl) for lvl in item["levels"]],
            "unit": units.get(item["processing_time"]["unit"], ""),
            "fees": [amount for amount in fees.get(item["code"], []) if amount],
        }
        for item in items
    ]


@never_cache
@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    actor = receiver(_user(request))
    q = _clean(request.GET.get("q"))
    result = search_procedures(q=q, page_size=RESULTS, allowed_statuses=PUBLISHED) if q else None
    counts = desk_counts(actor, timezone.now())
    context = {
        "q": q,
        "result": result,
        "rows": procedure_rows(result.items) if result else [],
        "counts": counts,
        "waiting": [(q, getattr(counts, q.key)) for q in QUEUES.values()],
        "busy": any(getattr(counts, key) for key in QUEUES),
        "lookup_form": LookupForm(),
    }
    template = "web/desk/home.html"
    if _htmx_target(request) == "procedure-results":
        template += "#results"
    return render(request, template, context)


@dataclass
class Setting:
    """What an intake form of one procedure needs, for one receiver."""

    actor: Actor
    procedure: dict[str, Any]
    docs: list[checklist.Doc]
    desks: list[Any]
    centres: list[Agency]
    agencies: list[Agency]

    def form(self, *args: Any, intent: str = "", **kwargs: Any) -> IntakeForm:
        return IntakeForm(
            *args,
            docs=self.docs,
            desks=self.desks,
            agencies=[(a.code, a.name) for a in self.agencies],
            intent=intent,
            prefill_url=reverse("web:desk:intake", kwargs={"code": self.procedure["code"]}),
            **kwargs,
        )


def _setting(user: User, code: str) -> Setting:
    actor = receiver(user)
    procedure = procedure_detail(code, allowed_statuses=PUBLISHED)
    my_desks = desks(actor)
    centres = list({d.centre.pk: d.centre for d in my_desks}.values())
    return Setting(
        actor=actor,
        procedure=procedure,
        docs=checklist.documents(procedure["documents"]),
        desks=my_desks,
        centres=centres,
        agencies=competent_choices(procedure, centres, timezone.now()),
    )


def _context(s: Setting, form: IntakeForm, **extra: Any) -> dict[str, Any]:
    ticked = form.ticked()
    p = s.procedure
    return {
        "p": p,
        "form": form,
        "docs": s.docs,
        "ticked": ticked,
        "missing": checklist.missing(s.docs, ticked),
        "fees": [fee for fee in p["fees"] if fee["amount_vnd"]],
        "free": not any(fee["amount_vnd"] for fee in p["fees"]),
        "unit": dict(TimeUnit.choices).get(p["processing_time"]["unit"], ""),
        "levels": [dict(Level.choices).get(lvl, lvl) for lvl in p["levels"]],
        "single_desk": s.desks[0] if len(s.desks) == 1 else None,
        **extra,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intake_view(request: HttpRequest, code: str) -> HttpResponse:
    s = _setting(_user(request), code)
    if request.method == "POST":
        return _post(request, s)
    ticked = [v for v in request.GET.getlist("doc") if v.isdigit()]
    obvious = obvious_agency(s.agencies, s.centres)
    form = s.form(
        initial={
            "token": new_token(),
            "version": s.procedure["version"],
            "desk": s.desks[0].value if s.desks else "",
            "agency": obvious.code if obvious else "",
            "applicant_kind": "citizen",
            "doc": ticked,
        }
    )
    template = "web/desk/intake.html"
    if _htmx_target(request) == "missing-preview":
        template += "#missing"
    return render(request, template, _context(s, form))


def _post(request: HttpRequest, s: Setting) -> HttpResponse:
    intent = request.POST.get("intent", "")
    if intent == PREFILL:
        return _prefill(request, s)
    form = s.form(request.POST, intent=intent)
    status = 422
    if intent not in DECISIONS:
        form.is_valid()
        form.add_error(
            None, _("Choose what to do with the dossier: receive, request completion or reject.")
        )
    elif form.is_valid():
        if form.cleaned_data["version"] != s.procedure["version"]:
            data = request.POST.copy()
            data["version"] = str(s.procedure["version"])
            form = s.form(data, intent=intent)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "The procedure was updated since this page was opened: "
                    "check the documents again."
                ),
            )
            status = 409
        else:
            try:
                dossier, _created = intake(
                    intent,
                    s.actor,
                    form.intake_data(s.procedure["code"]),
                    idempotency_key=f"desk:{form.cleaned_data['token']}",
                )
            except ValidationFailed as exc:
                place_errors(form, exc)
            except (Conflict, PermissionDenied) as exc:
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                messages.success(request, done_message(intent, dossier.code, dossier.due_at))
                return redirect("web:desk:dossier", code=dossier.code)
    return render(request, "web/desk/intake.html", _context(s, form), status=status)


def done_message(action: str, code: str, due: Any = None) -> str:
    if action == "receive":
        when = date_format(localtime(due), "H:i d/m/Y") if due else "—"
        return _("Dossier %(code)s received. Appointment for the result: %(due)s.") % {
            "code": code,
            "due": when,
        }
    if action == "request_completion":
        return _(
            "Completion request recorded as dossier %(code)s: print the notice (form 02) for "
            "the applicant."
        ) % {"code": code}
    return _(
        "Dossier %(code)s rejected at reception: print the notice (form 03) for the applicant."
    ) % {"code": code}


# "Công dân không viết": the applicant's particulars from the national ID -------------------


@dataclass(frozen=True)
class Lookup:
    tone: str  # success | warning
    message: str
    citizen: population.Citizen | None = None


def look_up(national_id: str) -> tuple[Lookup | None, str | None]:
    """The population database's answer for a typed ID — or, when the ID itself is wrong,
    what is wrong with it (shown next to the field; nothing is looked up)."""
    national_id = "".join(national_id.split())
    if not national_id:
        return None, _("Type the 12-digit national ID number first.")
    problem = national_id_problem(national_id)
    if problem:
        return None, problem
    try:
        citizen = population.lookup(national_id)
    except PopulationUnavailable as exc:
        return Lookup("warning", exc.detail), None
    if citizen is None:
        message = _(
            "No one with this ID number in the population database: type the applicant's "
            "particulars."
        )
        return Lookup("warning", message), None
    return Lookup("success", _("Filled from the population database."), citizen), None


def _prefill(request: HttpRequest, s: Setting) -> HttpResponse:
    """Fill the applicant from the population database: the htmx request swaps the applicant
    block only (and pre-selects the competent agency the address names, if none was chosen);
    without script the whole form comes back, filled. Nothing is written."""
    posted = request.POST
    initial: dict[str, Any] = {name: posted.get(name, "") for name in s.form().fields}
    initial["doc"] = posted.getlist("doc")
    lookup, problem = look_up(posted.get("national_id", ""))
    named = None
    citizen = lookup.citizen if lookup else None
    if citizen is not None:
        initial.update(
            applicant_kind="citizen",
            national_id=citizen.national_id,
            applicant_name=citizen.full_name,
            address=citizen.address,
            phone=citizen.phone or initial.get("phone", ""),
            email=citizen.email or initial.get("email", ""),
        )
        if not initial.get("agency"):
            named = obvious_agency(s.agencies, s.centres, citizen.address)
            if named is not None:
                initial["agency"] = named.code
    form = s.form(initial=initial)
    if problem:
        form.cleaned_data = {}  # an unbound form keeps no cleaned data for add_error to trim
        form.add_error("national_id", problem)
    if _htmx_target(request) == "applicant":
        # The agency select lives outside the applicant block: sent out of band.
        oob = named is not None
        if oob:
            form.fields["agency"].widget.attrs["hx-swap-oob"] = "true"
        context = _context(s, form, lookup=lookup, oob_agency=oob)
        return render(request, "web/desk/intake.html#applicant", context)
    return render(request, "web/desk/intake.html", _context(s, form, lookup=lookup))
