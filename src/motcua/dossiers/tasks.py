from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task

logger = logging.getLogger(__name__)

# A tick still "running" after this long was on a worker that died: it no longer counts.
STALE_TICK = timedelta(minutes=30)


@task()
def recompute_due_times(calendar_id: int | None) -> int:
    """After a calendar amendment: move the due times of open dossiers (each move an event)."""
    from .services.recompute import recompute_open

    return recompute_open(calendar_id=calendar_id)


def tick_interval() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "MOTCUA_TICK_INTERVAL", 300)))


@task()
def tick() -> dict[str, Any]:
    """The scheduled work once (``services.scheduled.run_scheduled``), then the next tick is
    enqueued ``MOTCUA_TICK_INTERVAL`` seconds later (default 300) — even when this one
    failed, so that one bad pass does not stop the schedule."""
    from .services.scheduled import run_scheduled

    try:
        return run_scheduled().as_dict()
    finally:
        schedule_next_tick()


def _tick_backend_defers() -> bool:
    return bool(tick.get_backend().supports_defer)


def _pending_ticks() -> int:
    """Ticks waiting in the database queue, or running and not stale. Zero for backends that
    keep no queue to look into."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(tick.get_backend(), DatabaseBackend):
        return 0
    ticks = DBTaskResult.objects.filter(task_path=tick.module_path)
    ready = ticks.filter(status=TaskResultStatus.READY).count()
    running = ticks.filter(
        status=TaskResultStatus.RUNNING, started_at__gte=timezone.now() - STALE_TICK
    ).count()
    return ready + running


def schedule_next_tick() -> bool:
    """Enqueue the next tick unless one is already waiting; returns whether it did.

    Two chains of ticks (two workers started at the same moment) merge: the one that finds the
    other's next tick waiting stops. Backends that cannot defer (the immediate backend) get no
    chain at all: run ``motcua tick`` from cron there."""
    if not _tick_backend_defers():
        return False
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(tick.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=tick.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return False
    try:
        tick.using(run_after=timezone.now() + tick_interval()).enqueue()
    except Exception:
        logger.exception("could not enqueue the next tick")
        return False
    return True


def ensure_tick_scheduled() -> bool:
    """Start the chain of ticks if none is waiting or running (``motcua worker`` calls this at
    start-up); returns whether a tick was enqueued."""
    if not _tick_backend_defers() or _pending_ticks():
        return False
    tick.enqueue()
    return True
