"""Request and response bodies of the dossier API, so that the OpenAPI document describes each.

Bodies refuse unknown keys (a misspelt ``reasn`` is an error, not a silently missing reason).
The engine validates the meaning (a national ID's digits, whether a step exists); these schemas
fix the shapes and the lengths the database can hold.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from motcua.agencies.models import Role

from .models import ApplicantKind
from .states import Action, Channel, Outcome, PauseKind, ReturnMethod, State, Timeliness

MAX_PAGE_SIZE = 100
# Instants outside these years are typing errors, and some would overflow on conversion to UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            _("The year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )


def _plausible(value: datetime) -> datetime:
    _check_year(value.year)
    return value


def _plausible_day(value: date) -> date:
    _check_year(value.year)
    return value


Instant = Annotated[datetime, AfterValidator(_plausible)]
Day = Annotated[date, AfterValidator(_plausible_day)]
Note = Annotated[str, Field(max_length=5000)]
Items = Annotated[list[Annotated[str, Field(min_length=1, max_length=1000)]], Field(min_length=1)]


class Body(Schema):
    model_config = ConfigDict(extra="forbid")


# Intake ---------------------------------------------------------------------------------------


class ApplicantIn(Body):
    kind: ApplicantKind | None = Field(None, description="citizen (default) or organisation.")
    name: str = Field(..., max_length=300, examples=["Nguyễn Văn An"])
    national_id: str | None = Field(
        None,
        max_length=20,
        description="12-digit personal ID (citizens).",
        examples=["082090001234"],
    )
    phone: str | None = Field(None, max_length=20, examples=["0912345678"])
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)


class _Intake(Body):
    procedure: str = Field(..., max_length=50, description="Procedure code.", examples=["1.001193"])
    agency: str | None = Field(
        None,
        max_length=50,
        description="Code of the competent agency (the one that resolves the dossier); "
        "optional when the procedure names exactly one.",
    )
    receiving_centre: str | None = Field(
        None,
        max_length=50,
        description="Code of the service centre receiving it; by default the receiver's own "
        "centre, or the centre serving the competent agency for online dossiers.",
    )
    reception_point: str | None = Field(
        None, max_length=50, description="Desk code at the centre; by default the receiver's."
    )
    subject: str | None = Field(None, max_length=500)
    submitter_name: str | None = Field(
        None, max_length=300, description="Who physically submitted it, when not the applicant."
    )
    applicant: ApplicantIn


class ReceiveIn(_Intake):
    """Counter intake: the dossier is complete and received; the clock starts."""

    action: Literal["receive"]
    channel: Literal["counter"] | None = None
    note: Note | None = None


class SubmitIn(_Intake):
    """Online or postal submission: the dossier waits for a receiver's check."""

    action: Literal["submit"]
    channel: Literal["online", "postal"]
    note: Note | None = None


class RequestCompletionIn(_Intake):
    """At the counter, before reception: one notice listing everything missing (Mẫu 02)."""

    action: Literal["request_completion"]
    channel: Literal["counter"] | None = None
    items: Items
    note: Note | None = None


class RejectAtReceptionIn(_Intake):
    """At the counter: refusal to receive, with the reason (Mẫu 03)."""

    action: Literal["reject_at_reception"]
    channel: Literal["counter"] | None = None
    reason: Note


IntakeIn = Annotated[
    ReceiveIn | SubmitIn | RequestCompletionIn | RejectAtReceptionIn,
    Field(discriminator="action"),
]
INTAKE_TAGS = frozenset({"receive", "submit", "request_completion", "reject_at_reception"})


# Actions on an existing dossier ----------------------------------------------------------------


class ActionIn(Body):
    expected_version: int | None = Field(
        None,
        ge=0,
        le=2**31 - 1,
        description='The dossier version the decision was taken on (as the If-Match: "N" '
        "header); a stale version is refused with 409.",
    )


class NoteIn(ActionIn):
    note: Note | None = None


class ItemsIn(ActionIn):
    items: Items
    note: Note | None = None


class ReasonIn(ActionIn):
    reason: Note


class AssignIn(ActionIn):
    assignee: str = Field(
        ..., max_length=150, description="User name of an official with the step's role."
    )
    note: Note | None = None


class ForwardIn(ActionIn):
    to_step: str | None = Field(
        None, max_length=30, description="Workflow step code; the next step by default."
    )
    agency: str | None = Field(
        None,
        max_length=50,
        description="Agency code, when the step runs at an agency of a kind to choose.",
    )
    assignee: str | None = Field(None, max_length=150, description="User name to hand it to.")
    note: Note | None = None


class TransferIn(ActionIn):
    agency: str = Field(..., max_length=50, description="Code of the other agency.")
    hours: float = Field(
        ..., gt=0, le=10_000, allow_inf_nan=False, description="Working hours allotted there."
    )
    note: Note | None = None


class RequestSupplementIn(ActionIn):
    items: Items
    reason: Note | None = None


class SupplementIn(ActionIn):
    items: list[Annotated[str, Field(min_length=1, max_length=1000)]] | None = None
    note: Note | None = None


class ApproveIn(ActionIn):
    result: str | None = Field(None, max_length=5000, description="Result reference.")
    note: Note | None = None


class ReturnResultIn(ActionIn):
    method: ReturnMethod
    recipient: str | None = Field(
        None, max_length=300, description="Who collected it; required at the counter."
    )
    note: Note | None = None


class ApologiseIn(ActionIn):
    reason: Note
    new_appointment: Instant = Field(
        ..., description="The one new appointment, after the due time (Mẫu 04)."
    )


