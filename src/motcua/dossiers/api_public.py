"""The public lookup (``/api/v1/public/dossiers/{code}``): anyone with a dossier's code may
follow its progress, never see who it belongs to. No login; rate-limited per client."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router

from motcua.core.errors import NotFound
from motcua.core.prepared import Prepared
from motcua.core.problem import ERRORS, Problem
from motcua.identity.auth import ClientRateThrottle
from motcua.identity.ratelimit import LOOKUPS

from . import api_render as render
from .models import Dossier
from .refs import attach
from .schemas import PublicDossier

router = Router(tags=["public"])

PUBLIC_ERRORS: dict[int, Any] = {**ERRORS, 429: Problem}
# What ``api_render.public`` (and ``refs.attach``) read of a dossier.
PUBLIC_FIELDS = (
    "code",
    "state",
    "applicant_name",
    "procedure_id",
    "procedure_version_id",
    "competent_agency_id",
    "receiving_centre_id",
    "reception_point_id",
    "received_at",
    "due_at",
    "appointment_at",
    "resolved_at",
    "returned_at",
    "timeliness",
)


_PUBLIC: Prepared[Dossier] = Prepared(
    lambda code: Dossier.objects.filter(code=code).only(*PUBLIC_FIELDS)[:1]
)


@router.get(
    "/dossiers/{code}",
    response={200: PublicDossier, **PUBLIC_ERRORS},
    auth=None,
    throttle=[ClientRateThrottle("public-lookup", counter=LOOKUPS)],
    summary="Look up a dossier's progress by its code (public)",
    description=(
        "State, procedure, competent agency, received, due, appointment and resolved times, "
        "and the steps with their timeliness. The applicant appears as initials only "
        '("N. V. A."); no ID, phone, e-mail, address or official\'s name is ever shown. '
        "Limited per client address (60 requests a minute by default): beyond it, 429 with "
        "`Retry-After`."
    ),
)
def lookup(
    request: HttpRequest,
    code: str = Path(..., max_length=60, examples=["000.00.02.H20-260310-0001"]),
) -> PublicDossier:
    # The columns the answer shows, and no ORDER BY (the code is unique): on the busiest
    # public endpoint the ORM's compiling of the whole row was a third of the request.
    dossier = _PUBLIC.first(code.strip())
    if dossier is None:
        raise NotFound(_("No dossier has code %(code)s.") % {"code": code})
    return render.public(attach(dossier, step=False))
