from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


# Still to be delivered: the tick looks among these for messages whose task was lost.
PENDING = (Status.QUEUED, Status.SENDING, Status.RETRYING)
FINISHED = (Status.SENT, Status.FAILED)


class Notification(models.Model):
    """One message to one recipient, written in the same transaction as what caused it, so
    that nothing is lost; delivered afterwards by a background task, retried, and every failure
    kept visible (an OTP or notice that never arrives is a problem the seeds name)."""

    # What the message is about (e.g. "dossier", 42): notifications serve several apps and
    # depend on none of them.
    subject_type = models.CharField(max_length=30)
    subject_id = models.BigIntegerField()
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    template = models.CharField(_("template"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Queued / retrying: when the next attempt is due. Sending: when the sender's lease ends
    # (a worker that died mid-send leaves the row here; after the lease another may take it).
    # Sent / failed: empty. The tick finds lost deliveries with it.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Every failed attempt and every manual retry, oldest first ({"at", "attempt", "error"} or
    # {"at", "retry_by"}): the last error alone would hide an intermittent gateway.
    history = models.JSONField(_("delivery history"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
            # Small by construction (delivered rows leave it): the tick's scan for lost tasks.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=PENDING),
                name="notification_pending",
            ),
            models.Index(fields=["status", "created_at"], name="notification_status"),
            models.Index(fields=["recipient"], name="notification_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.title}"

    @property
    def recipient_masked(self) -> str:
        """The recipient with most of it hidden, for lists shown to officials."""
        return mask_recipient(self.channel, self.recipient)


def mask_recipient(channel: str, recipient: str) -> str:
    if channel == Channel.EMAIL and "@" in recipient:
        local_part, _sep, domain = recipient.partition("@")
        return f"{local_part[:1]}***@{domain}"
    if len(recipient) < 8:
        return "*" * max(len(recipient) - 2, 0) + recipient[-2:]
    return f"{recipient[:3]}{'*' * (len(recipient) - 6)}{recipient[-3:]}"