class CommentIn(ActionIn):
    note: Note


# One body per action: the engine's handlers read exactly these fields.
ACTION_BODIES: dict[str, type[ActionIn]] = {
    Action.SUBMIT: NoteIn,
    Action.RECEIVE: NoteIn,
    Action.REQUEST_COMPLETION: ItemsIn,
    Action.REJECT_AT_RECEPTION: ReasonIn,
    Action.ASSIGN: AssignIn,
    Action.FORWARD: ForwardIn,
    Action.TRANSFER: TransferIn,
    Action.RETURN_FROM_TRANSFER: NoteIn,
    Action.REQUEST_SUPPLEMENT: RequestSupplementIn,
    Action.SUPPLEMENT: SupplementIn,
    Action.CANCEL: ReasonIn,
    Action.SUSPEND: ReasonIn,
    Action.RESUME: NoteIn,
    Action.APPROVE: ApproveIn,
    Action.REFUSE: ReasonIn,
    Action.RETURN_RESULT: ReturnResultIn,
    Action.WITHDRAW: ReasonIn,
    Action.APOLOGISE: ApologiseIn,
    Action.COMMENT: CommentIn,
}


# Lists -----------------------------------------------------------------------------------------

Ordering = Literal["due_at", "-due_at", "received_at", "-received_at"]


class DossierFilters(Schema):
    state: list[State] = Field(
        default_factory=list, description="One or more states (repeat the parameter)."
    )
    overdue: bool | None = Field(
        None, description="Open, clock running, due time passed (false: all others)."
    )
    paused: bool | None = Field(
        None, description="Awaiting supplement or suspended (false: all others)."
    )
    procedure: str | None = Field(None, max_length=50, description="Procedure code.")
    agency: str | None = Field(None, max_length=50, description="Competent agency code.")
    centre: str | None = Field(None, max_length=50, description="Receiving centre code.")
    channel: Channel | None = None
    received_from: Day | None = Field(None, description="Received on or after this local date.")
    received_to: Day | None = Field(None, description="Received on or before this local date.")
    due_before: Instant | None = Field(None, description="Due strictly before this instant.")
    q: str | None = Field(
        None,
        max_length=200,
        description="Dossier code (or part of it), or words of the applicant's name, "
        'without regard to accents ("nguyen van an" finds "Nguyễn Văn An").',
    )
    ordering: Ordering = Field("due_at", description="Sort key; '-' for descending.")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


# Responses -------------------------------------------------------------------------------------


class Ref(Schema):
    code: str
    name: str


class OfficialRef(Schema):
    username: str
    name: str


class DossierStepOut(Schema):
    position: int
    code: str
    name: str
    role: Role
    agency: Ref
    assignee: OfficialRef | None
    transfer: bool = Field(..., description="An inter-agency step (liên thông).")
    started_at: datetime
    due_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    timeliness: Timeliness | None = Field(None, description="Set when the step has ended.")
    overdue: bool = Field(..., description="Still open and past its due time.")


class PauseOut(Schema):
    kind: PauseKind
    start: datetime
    end: datetime | None
    reason: str


class ApplicantOut(Schema):
    kind: ApplicantKind
    name: str
    national_id: str
    phone: str
    email: str
    address: str


class NotificationOut(Schema):
    channel: str
    recipient: str
    template: str
    status: str = Field(..., description="queued, sent, retrying or failed.")
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class ProcedureRef(Schema):
    code: str
    name: str
    version: int


class DossierSummary(Schema):
    code: str
    procedure: ProcedureRef
    channel: Channel
    state: State
    state_label: str
    applicant_name: str
    competent_agency: Ref
    receiving_centre: Ref
    current_step: str | None = Field(None, description="Name of the step the dossier is at.")
    current_agency: Ref | None = Field(None, description="Agency holding the current step.")
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    appointment_at: datetime | None
    resolved_at: datetime | None
    timeliness: Timeliness | None
    overdue: bool
    paused: bool
    version: int


class DossierPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DossierSummary]


class DossierDetail(DossierSummary):
    reception_point: Ref | None
    subject: str
    submitter_name: str
    applicant: ApplicantOut
    returned_at: datetime | None
    return_method: ReturnMethod | None
    outcome: Outcome | None
    remaining_hours: float | None = Field(
        None,
        description="Working hours left until the due time (negative: overdue by that much); "
        "while paused, the working time left when the clock stopped; null once resolved.",
    )
    supplement_requests: int
    completion_requests: int
    supplement_due_at: datetime | None
    steps: list[DossierStepOut]
    pauses: list[PauseOut]
    allowed_actions: list[Action] = Field(
        ..., description="Actions the table and your roles allow now (other checks may refuse)."
    )
    notifications: list[NotificationOut]


class EventOut(Schema):
    seq: int
    action: Action
    from_state: State | None
    to_state: State | None
    actor: str
    agency: Ref | None
    at: datetime
    note: str
    payload: dict[str, Any]
    due_at: datetime | None = Field(None, description="The dossier's due time after the event.")


class PublicStep(Schema):
    name: str
    agency: Ref
    started_at: datetime
    due_at: datetime | None
    ended_at: datetime | None
    timeliness: Timeliness | None


class PublicDossier(Schema):
    """What anyone may know of a dossier from its code: never personal data."""

    code: str
    procedure: Ref
    competent_agency: Ref
    state: State
    state_label: str
    applicant_initials: str = Field(..., examples=["N. V. A."])
    received_at: datetime | None
    due_at: datetime | None
    appointment_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    timeliness: Timeliness | None
    overdue: bool
    paused: bool
    steps: list[PublicStep]
