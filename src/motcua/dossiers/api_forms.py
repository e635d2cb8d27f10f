"""Printed forms over HTTP: a dossier's Mẫu 01–06 as PDF, a desk's register (Mẫu 07) as PDF or
Excel. Mounted at the API root (``/api/v1/``); officials authenticate as on every dossier
endpoint (bearer token or session) and see only what ``selectors.get_visible`` lets them."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError

from motcua.core.problem import ERRORS, Problem
from motcua.identity.auth import OFFICIAL_AUTH
from motcua.identity.models import User

from .actor import Actor
from .printing import CONTENT_TYPES, register_centre, render_form, render_register
from .selectors import get_visible

router = Router(tags=["forms"], auth=OFFICIAL_AUTH)

RESPONSES: dict[int, Any] = {401: Problem, 403: Problem, **ERRORS, 503: Problem}


def _binary(media_type: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _actor(request: HttpRequest) -> Actor:
    # OFFICIAL_AUTH puts the user of the token or session in ``request.auth``.
    user = getattr(request, "auth", None)
    if not isinstance(user, User) or not user.is_active:
        raise AuthenticationError()
    return Actor.for_user(user)


def _file(content: bytes, content_type: str, filename: str, disposition: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # Forms carry personal data: never kept by shared caches or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/dossiers/{code}/forms/{form}.pdf",
    response=RESPONSES,
    summary="A printed form of a dossier (Mẫu 01–06) as PDF",
    description=(
        "Forms of Circular 03/2025/TT-VPCP, in Vietnamese, A4: `01` receipt and appointment "
        "(with a QR code to the public lookup), `02` completion or supplement request (the "
        "latest), `03` refusal at reception or after processing, `04` apology with the new "
        "appointment, `05` suspension notice (the latest), `06` control sheet (every "
        "hand-over with its timeliness). 404 for a dossier the official cannot see or an "
        "unknown form; 409 when the dossier has no such form (e.g. `04` before any apology); "
        "503 when the server cannot make PDFs (pango missing)."
    ),
    openapi_extra=_binary("application/pdf", "The form as PDF."),
)
def dossier_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    dossier = get_visible(_actor(request), code)
    pdf = render_form(dossier, form)
    return _file(pdf, "application/pdf", f"mau-{form}-{dossier.code}.pdf", "inline")


class RegisterQuery(Schema):
    date_from: date = Field(..., alias="from", description="First local date (inclusive).")
    date_to: date = Field(..., alias="to", description="Last local date (inclusive).")
    format: Literal["pdf", "xlsx"] = "pdf"


@router.get(
    "/registers/{centre_code}",
    response=RESPONSES,
    summary="The register of a desk (Mẫu 07) over a period, as PDF or Excel",
    description=(
        "One line per dossier received at the desk (receiving centre) between `from` and `to` "
        "(local dates, inclusive, at most 366 days): code, procedure, applicant, competent "
        "agency, channel, received, due, returned, timeliness. Only for officials of the "
        "centre and those supervising it (403 otherwise). `format=xlsx` works without pango."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The register.",
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in CONTENT_TYPES.values()
                },
            }
        }
    },
)
def register(request: HttpRequest, centre_code: str, params: Query[RegisterQuery]) -> HttpResponse:
    centre = register_centre(_actor(request), centre_code)
    content = render_register(centre, params.date_from, params.date_to, params.format)
    name = f"so-theo-doi-{centre.code}-{params.date_from}-{params.date_to}.{params.format}"
    disposition = "inline" if params.format == "pdf" else "attachment"
    return _file(content, CONTENT_TYPES[params.format], name, disposition)
