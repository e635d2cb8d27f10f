"""The actions the dossier page offers, in the order of its buttons, each with its form.

A button is offered only when ``dossiers.services.allowed_actions(actor, dossier)`` — the
transition table and the official's roles — includes the action, and the dossier is in the
situation the handler expects (an apology only once, a cancellation only after the supplement
limit, a return only from an inter-agency step…), so that the page does not offer what the
engine would refuse. The engine still decides: a form posted anyway gets its error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier
from motcua.dossiers.states import Action as A

from . import action_forms as f


@dataclass(frozen=True)
class Spec:
    action: str
    form: type[f.ActionForm]
    help: str | Promise
    # Ends or undoes something for the applicant: drawn apart from the everyday buttons.
    grave: bool = False

    @property
    def label(self) -> str:
        return str(A(self.action).label)


def _out_on_transfer(dossier: Dossier) -> bool:
    step = dossier.current_step
    return bool(step and step.ended_at is None and step.transfer and step.return_to_id)


def _at_competent(dossier: Dossier) -> bool:
    step = dossier.current_step
    return step is None or step.agency_id == dossier.competent_agency_id


# Situations each handler requires beyond the transition table (see services/handlers.py).
CONDITIONS: dict[str, Callable[[Dossier, datetime], bool]] = {
    A.FORWARD: lambda d, now: not _out_on_transfer(d),
    A.TRANSFER: lambda d, now: not _out_on_transfer(d),
    A.RETURN_FROM_TRANSFER: lambda d, now: _out_on_transfer(d),
    A.APPROVE: lambda d, now: _at_competent(d),
    A.REFUSE: lambda d, now: _at_competent(d),
    A.APOLOGISE: lambda d, now: d.appointment_at is None,
    A.CANCEL: lambda d, now: d.supplement_due_at is not None and now >= d.supplement_due_at,
    # A refusal stays "refused" once handed over: the table would let it be handed over again.
    A.RETURN_RESULT: lambda d, now: d.returned_at is None,
}

SPECS: dict[str, Spec] = {
    spec.action: spec
    for spec in [
        Spec(
            A.FORWARD,
            f.ForwardForm,
            _("Hand the dossier on to the next step of the workflow, or to a step you choose."),
        ),
        Spec(A.APPROVE, f.ApproveForm, _("Approve the result: the dossier is resolved.")),
        Spec(A.ASSIGN, f.AssignForm, _("Give the current step to an official.")),
        Spec(
            A.TRANSFER,
            f.TransferForm,
            _("Send the dossier to another agency for a step (inter-agency)."),
        ),
        Spec(
            A.RETURN_FROM_TRANSFER,
            f.NoteForm,
            _("Send the dossier back to the agency that transferred it."),
        ),
        Spec(
            A.REQUEST_SUPPLEMENT,
            f.RequestSupplementForm,
            _("Ask the applicant for missing or corrected documents; the clock stops."),
        ),
        Spec(
            A.SUPPLEMENT,
            f.SupplementForm,
            _("Record the documents the applicant brought; processing resumes."),
        ),
        Spec(
            A.SUSPEND,
            f.SuspendForm,
            _("Stop processing while waiting for the applicant; the clock stops."),
        ),
        Spec(A.RESUME, f.NoteForm, _("Resume processing; the clock runs again.")),
        Spec(
            A.RETURN_RESULT,
            f.ReturnResultForm,
            _("Record that the result was handed over."),
        ),
        Spec(
            A.APOLOGISE,
            f.ApologiseForm,
            _("Apologise for a late result and give one new appointment (form 04)."),
        ),
        Spec(A.COMMENT, f.CommentForm, _("Leave a note on the dossier; nothing else changes.")),
        Spec(A.REFUSE, f.RefuseForm, _("Refuse the request, with its reason."), grave=True),
        Spec(
            A.WITHDRAW,
            f.ReasonForm,
            _("The applicant withdraws the dossier."),
            grave=True,
        ),
        Spec(
            A.CANCEL,
            f.ReasonForm,
            _("Cancel the dossier: the supplement did not arrive within its limit."),
            grave=True,
        ),
    ]
}


def offered(dossier: Dossier, allowed: Iterable[str], now: datetime) -> list[Spec]:
    """The actions to offer as buttons, in the page's order."""
    allowed = set(allowed)
    return [
        spec
        for action, spec in SPECS.items()
        if action in allowed and CONDITIONS.get(action, lambda d, n: True)(dossier, now)
    ]
