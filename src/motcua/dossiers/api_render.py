"""Dossiers as the API shows them: to officials (scoped, in full) and to the public (masked).

Instants leave in local time (``+07:00``), as on the receipts and in the command line.

The answers are built with ``model_construct``: they are made here from typed rows, and
validating each nested object again (django-ninja wraps every one) was a sixth of a public
lookup's time. The tests validate the answers against their schemas (``test_api_answers``,
schemathesis).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from motcua.agencies.models import Agency, Role
from motcua.clock.engine import HOUR_US, WorkingCalendar, to_us
from motcua.core.localtime import local
from motcua.core.prepared import Prepared
from motcua.notifications.models import Notification
from motcua.notifications.selectors import for_subject

from . import held
from .actor import Actor
from .clockwork import calendar_for
from .models import ApplicantKind, Dossier, DossierEvent, DossierStep, Pause
from .refs import assignee as official
from .refs import attach_step
from .schemas import (
    ApplicantOut,
    DossierDetail,
    DossierStepOut,
    DossierSummary,
    EventOut,
    NotificationOut,
    OfficialRef,
    PauseOut,
    ProcedureRef,
    PublicDossier,
    PublicStep,
    Ref,
)
from .selectors import steps_of
from .services.engine import allowed_actions
from .states import (
    PAUSED,
    RUNNING,
    Action,
    Channel,
    Outcome,
    PauseKind,
    ReturnMethod,
    State,
    Timeliness,
)


def _state_label(state: str) -> str:
    # Not ``get_state_display``: it hashes every choice's label, translating each, per call.
    return str(State(state).label)


def _timeliness(value: str) -> Timeliness | None:
    return Timeliness(value) if value else None


def _t(value: datetime | None) -> datetime | None:
    return local(value) if value is not None else None


def _ref(agency: Agency | None) -> Ref | None:
    return Ref.model_construct(code=agency.code, name=agency.name) if agency is not None else None


def _agency(agency: Agency) -> Ref:
    return Ref.model_construct(code=agency.code, name=agency.name)


def is_overdue(dossier: Dossier, now: datetime) -> bool:
    return dossier.state in RUNNING and dossier.due_at is not None and dossier.due_at < now


def initials(name: str) -> str:
    """ "Nguyễn Văn An" → "N. V. A.": enough to recognise one's own dossier, not to identify."""
    letters = []
    for word in name.split():
        first = next((ch for ch in word if ch.isalnum()), None)
        if first is not None:
            upper = first.upper()
            # "ß".upper() is "SS": keep one character whatever the case mapping does.
            letters.append(f"{upper if len(upper) == 1 else first}.")
    return " ".join(letters)


def remaining_hours(
    dossier: Dossier,
    now: datetime,
    paused_at: datetime | None,
    calendar: WorkingCalendar | None = None,
) -> float | None:
    """Working hours from now (or, while paused, from when the clock stopped) to the due time;
    negative once it has passed. ``calendar``: the competent agency's, when the caller already
    has it (a list computes many rows on few calendars)."""
    if dossier.state in PAUSED and dossier.remaining_hours is not None:
        return float(dossier.remaining_hours)
    if dossier.state not in RUNNING | PAUSED or dossier.due_at is None:
        return None
    at = paused_at if dossier.state in PAUSED and paused_at is not None else now
    calendar = calendar or calendar_for(dossier.competent_agency)
    try:
        if dossier.due_at >= at:
            worked = calendar.worked_us(to_us(at), to_us(dossier.due_at))
        else:
            worked = -calendar.worked_us(to_us(dossier.due_at), to_us(at))
    except ValueError:  # outside the years the calendar covers
        return None
    return round(worked / HOUR_US, 2)


def _summary_fields(dossier: Dossier, now: datetime) -> dict[str, Any]:
    step = dossier.current_step
    version = dossier.procedure_version
    return {
        "code": dossier.code,
        "procedure": ProcedureRef.model_construct(
            code=dossier.procedure.code, name=version.name, version=version.version
        ),
        "channel": Channel(dossier.channel),
        "state": State(dossier.state),
        "state_label": _state_label(dossier.state),
        "applicant_name": dossier.applicant_name,
        "competent_agency": _agency(dossier.competent_agency),
        "receiving_centre": _agency(dossier.receiving_centre),
        "current_step": step.name if step is not None and step.ended_at is None else None,
        "current_agency": _ref(step.agency) if step is not None and step.ended_at is None else None,
        "submitted_at": _t(dossier.submitted_at),
        "received_at": _t(dossier.received_at),
        "due_at": _t(dossier.due_at),
        "appointment_at": _t(dossier.appointment_at),
        "resolved_at": _t(dossier.resolved_at),
        "timeliness": _timeliness(dossier.timeliness),
        "overdue": is_overdue(dossier, now),
        "paused": dossier.state in PAUSED,
        "version": dossier.version,
    }


def summary(dossier: Dossier, now: datetime | None = None) -> DossierSummary:
    return DossierSummary.model_construct(**_summary_fields(dossier, now or timezone.now()))


