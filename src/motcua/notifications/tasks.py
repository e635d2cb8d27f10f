"""Delivery as a background task (django-tasks, database backend, ``motcua worker``)."""

from __future__ import annotations

import logging

from django_tasks import task

from . import services
from .backends import DeliveryError, backend_for

logger = logging.getLogger(__name__)


@task(queue_name="notifications")
def deliver(notification_id: int) -> str:
    """One attempt at one message; returns its status afterwards ("skipped" when there was
    nothing to do). Never raises for a delivery problem: the outcome is on the notification."""
    notification = services.claim(notification_id)
    if notification is None:
        return "skipped"
    error: str | None = None
    try:
        backend_for(notification.channel).send(notification)
    except DeliveryError as exc:
        error = str(exc) or type(exc).__name__
    except Exception as exc:
        # A bug or a misconfiguration (bad backend path, bad options) is a failed attempt too:
        # recorded where officials look, retried, and logged with its traceback.
        logger.exception("notification %s: backend error", notification_id)
        error = f"{type(exc).__name__}: {exc}"
    return services.record_attempt(notification.pk, notification.attempts, error=error)
