"""Dossiers, their steps, pauses and append-only events.

The dossier row holds the current state and the derived fields (due time, resolved time,
timeliness) for querying; they are always recomputable from the events, the pauses, the
procedure version and the calendar (see ``clockwork.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, ReceptionPoint, Role
from motcua.catalog.models import Procedure, ProcedureVersion, WorkflowStep
from motcua.core.text import fold

from .states import Action, Channel, Outcome, PauseKind, ReturnMethod, State, Timeliness


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ORGANISATION = "organisation", _("Organisation")


class Dossier(models.Model):
    code = models.CharField(_("dossier code"), max_length=60, unique=True)
    # Foreign keys marked db_index=False are served by a composite index that starts with the
    # same column (Meta.indexes, constraints): a second index would only be one more entry to
    # write on every insert and update of the busiest tables.
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # dossier_proc_received
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("procedure version"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=25, choices=State.choices)
    # Three agencies, recorded separately: since 2025 a centre accepts any procedure of its
    # province regardless of address, so where it was received says nothing of who resolves it.
    reception_point = models.ForeignKey(
        ReceptionPoint,
        verbose_name=_("reception point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiving_centre = models.ForeignKey(
        Agency,
        verbose_name=_("receiving centre"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # dossier_desk, dossier_centre_received
    )
    competent_agency = models.ForeignKey(
        Agency,
        verbose_name=_("competent agency"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # dossier_queue
    )

    applicant_kind = models.CharField(
        _("applicant kind"),
        max_length=15,
        choices=ApplicantKind.choices,
        default=ApplicantKind.CITIZEN,
    )
    applicant_name = models.CharField(_("applicant"), max_length=300)
    # ``core.text.fold(applicant_name)``, kept by ``save`` (and written by the history import):
    # a name search matches it with a trigram index on PostgreSQL instead of folding every row.
    applicant_folded = models.TextField(editable=False, default="")
    applicant_national_id = models.CharField(_("national ID"), max_length=20, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=500, blank=True)
    submitter_name = models.CharField(_("submitted by"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    # Derived: the legal appointment (None while an open pause holds the clock).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # Working time left when the clock stopped, shown while paused.
    remaining_hours = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    # The apology's one new appointment: shown to the applicant, never used for timeliness.
    appointment_at = models.DateTimeField(_("new appointment"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_method = models.CharField(
        _("returned"), max_length=10, choices=ReturnMethod.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    timeliness = models.CharField(
        _("timeliness"), max_length=10, choices=Timeliness.choices, blank=True
    )
    # Indexed: the workspace's queues and the dashboards go from open steps to their dossiers.
    current_step = models.ForeignKey(
        "DossierStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supplement_requests = models.PositiveSmallIntegerField(default=0)
    completion_requests = models.PositiveSmallIntegerField(default=0)
    # Under the `restart` supplement policy: the instant the complete dossier came back.
    restarted_at = models.DateTimeField(null=True, blank=True)
    supplement_due_at = models.DateTimeField(null=True, blank=True)
    # Incremented by every transition: clients send it back (If-Match) so that a decision taken
    # on a stale page is refused instead of silently applied to a newer state.
    version = models.PositiveIntegerField(default=0)
    imported = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            # The queues: an agency's open dossiers by due time.
            models.Index(fields=["competent_agency", "state", "due_at"], name="dossier_queue"),
            models.Index(fields=["receiving_centre", "state", "due_at"], name="dossier_desk"),
            models.Index(fields=["received_at"], name="dossier_received"),
            models.Index(fields=["resolved_at"], name="dossier_resolved"),
            models.Index(fields=["procedure", "received_at"], name="dossier_proc_received"),
            # The register of a desk (Mẫu 07): a centre's dossiers by date received.
            models.Index(
                fields=["receiving_centre", "received_at"], name="dossier_centre_received"
            ),
            # The scheduled cancellation looks for supplements past their limit.
            models.Index(
                fields=["supplement_due_at"],
                condition=models.Q(state="awaiting_supplement"),
                name="dossier_supplement_due",
            ),
            # The desk's "results to hand over" queue, oldest first: a few thousand rows of a
            # centre; without it the planner walks ``dossier_resolved`` over every resolved
            # dossier looking for them (seconds on a million).
            models.Index(
                fields=["receiving_centre", "resolved_at"],
                condition=models.Q(state="result_ready")
                | models.Q(state="refused", returned_at__isnull=True),
                name="dossier_to_return",
            ),
            # The open dossiers (~2% of a year's) by due time: the workspace's queues read them
            # under an OR of agency conditions that no other index can serve, and without it
            # find them by scanning the whole of ``dossier_desk``.
            models.Index(
                fields=["due_at"],
                condition=models.Q(
                    state__in=[
                        State.RECEIVED,
                        State.IN_PROGRESS,
                        State.AWAITING_SUPPLEMENT,
                        State.SUSPENDED,
                    ]
                ),
                name="dossier_open_due",
            ),
        ]
        permissions = [
            ("submit_for_applicant", _("Can submit online dossiers for applicants (portal)")),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fold_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "applicant_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "applicant_folded"}
        super().save(*args, **kwargs)

    def fold_name(self) -> None:
        """The applicant's name as searched (accents and đ folded): kept with every save, and
        by whoever writes the row without ``save`` (``core.rows``)."""
        self.applicant_folded = fold(self.applicant_name)


class DossierStep(models.Model):
    """One hand-over: who held the dossier, from when to when, against which due time.

    The rows of the control sheet (Mẫu 06); inter-agency steps (liên thông) are steps at
    another agency with ``transfer=True``.
    """

    # Not indexed alone: dossier_step_position and step_agency_open start with these columns.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="steps", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    workflow_step = models.ForeignKey(
        WorkflowStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("step code"), max_length=30)
    name = models.CharField(_("step"), max_length=300)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours = models.DecimalField(_("allotted working hours"), max_digits=7, decimal_places=2)
    transfer = models.BooleanField(_("inter-agency"), default=False)
    # For a transfer: the step to come back to when the other agency returns the dossier.
    return_to = models.ForeignKey(
        WorkflowStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.CharField(max_length=25, blank=True, choices=Action.choices)
    timeliness = models.CharField(max_length=10, choices=Timeliness.choices, blank=True)

    class Meta:
        verbose_name = _("dossier step")
        verbose_name_plural = _("dossier steps")
        ordering = ["dossier", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "position"], name="dossier_step_position")
        ]
        indexes = [
            models.Index(fields=["agency", "ended_at"], name="step_agency_open"),
            models.Index(fields=["agency", "dossier"], name="step_agency_dossier"),
            # Bottlenecks read the steps that ended in a period.
            models.Index(fields=["ended_at"], name="step_ended"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.position} {self.code}"


class Pause(models.Model):
    """A dated interval during which the clock does not run."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("kind"), max_length=12, choices=PauseKind.choices)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The state to go back to when the pause ends.
    resume_state = models.CharField(max_length=25, choices=State.choices)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["dossier", "start"]

    def __str__(self) -> str:
        return f"{self.kind} {self.start:%Y-%m-%d}"


class EventQuerySet(models.QuerySet["DossierEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("dossier events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("dossier events are append-only")


class DossierEvent(models.Model):
    """Append-only history: every transition and every moved due time."""

    # Not indexed alone: dossier_event_seq starts with it.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField()
    action = models.CharField(_("action"), max_length=25, choices=Action.choices)
    from_state = models.CharField(max_length=25, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=25, choices=State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # The dossier's due time after this event: the event stream carries the due-time timeline,
    # so "was it overdue at instant X" can be answered for any past X.
    due_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("dossier events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("dossier events are append-only")


class DossierCounter(models.Model):
    """The last running number per competent agency and local day (dossier codes)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key and the dossier its first request created."""

    client = models.CharField(max_length=150)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.client}:{self.key}"
