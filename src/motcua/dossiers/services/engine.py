"""The one write path: lock the dossier, check the transition table and the actor's role,
run the action's handler, derive the due time and timeliness, append the events, then let the
statistics and notifications follow — all in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.core.errors import Conflict, NotFound, PermissionDenied, invalid
from motcua.core.localtime import isoformat_local
from motcua.core.prepared import Prepared
from motcua.core.rows import insert_row, update_row

from .. import held
from ..actor import Actor
from ..clockwork import calendar_for, classify, dossier_due
from ..models import Dossier, DossierEvent, Pause
from ..refs import attach, attach_steps
from ..selectors import can_see
from ..signals import dossier_changed
from ..states import Action as A
from ..transitions import NEW, RESUME, SAME, TABLE, Rule, rule_for
from . import notify, steps
from .context import Context
from .fields import Reader
from .handlers import HANDLERS

# Actions that change the pauses: the due times of the dossier and its step move.
_PAUSING = frozenset({A.REQUEST_SUPPLEMENT, A.SUPPLEMENT, A.SUSPEND, A.RESUME})
# What actions change on a dossier row once it exists (writing only these keeps the UPDATE
# short; identity, applicant and agencies are fixed at intake).
MUTABLE = [
    "state",
    "received_at",
    "due_at",
    "remaining_hours",
    "appointment_at",
    "resolved_at",
    "returned_at",
    "return_method",
    "outcome",
    "timeliness",
    "current_step",
    "supplement_requests",
    "completion_requests",
    "restarted_at",
    "supplement_due_at",
    "version",
]
_ATTNAMES = {f.name: f.attname for f in Dossier._meta.concrete_fields if f.name in MUTABLE}
# Actions that resolve a dossier: its due time is final and its timeliness is set.
_RESOLVING = frozenset({A.APPROVE, A.REFUSE, A.WITHDRAW, A.CANCEL})


def snapshot(dossier: Dossier) -> dict[str, Any]:
    """The derived fields the statistics care about, before a change."""
    if dossier.pk is None:
        return {}
    return {
        "state": dossier.state,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "resolved_at": dossier.resolved_at,
        "timeliness": dossier.timeliness,
        "competent_agency_id": dossier.competent_agency_id,
    }


def get_rule(action: str) -> Rule:
    rule = rule_for(action)
    if rule is None:
        raise invalid("action", _("Unknown action %(action)r.") % {"action": action})
    return rule


# Why an actor may not take an action (``_check``); ``authorize`` words it.
_OFFICIALS_ONLY, _NO_ROLE, _NO_ROLE_AT_STEP, _NO_STEP = "officials", "role", "role_at_step", "step"


def _check(actor: Actor, rule: Rule, dossier: Dossier) -> tuple[Agency | None, str | None]:
    """The agency the actor would act for and None, or None and why it may not act. Roles per
    the table's ``at``. No message is built here: ``allowed_actions`` asks for every rule."""
    if actor.kind != "official":
        return (None, None) if actor.kind in rule.roles else (None, _OFFICIALS_ONLY)
    step = dossier.current_step
    if rule.at == "any":
        # Visibility was checked; the role must still be one the table names (a read-only
        # inspector sees the dossier but does not annotate it).
        if any(actor.scope.writable_agency_ids(role) for role in rule.roles):
            return None, None
        return None, _NO_ROLE
    candidates: list[Agency] = []
    roles = set(rule.roles)
    if rule.at == "centre":
        candidates = [dossier.receiving_centre]
    elif rule.at == "competent":
        candidates = [dossier.competent_agency]
    elif rule.at == "fault":
        candidates = [dossier.competent_agency] + ([step.agency] if step else [])
    elif rule.at == "step":
        if step is None:
            return None, _NO_STEP
        candidates = [step.agency]
        # At a step, act in the step's role — or as a leader of that agency.
        roles &= {step.role, "leader"}
    for agency in candidates:
        if any(actor.has(role, agency.pk) for role in roles):
            return agency, None
    return None, _NO_ROLE_AT_STEP


