"""What each action does to a locked dossier. The engine has already checked the transition
table and the actor's role; a handler validates its input, then changes the dossier, its steps
and pauses. One function per action, registered in ``HANDLERS``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, RoleAssignment
from motcua.catalog.models import ResultKind
from motcua.core.errors import Conflict, invalid
from motcua.core.localtime import isoformat_local

from ..clockwork import calendar_for
from ..models import Pause
from ..states import Action as A
from ..states import Outcome, PauseKind, ReturnMethod
from . import steps
from .context import Context

Handler = Callable[[Context], None]
HANDLERS: dict[str, Handler] = {}


def handles(action: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[action] = fn
        return fn

    return register


def _agency_by_code(ctx: Context, field: str, *, required: bool) -> Agency | None:
    code = ctx.read.text(field, required=required)
    if not code:
        return None
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        ctx.read.fail(field, _("No agency has code %(code)r.") % {"code": code})
    return agency


def _open_pause(ctx: Context) -> Pause | None:
    return Pause.objects.filter(dossier=ctx.dossier, end__isnull=True).order_by("-start").first()


def _close_open_pause(ctx: Context) -> Pause | None:
    pause = _open_pause(ctx)
    if pause is not None:
        pause.end = ctx.now
        pause.save(update_fields=["end"])
    return pause


def _resolve(ctx: Context, outcome: str, action: str) -> None:
    # A dossier resolved while paused: the pause ends at resolution, so that its due time (and
    # hence its timeliness) is a definite instant.
    _close_open_pause(ctx)
    ctx.dossier.resolved_at = ctx.now
    ctx.dossier.outcome = outcome
    steps.end_current_step(ctx.dossier, ctx.now, action)


@handles(A.SUBMIT)
def submit(ctx: Context) -> None:
    # Resubmission after a completion request: the notice is answered.
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    if ctx.dossier.pk and ctx.dossier.completion_requests:
        ctx.payload["answers_completion_request"] = ctx.dossier.completion_requests


@handles(A.REQUEST_COMPLETION)
def request_completion(ctx: Context) -> None:
    items = ctx.read.items("items", required=True)
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    ctx.dossier.completion_requests += 1
    ctx.payload["items"] = items
    ctx.notify = "completion_requested"


@handles(A.REJECT_AT_RECEPTION)
def reject_at_reception(ctx: Context) -> None:
    reason = ctx.read.text("reason", required=True)
    ctx.read.check()
    ctx.note = reason
    ctx.payload["reason"] = reason
    ctx.notify = "rejected_at_reception"


@handles(A.RECEIVE)
def receive(ctx: Context) -> None:
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    d = ctx.dossier
    d.received_at = ctx.now
    first = steps.workflow(d)
    if not first:
        raise Conflict(_("The procedure has no published workflow: it cannot be received."))
    # The receiver who takes the dossier in holds the reception step.
    holder = ctx.actor.user.pk if ctx.actor.user and first[0].role == "receiver" else None
    steps.start_workflow_step(d, first[0], at=ctx.now, assignee_id=holder)
    ctx.notify = "received"


@handles(A.ASSIGN)
def assign(ctx: Context) -> None:
    username = ctx.read.text("assignee", required=True)
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    step = ctx.dossier.current_step
    assert step is not None
    assignment = (
        RoleAssignment.objects.filter(
            official__username=username,
            agency=step.agency,
            role=step.role,
            is_active=True,
            official__is_active=True,
        )
        .select_related("official")
        .first()
    )
    if assignment is None:
        raise invalid(
            "assignee",
            _("%(user)s has no role %(role)s at %(agency)s.")
            % {"user": username, "role": step.get_role_display(), "agency": step.agency.name},
        )
    step.assignee = assignment.official
    step.save(update_fields=["assignee"])
    ctx.payload.update(step=step.code, assignee=username)


@handles(A.FORWARD)
def forward(ctx: Context) -> None:
    to_step = ctx.read.text("to_step")
    chosen = _agency_by_code(ctx, "agency", required=False)
    assignee = ctx.read.text("assignee")
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    d = ctx.dossier
    if d.current_step and d.current_step.transfer and d.current_step.return_to_id:
        raise Conflict(_("The dossier is at another agency: it must be returned from transfer."))
    target = steps.next_workflow_step(d, to_step or None)
    assignee_id = None
    if assignee:
        from motcua.identity.models import User

        assignee_id = User.objects.filter(username=assignee).values_list("pk", flat=True).first()
        if assignee_id is None:
            raise invalid("assignee", _("No official has user name %(u)r.") % {"u": assignee})
    previous = steps.end_current_step(d, ctx.now, A.FORWARD)
    step = steps.start_workflow_step(
        d, target, at=ctx.now, chosen_agency=chosen, assignee_id=assignee_id
    )
    ctx.payload.update(
        from_step=previous.code if previous else None, to_step=step.code, to_agency=step.agency.code
    )


@handles(A.TRANSFER)
def transfer(ctx: Context) -> None:
    target = _agency_by_code(ctx, "agency", required=True)
    hours = ctx.read.decimal("hours", required=True)
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    d = ctx.dossier
    current = d.current_step
    assert current is not None and target is not None and hours is not None
    if target.pk == current.agency_id:
        raise invalid(
            "agency", _("The dossier is already at %(agency)s.") % {"agency": target.name}
        )
    if current.transfer and current.return_to_id:
        raise Conflict(_("The dossier is already at another agency: return it first."))
    origin = current.workflow_step
    steps.end_current_step(d, ctx.now, A.TRANSFER)
    step = steps.start_step(
        d,
        at=ctx.now,
        agency=target,
        code=f"LT-{current.code}"[:30],
        name=_("Inter-agency: %(step)s") % {"step": current.name},
        role="specialist",
        hours=hours,
        transfer=True,
        return_to=origin,
    )
    ctx.payload.update(to_agency=target.code, hours=str(hours), step=step.code)


@handles(A.RETURN_FROM_TRANSFER)
def return_from_transfer(ctx: Context) -> None:
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    d = ctx.dossier
    current = d.current_step
    assert current is not None
    if not (current.transfer and current.return_to_id):
        raise Conflict(_("The dossier is not out on an inter-agency transfer."))
    back_to = current.return_to
    assert back_to is not None
    steps.end_current_step(d, ctx.now, A.RETURN_FROM_TRANSFER)
    step = steps.start_workflow_step(d, back_to, at=ctx.now)
    ctx.payload.update(from_agency=current.agency.code, to_step=step.code)


@handles(A.REQUEST_SUPPLEMENT)
def request_supplement(ctx: Context) -> None:
    items = ctx.read.items("items", required=True)
    reason = ctx.read.text("reason")
    ctx.read.check()
    d = ctx.dossier
    d.supplement_requests += 1
    limit_days = d.procedure_version.supplement_limit_days
    d.supplement_due_at = calendar_for(d.receiving_centre).due(ctx.now, days=limit_days)
    Pause.objects.create(
        dossier=d, kind=PauseKind.SUPPLEMENT, start=ctx.now, reason=reason, resume_state=d.state
    )
    ctx.note = reason
    ctx.payload.update(
        items=items,
        request_number=d.supplement_requests,
        # The national index counts a second request against the agency: flag it.
        repeated=d.supplement_requests > 1,
        supplement_due_at=isoformat_local(d.supplement_due_at) if d.supplement_due_at else None,
    )
    ctx.notify = "supplement_requested"


@handles(A.SUPPLEMENT)
def supplement(ctx: Context) -> None:
    items = ctx.read.items("items")
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    pause = _close_open_pause(ctx)
    assert pause is not None
    ctx.to_state = pause.resume_state
    ctx.dossier.restarted_at = ctx.now
    ctx.dossier.supplement_due_at = None
    ctx.payload["items"] = items


@handles(A.CANCEL)
def cancel(ctx: Context) -> None:
    reason = ctx.read.text("reason", required=True)
    ctx.read.check()
    limit = ctx.dossier.supplement_due_at
    if limit is None or ctx.now < limit:
        raise Conflict(
            _(
                "The supplement limit has not passed yet (%(limit)s): "
                "the dossier cannot be cancelled."
            )
            % {"limit": isoformat_local(limit) if limit else "—"}
        )
    ctx.note = reason
    ctx.payload["reason"] = reason
    _resolve(ctx, Outcome.CANCELLED, A.CANCEL)
    ctx.notify = "cancelled"


@handles(A.SUSPEND)
def suspend(ctx: Context) -> None:
    reason = ctx.read.text("reason", required=True)
    ctx.read.check()
    Pause.objects.create(
        dossier=ctx.dossier,
        kind=PauseKind.SUSPENSION,
        start=ctx.now,
        reason=reason,
        resume_state=ctx.dossier.state,
    )
    ctx.note = reason
    ctx.payload["reason"] = reason
    ctx.notify = "suspended"


@handles(A.RESUME)
def resume(ctx: Context) -> None:
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    pause = _close_open_pause(ctx)
    assert pause is not None
    ctx.to_state = pause.resume_state


def _check_at_competent(ctx: Context) -> None:
    step = ctx.dossier.current_step
    if step is not None and step.agency_id != ctx.dossier.competent_agency_id:
        raise Conflict(
            _("The dossier is at %(agency)s: it must come back before a decision.")
            % {"agency": step.agency.name}
        )


@handles(A.APPROVE)
def approve(ctx: Context) -> None:
    result = ctx.read.text("result")
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    _check_at_competent(ctx)
    ctx.payload["result"] = result
    position = _position(ctx)
    _resolve(ctx, Outcome.APPROVED, A.APPROVE)
    # After the decision only the desk's step remains (handing the result back): it is still
    # tracked, so the control sheet shows when the desk got the result. Processing steps the
    # decision made unnecessary are skipped.
    desk = [
        s for s in steps.workflow(ctx.dossier) if s.position > position and s.role == "receiver"
    ]
    if desk:
        steps.start_workflow_step(ctx.dossier, desk[-1], at=ctx.now)
    ctx.notify = "result_ready"


def _position(ctx: Context) -> int:
    step = ctx.dossier.current_step
    return step.workflow_step.position if step and step.workflow_step else 0


@handles(A.REFUSE)
def refuse(ctx: Context) -> None:
    reason = ctx.read.text("reason", required=True)
    ctx.read.check()
    _check_at_competent(ctx)
    ctx.note = reason
    ctx.payload["reason"] = reason
    _resolve(ctx, Outcome.REFUSED, A.REFUSE)
    ctx.notify = "refused"


@handles(A.RETURN_RESULT)
def return_result(ctx: Context) -> None:
    method = ctx.read.choice("method", ReturnMethod.values, required=True)
    recipient = ctx.read.text("recipient", required=method == ReturnMethod.COUNTER)
    ctx.note = ctx.read.text("note")
    ctx.read.check()
    d = ctx.dossier
    kind = d.procedure_version.result_kind
    if method == ReturnMethod.ONLINE and kind == ResultKind.PAPER:
        raise invalid("method", _("This procedure's result is on paper only."))
    if method == ReturnMethod.POST and not d.procedure_version.postal:
        raise invalid("method", _("This procedure does not return results by post."))
    d.returned_at = ctx.now
    d.return_method = method
    steps.end_current_step(d, ctx.now, A.RETURN_RESULT)
    ctx.payload.update(method=method, recipient=recipient)


@handles(A.WITHDRAW)
def withdraw(ctx: Context) -> None:
    reason = ctx.read.text("reason", required=True)
    ctx.read.check()
    ctx.note = reason
    ctx.payload["reason"] = reason
    if ctx.dossier.received_at is None:
        ctx.dossier.outcome = Outcome.WITHDRAWN  # never received: nothing was resolved
        return
    _resolve(ctx, Outcome.WITHDRAWN, A.WITHDRAW)


@handles(A.APOLOGISE)
def apologise(ctx: Context) -> None:
    reason = ctx.read.text("reason", required=True)
    new_at = ctx.read.instant("new_appointment", required=True)
    ctx.read.check()
    d = ctx.dossier
    if d.appointment_at is not None:
        raise Conflict(_("An apology with a new appointment has already been issued."))
    assert new_at is not None
    if new_at <= ctx.now + timedelta(minutes=1):
        raise invalid("new_appointment", _("The new appointment must be in the future."))
    if d.due_at and new_at <= d.due_at:
        raise invalid("new_appointment", _("The new appointment must be after the due time."))
    d.appointment_at = new_at
    ctx.note = reason
    ctx.payload.update(
        reason=reason,
        new_appointment=isoformat_local(new_at),
        # Sent after the due time had already passed (the rule asks for it before).
        after_due=bool(d.due_at and ctx.now > d.due_at),
    )
    ctx.notify = "apology"


@handles(A.COMMENT)
def comment(ctx: Context) -> None:
    ctx.note = ctx.read.text("note", required=True)
    ctx.read.check()
