"""Creating dossiers: at the counter (``receive``, or a completion notice / a refusal handed
over before any dossier existed) and online or by post (``submit``)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, AgencyKind, ReceptionPoint
from motcua.catalog.models import AgencyScope, ProcedureVersion, Status
from motcua.core.errors import Conflict, PermissionDenied, invalid
from motcua.core.localtime import local_date
from motcua.core.rows import insert_row

from .. import held
from ..actor import Actor
from ..models import Dossier, IdempotencyKey
from ..refs import AGENCIES, CURRENT_PROCEDURES, POINTS
from ..states import Action as A
from ..states import Channel
from ..transitions import NEW
from .applicant import read_applicant
from .codes import new_code
from .context import Context
from .engine import commit, get_rule, row_values
from .fields import Reader
from .handlers import HANDLERS

INTAKE_ACTIONS = (A.RECEIVE, A.SUBMIT, A.REQUEST_COMPLETION, A.REJECT_AT_RECEPTION)


class _Replayed(Exception):
    def __init__(self, dossier: Dossier) -> None:
        self.dossier = dossier


def request_hash(action: str, data: dict[str, Any]) -> str:
    canonical = json.dumps([action, data], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(client: str, key: str, digest: str) -> Dossier | None:
    row = IdempotencyKey.objects.filter(client=client, key=key).select_related("dossier").first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
        )
    return row.dossier


def intake(
    action: str,
    actor: Actor,
    data: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Dossier, bool]:
    """Create a dossier; returns it and whether it was created (False: an idempotent replay)."""
    if action not in INTAKE_ACTIONS:
        raise invalid(
            "action",
            _(
                "A dossier is created by receive, submit, request_completion "
                "or reject_at_reception."
            ),
        )
    client = f"user:{actor.user.pk}" if actor.user else "system"
    digest = request_hash(action, data)
    if idempotency_key:
        existing = _replay(client, idempotency_key, digest)
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            dossier = _create(action, actor, data, now or timezone.now())
            if idempotency_key:
                try:
                    with transaction.atomic():
                        IdempotencyKey.objects.create(
                            client=client,
                            key=idempotency_key,
                            request_hash=digest,
                            dossier=dossier,
                        )
                except IntegrityError:
                    # The same request won a race on another connection: undo ours (the code's
                    # running number included) and answer with theirs.
                    raise _Replayed(dossier) from None
    except _Replayed:
        winner = _replay(client, idempotency_key or "", digest)
        assert winner is not None
        return winner, False
    return dossier, True


def _published_version(read: Reader) -> ProcedureVersion | None:
    code = read.text("procedure", required=True)
    if not code:
        return None
    procedure = CURRENT_PROCEDURES.by_code(code)
    version = procedure.current if procedure is not None else None
    if procedure is None or version is None or version.status != Status.PUBLISHED:
        read.fail("procedure", _("No published procedure has code %(code)r.") % {"code": code})
        return None
    return version


def _eligible(version: ProcedureVersion, agency: Agency) -> bool:
    if version.agency_scope == AgencyScope.LISTED:
        return version.agencies.filter(pk=agency.pk).exists()
    return agency.level in version.levels and agency.kind != AgencyKind.SERVICE_CENTRE


def _competent(read: Reader, version: ProcedureVersion | None) -> Agency | None:
    code = read.text("agency")
    if version is None:
        return None
    if not code:
        listed = (
            list(version.agencies.all()[:2]) if version.agency_scope == AgencyScope.LISTED else []
        )
        if len(listed) == 1:
            return listed[0]
        read.fail("agency", _("Choose the competent agency (the one that resolves the dossier)."))
        return None
    agency = AGENCIES.by_code(code)
    if agency is None:
        read.fail("agency", _("No agency has code %(code)r.") % {"code": code})
    elif not _eligible(version, agency):
        read.fail(
            "agency", _("%(agency)s does not resolve this procedure.") % {"agency": agency.name}
        )
        return None
    return agency


def _centre_of(agency: Agency) -> Agency | None:
    """The service centre that serves an agency: its own, or its parent's (departments are
    served by the provincial centre)."""
    for parent_id in (agency.pk, agency.parent_id):
        if parent_id is None:
            continue
        centre = Agency.objects.filter(parent_id=parent_id, kind=AgencyKind.SERVICE_CENTRE).first()
        if centre is not None:
            return centre
    return None


def _reception(
    read: Reader, actor: Actor, competent: Agency | None
) -> tuple[Agency | None, ReceptionPoint | None]:
    point_code = read.text("reception_point")
    centre_code = read.text("receiving_centre")
    point = None
    if centre_code:
        centre = Agency.objects.filter(code=centre_code).first()
        if centre is None:
            read.fail("receiving_centre", _("No agency has code %(code)r.") % {"code": centre_code})
            return None, None
    elif actor.kind == "official":
        centres = actor.agencies_with("receiver")
        if len(centres) != 1:
            read.fail("receiving_centre", _("Choose the centre receiving the dossier."))
            return None, None
        centre = AGENCIES.get(next(iter(centres)))
    else:
        centre = _centre_of(competent) if competent else None
        if centre is None:
            read.fail("receiving_centre", _("Choose the centre receiving the dossier."))
            return None, None
    if point_code:
        point = ReceptionPoint.objects.filter(
            agency=centre, code=point_code, is_active=True
        ).first()
        if point is None:
            read.fail(
                "reception_point",
                _("%(centre)s has no active reception point %(code)r.")
                % {"centre": centre.name, "code": point_code},
            )
    elif actor.points:
        # The official's own point at this centre (the lowest, if several), from the cache.
        mine = sorted(pk for pk in actor.points if POINTS.get(pk).agency_id == centre.pk)
        point = POINTS.get(mine[0]) if mine else None
    return centre, point


def _create(action: str, actor: Actor, data: dict[str, Any], now: datetime) -> Dossier:
    rule = get_rule(action)
    read = Reader(data)
    version = _published_version(read)
    competent = _competent(read, version)
    centre, point = _reception(read, actor, competent)
    applicant = read_applicant(read)
    subject = read.text("subject", max_length=500)
    submitter = read.text("submitter_name", max_length=300)
    if action == A.SUBMIT:
        channel = read.choice("channel", [Channel.ONLINE, Channel.POSTAL], required=True)
    else:
        channel = read.choice("channel", [Channel.COUNTER]) or Channel.COUNTER
    if version is not None and channel == Channel.POSTAL and not version.postal:
        read.fail("channel", _("This procedure is not offered by post."))
    if version is not None and channel == Channel.ONLINE and version.online_level == "none":
        read.fail("channel", _("This procedure is not offered online."))
    read.check(_("The dossier cannot be created."))
    assert version is not None and competent is not None and centre is not None
    if actor.kind == "official" and not actor.has("receiver", centre.pk):
        raise PermissionDenied(
            _("Only a receiver of %(centre)s can take in dossiers there.") % {"centre": centre.name}
        )
    if actor.kind != "official" and actor.kind not in rule.roles:
        raise PermissionDenied(_("This action is reserved to officials."))
    dossier = Dossier(
        code=new_code(competent, local_date(now)),
        procedure=CURRENT_PROCEDURES.get(version.procedure_id),
        procedure_version=version,
        channel=channel,
        state=rule.target(NEW),
        reception_point=point,
        receiving_centre=centre,
        competent_agency=competent,
        subject=subject,
        submitter_name=submitter,
        submitted_at=now,
        created_by=actor.user,
        **applicant,
    )
    dossier.fold_name()
    insert_row(dossier)
    held.hold_steps(dossier, [])
    loaded = row_values(dossier)
    ctx = Context(
        dossier=dossier,
        actor=actor,
        agency=centre if actor.kind == "official" else None,
        now=now,
        read=read,
        to_state=rule.target(NEW),
    )
    HANDLERS[action](ctx)
    commit(ctx, action, {}, loaded=loaded)
    return dossier