def authorize(actor: Actor, rule: Rule, dossier: Dossier) -> Agency | None:
    """The agency the actor acts for, or PermissionDenied (Conflict: no step to act at)."""
    agency, refusal = _check(actor, rule, dossier)
    if refusal is None:
        return agency
    if refusal == _NO_STEP:
        raise Conflict(_("The dossier is not at any workflow step."))
    if refusal == _OFFICIALS_ONLY:
        raise PermissionDenied(_("This action is reserved to officials."))
    if refusal == _NO_ROLE:
        raise PermissionDenied(
            _("Your roles do not allow “%(action)s” on this dossier.")
            % {"action": A(rule.action).label}
        )
    raise PermissionDenied(
        _("Your roles do not allow “%(action)s” on this dossier at its current step.")
        % {"action": A(rule.action).label}
    )


def allowed_actions(actor: Actor, dossier: Dossier) -> list[A]:
    """Actions the transition table and the actor's roles allow now — what the API lists and
    the web offers as buttons. Asking changes nothing; a handler may still refuse on its own
    rules (e.g. cancelling before the supplement limit)."""
    return [
        A(rule.action)
        for rule in TABLE
        if dossier.state in rule.sources and _check(actor, rule, dossier)[1] is None
    ]


# With whether the dossier was ever paused (a pause's id, or NULL): nine in ten never were, and
# their answer then needs no read of pauses. Not ``Exists``, whose constant is a parameter.
_A_PAUSE = Subquery(Pause.objects.filter(dossier_id=OuterRef("pk")).values("pk")[:1])
_LOCK: Prepared[Dossier] = Prepared(
    lambda code: (
        Dossier.objects.select_for_update()
        .filter(code=code)
        .annotate(a_pause=_A_PAUSE)
        .order_by("pk")[:1]
    )
)


def _lock(code: str) -> Dossier:
    # The bare row is locked; its reference rows come from the per-process caches (a join of
    # six tables costs PostgreSQL more to plan than to run, on every action). All its steps are
    # read, not only the current one: visibility, the handlers and the answer use them.
    dossier = _LOCK.first(code)
    if dossier is None:
        # Worded exactly as for a dossier the actor may not see: the message must not tell
        # whether another agency's dossier exists.
        raise NotFound(_("No dossier %(code)s among the dossiers you can see.") % {"code": code})
    attach(dossier, step=False)
    attach_steps(dossier)
    if dossier.a_pause is None:  # type: ignore[attr-defined]
        held.hold_pauses(dossier, [])  # an action that pauses reads them again (``commit``)
    return dossier


