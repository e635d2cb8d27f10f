"""``/dieu-hanh/ho-so/``: the dossiers behind one figure of a report (the drill-down), from the
conditions that define the figure (``stats.report_drill``), among the dossiers the official
may see — so for an official who sees the whole scope, the list's length is the figure.

Its arguments are the API's (``figure``, ``from``, ``to``, ``as_of``, ``agency``, ``level``,
``field``, ``procedure``, ``channel``), so a link made by a report page is also a link an
integrator could build; ``own=1`` narrows an agency's list to the dossiers it resolves itself
(the "own" row of the agency tree). Only codes, procedures, agencies, channels, states and
times are shown: never applicant data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.agencies.models import Level
from motcua.agencies.selectors import paginate
from motcua.core.errors import FieldError, ValidationFailed
from motcua.dossiers.actor import Actor
from motcua.dossiers.selectors import visibility
from motcua.dossiers.states import Channel, State
from motcua.stats.report_args import SCOPE_KEYS, for_official, parse_args
from motcua.stats.report_drill import FIGURES, figure_dossiers, report_dossiers

from ..roles import WORKSPACE_URL, me
from .tables import FIGURE_LABELS
from .units import require_dashboard_role
from .views import page_number

PAGE_SIZE = 50


@login_required
@require_safe
def dossiers(request: HttpRequest) -> HttpResponse:
    require_dashboard_role(me(request))
    query = request.GET
    scope_args = for_official(
        request.user, {key: query[key] for key in SCOPE_KEYS if query.get(key)}
    )
    figure = (query.get("figure") or "").strip()
    errors = []
    if figure not in FIGURES:
        errors.append(
            FieldError("figure", _("One of: %(values)s.") % {"values": ", ".join(FIGURES)})
        )
    try:
        args = parse_args(scope_args, query.get("from"), query.get("to"), query.get("as_of"))
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, [*exc.errors, *errors]) from None
    if errors:
        raise ValidationFailed(_("The report's arguments are not valid."), errors)
    as_of = args.period.as_of(timezone.now(), args.requested_as_of)
    number = page_number(query.get("page"))
    actor = Actor.for_user(request.user)  # type: ignore[arg-type]
    own = query.get("own") == "1" and args.agency is not None
    if own:
        rows = (
            figure_dossiers(args.scope, args.period, as_of, figure)
            .filter(competent_agency=args.agency)
            .filter(visibility(actor))
            .select_related("procedure", "procedure_version", "competent_agency")
            .order_by("received_at", "code")
        )
        page = paginate(rows, number, PAGE_SIZE)
    else:
        page = report_dossiers(
            args.scope, args.period, as_of, figure, actor=actor, page=number, page_size=PAGE_SIZE
        )
    pages = -(-page.count // PAGE_SIZE)
    context: dict[str, Any] = {
        "figure": figure,
        "figure_label": FIGURE_LABELS[figure],
        "args": args,
        "as_of": as_of,
        "own": own,
        "page": page,
        "pages": pages,
        "previous": _link(query, number - 1) if number > 1 else None,
        "next": _link(query, number + 1) if number < pages else None,
        "workspace_url": WORKSPACE_URL,
        "states": dict(State.choices),
        "channels": dict(Channel.choices),
        "levels": dict(Level.choices),
    }
    return render(request, "web/dashboard/dossiers.html", context)


def _link(query: Any, number: int) -> str:
    params = {k: v for k, v in query.items() if k != "page"}
    return "?" + urlencode({**params, "page": number})
