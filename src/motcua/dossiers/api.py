"""The dossier API for officials (``/api/v1/dossiers``): intake, the scoped list, one dossier,
its events, and one endpoint per action so that the OpenAPI document describes each body.

Officials authenticate with a bearer token or their session (``motcua.identity.auth``); every
read goes through ``selectors.visible_dossiers`` and every write through the engine, so the API
sees and may do exactly what the same official sees and may do in the web pages.
"""

# No ``from __future__ import annotations``: the action endpoints are built in a loop, and
# django-ninja reads each body's class from the annotations of the function it is given.

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import override
from ninja import Body, Header, Path, Query, Router, Status

from motcua.core.errors import NotFound, invalid
from motcua.core.problem import ERRORS, Problem
from motcua.identity.auth import OFFICIAL_AUTH

from . import api_render as render
from .actor import Actor
from .api_queries import search_dossiers
from .models import Dossier
from .refs import attach
from .schemas import (
    ACTION_BODIES,
    ActionIn,
    DossierDetail,
    DossierFilters,
    DossierPage,
    EventOut,
    IntakeIn,
)
from .selectors import events, get_visible
from .services import intake, perform
from .states import Action

router = Router(tags=["dossiers"], auth=OFFICIAL_AUTH)

OFFICIAL_ERRORS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem}
CODE = Path(..., max_length=60, description="Dossier code.", examples=["000.00.02.H20-260310-0001"])
_IF_MATCH = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.auth)  # type: ignore[attr-defined]


def _etag(dossier: Dossier) -> str:
    return f'"{dossier.version}"'


def _written(dossier: Dossier, *, replayed: bool = False) -> Dossier:
    """The dossier the engine just wrote, with what the detail shows: the engine's own object is
    current and carries its reference rows, so it is not read again. A replayed intake was read
    from the database and needs its reference rows and current step."""
    return attach(dossier) if replayed else dossier


def _expected_version(if_match: str | None, body_version: int | None) -> int | None:
    header_version = None
    if if_match is not None and if_match.strip() not in ("", "*"):
        match = _IF_MATCH.match(if_match)
        if match is None:
            raise invalid(
                "If-Match",
                _('Send the version the decision was taken on as If-Match: "7" (the ETag).'),
            )
        header_version = int(match.group(1))
    if header_version is not None and body_version is not None and header_version != body_version:
        raise invalid("expected_version", _("If-Match and expected_version disagree."))
    return header_version if header_version is not None else body_version


@router.post(
    "",
    response={201: DossierDetail, 200: DossierDetail, **OFFICIAL_ERRORS},
    summary="Create a dossier (counter intake or online/postal submission)",
    description=(
        "`action` says how the dossier comes in: `receive` (at the counter, complete: the clock "
        "starts), `submit` (online or by post: it waits for a receiver), `request_completion` "
        "or `reject_at_reception` (at the counter, before reception). 201 with the new dossier. "
        "With an `Idempotency-Key` header, a retried request answers 200 with the dossier the "
        "first one created, never a second dossier; the same key with a different body is a "
        "409."
    ),
)
def create_dossier(
    request: HttpRequest,
    response: HttpResponse,
    payload: Body[IntakeIn],
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description="Any unique string of the client's (a UUID), reused when retrying.",
    ),
) -> Status[DossierDetail]:
    actor = _actor(request)
    data = payload.model_dump(mode="json", exclude_none=True)
    action = data.pop("action")
    dossier, created = intake(action, actor, data, idempotency_key=idempotency_key or None)
    dossier = _written(dossier, replayed=not created)
    response["ETag"] = _etag(dossier)
    return Status(201 if created else 200, render.detail(dossier, actor))


@router.get(
    "",
    response={200: DossierPage, **OFFICIAL_ERRORS},
    summary="List the dossiers you can see",
    description=(
        "Only dossiers within your scope (your centre's, your agency's, or your subtree's for "
        "administrators and inspectors). Filters combine; `state` may be repeated. Ordered by "
        "due time (soonest first, dossiers without one last) unless `ordering` says otherwise. "
        "Pages of `page_size` (1–100)."
    ),
)
def list_dossiers(request: HttpRequest, filters: Query[DossierFilters]) -> DossierPage:
    page = search_dossiers(_actor(request), filters)
    return DossierPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[render.summary(d) for d in page.items],
    )


