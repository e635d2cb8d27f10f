"""Workflow steps of one dossier: starting, ending, and where each step's agency comes from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.catalog.models import StepAgency, WorkflowStep
from motcua.core.errors import Conflict, invalid
from motcua.core.rows import insert_row, update_row

from .. import held, refs
from ..clockwork import Interval, calendar_for, classify, step_due
from ..models import Dossier, DossierStep, Pause


def workflow(dossier: Dossier) -> list[WorkflowStep]:
    return refs.workflow(dossier.procedure_version)


def pause_rows(dossier: Dossier) -> list[Pause]:
    return list(Pause.objects.filter(dossier=dossier))


def intervals(dossier: Dossier) -> list[Interval]:
    """The dossier's pauses as the clock reads them: those the engine holds, else read."""
    rows = held.pauses(dossier)
    if rows is None:
        rows = pause_rows(dossier)
    return [Interval(p.kind, p.start, p.end) for p in rows]


def step_agency(dossier: Dossier, step: WorkflowStep, chosen: Agency | None) -> Agency:
    """The agency a workflow step runs at, for this dossier."""
    if step.agency_mode == StepAgency.COMPETENT:
        return dossier.competent_agency
    if step.agency_mode == StepAgency.RECEIVING_CENTRE:
        return dossier.receiving_centre
    if step.agency_mode == StepAgency.NAMED:
        assert step.agency is not None
        return step.agency
    # An agency of a kind (the tax office of the right area…): the official chooses which.
    if chosen is None:
        raise invalid(
            "agency",
            _("Step %(step)s runs at an agency of kind %(kind)s: choose the agency.")
            % {"step": step.name, "kind": step.get_agency_kind_display()},
        )
    if chosen.kind != step.agency_kind:
        raise invalid(
            "agency",
            _("%(agency)s is not of kind %(kind)s required by step %(step)s.")
            % {"agency": chosen.name, "kind": step.get_agency_kind_display(), "step": step.name},
        )
    return chosen


def start_step(
    dossier: Dossier,
    *,
    at: datetime,
    agency: Agency,
    code: str,
    name: str,
    role: str,
    hours: Decimal,
    workflow_step: WorkflowStep | None = None,
    transfer: bool = False,
    return_to: WorkflowStep | None = None,
    assignee_id: int | None = None,
    pauses: list[Interval] | None = None,
) -> DossierStep:
    if dossier.current_step_id is not None and dossier.current_step is not None:
        last = dossier.current_step.position
    elif dossier.version == 0:
        last = 0  # a dossier being created has no step yet
    else:
        last = (
            DossierStep.objects.filter(dossier=dossier)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
            or 0
        )
    step = DossierStep(
        dossier=dossier,
        position=last + 1,
        workflow_step=workflow_step,
        code=code,
        name=name,
        role=role,
        agency=agency,
        assignee_id=assignee_id,
        hours=hours,
        transfer=transfer,
        return_to=return_to,
        started_at=at,
        due_at=step_due(calendar_for(agency), at, hours, pauses or []),
    )
    insert_row(step)
    dossier.current_step = step
    held.add_step(dossier, step)
    return step


def start_workflow_step(
    dossier: Dossier,
    step: WorkflowStep,
    *,
    at: datetime,
    chosen_agency: Agency | None = None,
    assignee_id: int | None = None,
) -> DossierStep:
    agency = step_agency(dossier, step, chosen_agency)
    inter_agency = agency.pk not in (dossier.competent_agency_id, dossier.receiving_centre_id)
    return start_step(
        dossier,
        at=at,
        agency=agency,
        code=step.code,
        name=step.name,
        role=step.role,
        hours=step.hours,
        workflow_step=step,
        transfer=inter_agency,
        assignee_id=assignee_id,
    )


def end_current_step(dossier: Dossier, at: datetime, ended_by: str) -> DossierStep | None:
    step = dossier.current_step
    if step is None or step.ended_at is not None:
        return None
    step.ended_at = at
    step.ended_by = ended_by
    step.timeliness = classify(at, step.due_at) if step.due_at else classify(at, None)
    update_row(step, ["ended_at", "ended_by", "timeliness"])
    return step


def next_workflow_step(dossier: Dossier, code: str | None) -> WorkflowStep:
    steps = workflow(dossier)
    if code:
        for step in steps:
            if step.code == code:
                return step
        raise invalid("to_step", _("The workflow has no step %(code)r.") % {"code": code})
    current = dossier.current_step
    position = current.workflow_step.position if current and current.workflow_step else 0
    for step in steps:
        if step.position > position:
            return step
    raise Conflict(_("This is the last step of the workflow: approve or refuse the dossier."))


def refresh_step_due(step: DossierStep, pauses: list[Interval]) -> None:
    """Pauses during a step extend its due time as they extend the dossier's."""
    if step.ended_at is not None:
        return
    due = step_due(calendar_for(step.agency), step.started_at, step.hours, pauses)
    if due != step.due_at:
        step.due_at = due
        update_row(step, ["due_at"])
