from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification, Status


def for_subject(subject_type: str, subject_id: int) -> QuerySet[Notification]:
    """The messages about one subject (e.g. a dossier), oldest first, with their delivery
    status, attempts and last error: what the dossier page shows officials."""
    return Notification.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by(
        "created_at", "id"
    )


def undelivered(channel: str | None = None) -> QuerySet[Notification]:
    """Messages that failed for good or are waiting for another attempt, newest first."""
    rows = Notification.objects.filter(status__in=(Status.FAILED, Status.RETRYING))
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-created_at", "-id")