def _step(step: DossierStep, now: datetime) -> DossierStepOut:
    assignee = official(step)
    return DossierStepOut.model_construct(
        position=step.position,
        code=step.code,
        name=step.name,
        role=Role(step.role),
        agency=_agency(step.agency),
        assignee=OfficialRef.model_construct(username=assignee.username, name=assignee.display_name)
        if assignee is not None
        else None,
        transfer=step.transfer,
        started_at=local(step.started_at),
        due_at=_t(step.due_at),
        ended_at=_t(step.ended_at),
        ended_by=step.ended_by or None,
        timeliness=_timeliness(step.timeliness),
        overdue=step.ended_at is None and step.due_at is not None and step.due_at < now,
    )


_PAUSES: Prepared[Pause] = Prepared(
    lambda dossier_id: Pause.objects.filter(dossier_id=dossier_id).order_by("start", "pk")
)
_NOTIFICATIONS: Prepared[Notification] = Prepared(
    lambda kind, pk: for_subject(kind, pk).order_by("created_at", "pk")
)


def detail(dossier: Dossier, actor: Actor, now: datetime | None = None) -> DossierDetail:
    now = now or timezone.now()
    # What the engine holds of a dossier it has just written is current; anything else is read.
    pauses = held.pauses(dossier)
    if pauses is None:
        pauses = _PAUSES(dossier.pk)
    steps = held.steps(dossier)
    if steps is None:
        steps = list(steps_of(dossier))
    notifications = held.notifications(dossier)
    if notifications is None:
        notifications = _NOTIFICATIONS("dossier", dossier.pk)
    paused_at = next((p.start for p in reversed(pauses) if p.end is None), None)
    return DossierDetail.model_construct(
        **_summary_fields(dossier, now),
        reception_point=Ref.model_construct(
            code=dossier.reception_point.code, name=dossier.reception_point.name
        )
        if dossier.reception_point is not None
        else None,
        subject=dossier.subject,
        submitter_name=dossier.submitter_name,
        applicant=ApplicantOut.model_construct(
            kind=ApplicantKind(dossier.applicant_kind),
            name=dossier.applicant_name,
            national_id=dossier.applicant_national_id,
            phone=dossier.applicant_phone,
            email=dossier.applicant_email,
            address=dossier.applicant_address,
        ),
        returned_at=_t(dossier.returned_at),
        return_method=ReturnMethod(dossier.return_method) if dossier.return_method else None,
        outcome=Outcome(dossier.outcome) if dossier.outcome else None,
        remaining_hours=remaining_hours(dossier, now, paused_at),
        supplement_requests=dossier.supplement_requests,
        completion_requests=dossier.completion_requests,
        supplement_due_at=_t(dossier.supplement_due_at),
        steps=[_step(s, now) for s in steps],
        pauses=[
            PauseOut.model_construct(
                kind=PauseKind(p.kind), start=local(p.start), end=_t(p.end), reason=p.reason
            )
            for p in pauses
        ],
        allowed_actions=allowed_actions(actor, dossier),
        notifications=[
            NotificationOut.model_construct(
                channel=n.channel,
                recipient=n.recipient,
                template=n.template,
                status=n.status,
                attempts=n.attempts,
                last_error=n.last_error,
                created_at=local(n.created_at),
                sent_at=_t(n.sent_at),
            )
            for n in notifications
        ],
    )


def event(e: DossierEvent) -> EventOut:
    return EventOut.model_construct(
        seq=e.seq,
        action=Action(e.action),
        from_state=State(e.from_state) if e.from_state else None,
        to_state=State(e.to_state) if e.to_state else None,
        actor=e.actor_name,
        agency=_ref(e.agency),
        at=local(e.at),
        note=e.note,
        payload=e.payload or {},
        due_at=_t(e.due_at),
    )


# What the public lookup shows of a step (and ``refs.attach_step`` reads).
PUBLIC_STEP_FIELDS = (
    "name",
    "agency_id",
    "started_at",
    "due_at",
    "ended_at",
    "timeliness",
    "workflow_step_id",
    "return_to_id",
)


_PUBLIC_STEPS: Prepared[DossierStep] = Prepared(
    lambda dossier_id: (
        DossierStep.objects.filter(dossier_id=dossier_id)
        .order_by("position")
        .only(*PUBLIC_STEP_FIELDS)
    )
)


def public(dossier: Dossier, now: datetime | None = None) -> PublicDossier:
    """The public lookup: no name but initials, no ID, phone, e-mail, address, no official."""
    now = now or timezone.now()
    steps = [attach_step(step, dossier.procedure_version) for step in _PUBLIC_STEPS(dossier.pk)]
    return PublicDossier.model_construct(
        code=dossier.code,
        procedure=Ref.model_construct(
            code=dossier.procedure.code, name=dossier.procedure_version.name
        ),
        competent_agency=_agency(dossier.competent_agency),
        state=State(dossier.state),
        state_label=_state_label(dossier.state),
        applicant_initials=initials(dossier.applicant_name),
        received_at=_t(dossier.received_at),
        due_at=_t(dossier.due_at),
        appointment_at=_t(dossier.appointment_at),
        resolved_at=_t(dossier.resolved_at),
        returned_at=_t(dossier.returned_at),
        timeliness=_timeliness(dossier.timeliness),
        overdue=is_overdue(dossier, now),
        paused=dossier.state in PAUSED,
        steps=[
            PublicStep.model_construct(
                name=s.name,
                agency=_agency(s.agency),
                started_at=local(s.started_at),
                due_at=_t(s.due_at),
                ended_at=_t(s.ended_at),
                timeliness=_timeliness(s.timeliness),
            )
            for s in steps
        ],
    )
