"""States, actions, channels and timeliness classes of a dossier (dossier-lifecycle.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    ONLINE = "online", _("Online")
    POSTAL = "postal", _("By public post")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting reception")
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Awaiting supplement")
    SUSPENDED = "suspended", _("Suspended")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Result returned")
    REFUSED = "refused", _("Refused")
    REJECTED_AT_RECEPTION = "rejected_at_reception", _("Rejected at reception")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    REQUEST_COMPLETION = "request_completion", _("Request completion")
    REJECT_AT_RECEPTION = "reject_at_reception", _("Reject at reception")
    RECEIVE = "receive", _("Receive")
    ASSIGN = "assign", _("Assign")
    FORWARD = "forward", _("Forward")
    TRANSFER = "transfer", _("Transfer to another agency")
    RETURN_FROM_TRANSFER = "return_from_transfer", _("Return from transfer")
    REQUEST_SUPPLEMENT = "request_supplement", _("Request supplement")
    SUPPLEMENT = "supplement", _("Supplement received")
    CANCEL = "cancel", _("Cancel")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    APPROVE = "approve", _("Approve")
    REFUSE = "refuse", _("Refuse")
    RETURN_RESULT = "return_result", _("Return result")
    WITHDRAW = "withdraw", _("Withdraw")
    APOLOGISE = "apologise", _("Apologise")
    COMMENT = "comment", _("Comment")
    # Recorded by the system, never requested: a due time moved (calendar amendment, pause).
    DUE_CHANGED = "due_changed", _("Due time changed")
    IMPORT = "import", _("Imported")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("Awaiting supplement")
    SUSPENSION = "suspension", _("Suspension")


class ReturnMethod(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    POST = "post", _("By post")
    ONLINE = "online", _("Online")


# The clock runs in these states; it is stopped (paused) in the two waiting states.
RUNNING = frozenset({State.RECEIVED, State.IN_PROGRESS})
PAUSED = frozenset({State.AWAITING_SUPPLEMENT, State.SUSPENDED})
OPEN = RUNNING | PAUSED
# Resolved: the clock has stopped for good (returning the result later does not count).
RESOLVED = frozenset(
    {State.RESULT_READY, State.RETURNED, State.REFUSED, State.WITHDRAWN, State.CANCELLED}
)
FINAL = frozenset({State.RETURNED, State.REJECTED_AT_RECEPTION, State.WITHDRAWN, State.CANCELLED})