def perform(
    code: str,
    action: str,
    actor: Actor,
    data: dict[str, Any] | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Apply one action to an existing dossier. One transaction; nothing changes on error."""
    rule = get_rule(action)
    with transaction.atomic():
        dossier = _lock(code)
        if not can_see(actor, dossier):
            raise NotFound(
                _("No dossier %(code)s among the dossiers you can see.") % {"code": code}
            )
        if expected_version is not None and expected_version != dossier.version:
            raise Conflict(
                _(
                    "The dossier has changed since you opened it (version %(old)s, now %(new)s): "
                    "reload it and decide again."
                )
                % {"old": expected_version, "new": dossier.version}
            )
        if dossier.state not in rule.sources:
            raise Conflict(
                _("“%(action)s” is not allowed while the dossier is “%(state)s”.")
                % {"action": A(action).label, "state": dossier.get_state_display()}
            )
        agency = authorize(actor, rule, dossier)
        ctx = Context(
            dossier=dossier,
            actor=actor,
            agency=agency,
            now=now or timezone.now(),
            read=Reader(data),
            to_state=_target(rule, dossier.state),
        )
        before = snapshot(dossier)
        loaded = row_values(dossier)
        HANDLERS[action](ctx)
        commit(ctx, action, before, loaded=loaded)
    return dossier


def _target(rule: Rule, state: str) -> str:
    target = rule.target(state)
    return state if target in (SAME, RESUME) else target


def row_values(dossier: Dossier) -> dict[str, Any]:
    """The mutable columns' values as loaded, to write back only those an action changed."""
    return {name: getattr(dossier, _ATTNAMES[name]) for name in MUTABLE}


def commit(
    ctx: Context, action: str, before: dict[str, Any], *, loaded: dict[str, Any] | None = None
) -> DossierEvent:
    """Write the new state, derived fields and events; signal; queue notifications.
    ``loaded``: the mutable columns as the row holds them (``row_values``); only those that changed
    are written (all of them without it)."""
    d = ctx.dossier
    from_state = before.get("state", "")
    d.state = ctx.to_state
    old_due = before.get("due_at")
    # The due time's inputs change only at receipt, with the pauses, and at resolution.
    timed = action == A.RECEIVE or action in _PAUSING or action in _RESOLVING
    if not before:
        held.hold_pauses(d, [])  # created in this transaction: no pause yet
    elif action in _PAUSING or (timed and d.received_at):
        held.hold_pauses(d, steps.pause_rows(d))  # read after the handler: current
    pauses = steps.intervals(d) if timed and d.received_at else []
    if timed and d.received_at is not None:
        due = dossier_due(
            calendar_for(d.competent_agency),
            d.procedure_version,
            d.received_at,
            pauses,
            d.restarted_at,
        )
        d.due_at, d.remaining_hours = due.due_at, due.remaining_hours
    if action in _RESOLVING and d.resolved_at is not None:
        d.timeliness = classify(d.resolved_at, d.due_at)
    if action in _PAUSING and d.current_step is not None:
        steps.refresh_step_due(d.current_step, pauses)
    due_moved = bool(before) and d.received_at is not None and old_due != d.due_at
    due_moved = due_moved and action != A.RECEIVE
    d.version += 2 if due_moved else 1
    # No ``save``: its override only adds the folded name, which an action never changes.
    if loaded is None:
        update_row(d, MUTABLE)
    else:
        update_row(d, [n for n in MUTABLE if getattr(d, _ATTNAMES[n]) != loaded[n]])
    event = DossierEvent(
        dossier=d,
        seq=d.version - 1 if due_moved else d.version,
        action=action,
        from_state=from_state if from_state != NEW else "",
        to_state=d.state,
        actor=ctx.actor.user,
        actor_name=ctx.actor.name,
        agency=ctx.agency,
        at=ctx.now,
        note=ctx.note,
        payload=ctx.payload,
        due_at=d.due_at,
    )
    insert_row(event)
    if due_moved:
        _due_event(d, d.version, old_due, d.due_at, ctx.now, reason=action)
    dossier_changed.send(sender=Dossier, dossier=d, before=before, event=event)
    queued = notify.applicant(d, ctx.notify, event) if ctx.notify else []
    if not before:
        held.hold_notifications(d, queued)  # a new dossier's only messages
    return event


def record_due_change(
    dossier: Dossier, old: datetime | None, new: datetime | None, at: datetime, reason: str
) -> DossierEvent:
    """A due time moved outside any action (a calendar amendment): its own event."""
    dossier.version += 1
    Dossier.objects.filter(pk=dossier.pk).update(version=dossier.version)
    return _due_event(dossier, dossier.version, old, new, at, reason)


def _due_event(
    dossier: Dossier,
    seq: int,
    old: datetime | None,
    new: datetime | None,
    at: datetime,
    reason: str,
) -> DossierEvent:
    event = DossierEvent(
        dossier=dossier,
        seq=seq,
        action=A.DUE_CHANGED,
        from_state=dossier.state,
        to_state=dossier.state,
        actor_name="motcua",
        at=at,
        due_at=new,
        payload={
            "from": isoformat_local(old) if old else None,
            "to": isoformat_local(new) if new else None,
            "reason": reason,
        },
    )
    insert_row(event)
    return event