@router.get(
    "/{code}",
    response={200: DossierDetail, **OFFICIAL_ERRORS},
    summary="One dossier, in full",
    description=(
        "The dossier with its applicant, steps (the control sheet), pauses, notifications and "
        "the actions you may take now. A dossier outside your scope is a 404. The `ETag` "
        "header is its version: send it back as `If-Match` with an action."
    ),
)
def get_dossier(request: HttpRequest, response: HttpResponse, code: str = CODE) -> DossierDetail:
    actor = _actor(request)
    dossier = get_visible(actor, code)
    response["ETag"] = _etag(dossier)
    return render.detail(dossier, actor)


@router.get(
    "/{code}/events",
    response={200: list[EventOut], **OFFICIAL_ERRORS},
    summary="The history of a dossier",
    description="Every event in order, append-only: transitions and moved due times.",
)
def dossier_events(request: HttpRequest, code: str = CODE) -> list[EventOut]:
    dossier = get_visible(_actor(request), code)
    return [render.event(e) for e in events(dossier)]


def _act(
    request: HttpRequest,
    response: HttpResponse,
    code: str,
    action: str,
    payload: ActionIn | None,
    if_match: str | None,
) -> DossierDetail:
    actor = _actor(request)
    data = payload.model_dump(mode="json", exclude_none=True) if payload is not None else {}
    expected = _expected_version(if_match, data.pop("expected_version", None))
    # The engine answers "not found" alike for a dossier that does not exist and for one
    # outside the actor's scope, so no separate check is needed here.
    dossier = _written(perform(code, action, actor, data, expected_version=expected))
    response["ETag"] = _etag(dossier)
    return render.detail(dossier, actor)


_ACTION_TEXT = (
    "Applies `{action}` to the dossier: one transaction that checks the state and your role at "
    "the right agency, then records the event. 409 when the state does not allow it or the "
    "version is stale (`If-Match` or `expected_version`), 403 when your roles do not, 404 when "
    "the dossier is not within your scope, 422 naming each invalid field."
)


def _register(action: str, body: type[ActionIn]) -> None:
    optional = all(not f.is_required() for f in body.model_fields.values())

    if optional:

        def view(
            request: HttpRequest,
            response: HttpResponse,
            code: str = CODE,
            payload: body | None = None,  # type: ignore[valid-type]
            if_match: str | None = Header(None, alias="If-Match", max_length=100),
        ) -> DossierDetail:
            return _act(request, response, code, action, payload, if_match)

    else:

        def view(  # type: ignore[misc]
            request: HttpRequest,
            response: HttpResponse,
            payload: body,  # type: ignore[valid-type]
            code: str = CODE,
            if_match: str | None = Header(None, alias="If-Match", max_length=100),
        ) -> DossierDetail:
            return _act(request, response, code, action, payload, if_match)

    view.__name__ = f"action_{action}"
    with override(None):  # the msgid: the OpenAPI document is written in English
        summary = str(Action(action).label)
    router.post(
        f"/{{code}}/actions/{action}",
        response={200: DossierDetail, **OFFICIAL_ERRORS},
        summary=summary,
        description=_ACTION_TEXT.format(action=action),
        operation_id=f"motcua_dossiers_api_action_{action}",
    )(view)


for _action, _body in ACTION_BODIES.items():
    _register(_action, _body)


@router.post(
    "/{code}/actions/{action}",
    response={404: Problem},
    include_in_schema=False,
)
def unknown_action(request: HttpRequest, code: str, action: str) -> None:
    raise NotFound(
        _("There is no action %(action)r. Actions: %(actions)s.")
        % {"action": action, "actions": ", ".join(ACTION_BODIES)}
    )
