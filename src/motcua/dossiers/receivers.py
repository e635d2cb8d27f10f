"""Listeners: the dossier engine follows the calendar without the clock knowing dossiers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from motcua.clock.signals import calendar_amended


@receiver(calendar_amended)
def _calendar_amended(sender: Any, calendar: Any, dates: list[Any], **kwargs: Any) -> None:
    from .tasks import recompute_due_times

    calendar_id = None if calendar.is_default else calendar.pk
    transaction.on_commit(lambda: recompute_due_times.enqueue(calendar_id))
