"""The only writes to notifications: queueing (inside the caller's transaction), each delivery
attempt's claim and outcome, manual retries, and the recovery of deliveries whose task was lost.

A message moves ``queued → sending → sent``, or ``sending → retrying → sending …`` with back-off,
and after the last allowed attempt ``failed``, keeping every error in ``history``. Sending
happens outside any transaction (a slow gateway must not hold a lock, and on SQLite the write
lock is the whole database): ``claim`` marks the row ``sending`` with a lease and commits,
the backend sends, ``record_attempt`` writes the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from motcua.core.localtime import isoformat_local
from motcua.core.rows import insert_row

from .models import FINISHED, PENDING, Channel, Notification, Status

logger = logging.getLogger(__name__)

# A sender that has not reported within the lease is presumed dead (longer than any backend's
# timeout); the message may then be taken again.
LEASE = timedelta(minutes=5)
# A queued or retrying message this far past its due attempt, with no task waiting for it, has
# lost its task (enqueue failed after commit, queue pruned): the tick enqueues it again.
LOST_AFTER = timedelta(minutes=5)
HISTORY_KEPT = 20
INTERRUPTED = "interrupted: the worker stopped before reporting the outcome"


def max_attempts() -> int:
    return int(getattr(settings, "MOTCUA_NOTIFICATION_MAX_ATTEMPTS", 5))


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1-based): 1, 5, 15 minutes, then an
    hour, unless ``MOTCUA_NOTIFICATION_BACKOFF`` (seconds) says otherwise."""
    steps = getattr(settings, "MOTCUA_NOTIFICATION_BACKOFF", None) or (60, 300, 900, 3600)
    return timedelta(seconds=float(steps[min(attempt - 1, len(steps) - 1)]))


def queue(
    *,
    subject_type: str,
    subject_id: int,
    template: str,
    title: str,
    body: str,
    phone: str = "",
    email: str = "",
) -> list[Notification]:
    """One notification per channel the recipient can be reached on (SMS and e-mail both when
    both are known: the e-mail copy is there when the SMS does not arrive). Runs in the
    caller's transaction, so a rolled-back action leaves no message; delivery is enqueued when
    that transaction commits."""
    now = timezone.now()
    rows = []
    for channel, recipient in ((Channel.SMS, phone), (Channel.EMAIL, email)):
        if recipient:
            row = Notification(
                subject_type=subject_type,
                subject_id=subject_id,
                channel=channel,
                recipient=recipient,
                template=template,
                title=title[:200],
                body=body,
                next_attempt_at=now,
            )
            insert_row(row)  # on the path of every intake (the model has no save override)
            rows.append(row)
    if rows:
        _enqueue_with_transaction([n.pk for n in rows])
    return rows


@transaction.atomic
def claim(notification_id: int, *, now: datetime | None = None) -> Notification | None:
    """Take one message for an attempt, or None when there is nothing to do: already sent or
    failed, not due yet (a duplicate task), or being sent by another worker."""
    now = now or timezone.now()
    # skip_locked: a row locked right now is being claimed or settled by someone else.
    n = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id).first()
    if n is None or n.status in FINISHED:
        return None
    if n.next_attempt_at is not None and n.next_attempt_at > now:
        return None
    if n.status == Status.SENDING:  # the lease ran out: the previous sender died
        _failed(n, INTERRUPTED, now)
        if n.status == Status.FAILED:
            n.save(update_fields=["status", "next_attempt_at", "last_error", "history"])
            return None
    n.status = Status.SENDING
    n.attempts += 1
    n.next_attempt_at = now + LEASE
    n.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "history"])
    return n


@transaction.atomic
def record_attempt(
    notification_id: int, attempt: int, *, error: str | None = None, now: datetime | None = None
) -> str:
    """Write the outcome of attempt number ``attempt``; returns the new status. A failure
    schedules the next attempt (on commit) or, after the last one, leaves the message failed."""
    now = now or timezone.now()
    n = Notification.objects.select_for_update().get(pk=notification_id)
    if error is None:
        # Delivered, even if the lease had run out meanwhile: the message did go out.
        n.status = Status.SENT
        n.sent_at = now
        n.next_attempt_at = None
        n.last_error = ""
        n.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
        return n.status
    if n.status != Status.SENDING or n.attempts != attempt:
        # Another worker took the message over after our lease ran out; its attempt decides.
        _log(n, {"at": isoformat_local(now), "attempt": attempt, "error": error})
        n.save(update_fields=["history"])
        return n.status
    _failed(n, error, now)
    n.save(update_fields=["status", "next_attempt_at", "last_error", "history"])
    if n.status == Status.RETRYING and n.next_attempt_at is not None:
        _enqueue_on_commit([n.pk], run_after=n.next_attempt_at)
    return n.status


def _failed(n: Notification, error: str, now: datetime) -> None:
    """Attempt ``n.attempts`` failed: retry after the back-off, or give up after the last."""
    n.last_error = error[:2000]
    _log(n, {"at": isoformat_local(now), "attempt": n.attempts, "error": n.last_error})
    if n.attempts >= max_attempts():
        n.status = Status.FAILED
        n.next_attempt_at = None
    else:
        n.status = Status.RETRYING
        n.next_attempt_at = now + backoff(n.attempts)


def _log(n: Notification, entry: dict[str, Any]) -> None:
    n.history = [*(n.history or []), entry][-HISTORY_KEPT:]


@dataclass
class RetryOutcome:
    retried: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # sent, or being sent


@transaction.atomic
def retry_now(ids: Iterable[int], *, by: str = "", now: datetime | None = None) -> RetryOutcome:
    """An official's "retry now": the next attempt is due at once. A failed message gets one
    more attempt (another click, another one). Sent messages and messages being sent are left
    alone."""
    now = now or timezone.now()
    outcome = RetryOutcome()
    for n in Notification.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"):
        if n.status in (Status.SENT, Status.SENDING):
            outcome.skipped.append(n.pk)
            continue
        if n.status == Status.FAILED:
            n.status = Status.RETRYING
        n.next_attempt_at = now
        _log(n, {"at": isoformat_local(now), "retry_by": by})
        n.save(update_fields=["status", "next_attempt_at", "history"])
        outcome.retried.append(n.pk)
    if outcome.retried:
        _enqueue_on_commit(outcome.retried)
    return outcome


@transaction.atomic
def redeliver_lost(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Enqueue again the messages whose delivery task was lost; returns their ids.

    Lost: still pending ``LOST_AFTER`` past the attempt's due time with no task waiting for
    it, or ``sending`` past the lease (the worker died mid-send: the attempt counts as failed,
    the message may arrive twice rather than never). Safe with several workers and ticks: rows
    another transaction holds are skipped, and a duplicate task finds nothing to do."""
    now = now or timezone.now()
    rows = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(status__in=PENDING, next_attempt_at__lte=now - LOST_AFTER)
        .order_by("next_attempt_at")[:limit]
    )
    waiting = _waiting_tasks([n.pk for n in rows if n.status != Status.SENDING])
    lost = []
    for n in rows:
        if n.pk in waiting:
            continue  # its task is queued: the workers are behind, not the task lost
        if n.status == Status.SENDING:
            _failed(n, INTERRUPTED, now)
        if n.status == Status.FAILED:
            n.save(update_fields=["status", "next_attempt_at", "last_error", "history"])
            continue
        n.next_attempt_at = now
        n.save(update_fields=["status", "next_attempt_at", "last_error", "history"])
        lost.append(n.pk)
    if lost:
        logger.warning("re-enqueuing %d notification(s) whose delivery task was lost", len(lost))
        _enqueue_on_commit(lost)
    return lost


def _waiting_tasks(ids: list[int]) -> set[int]:
    """Which of ``ids`` have a delivery task waiting in the database queue. Other backends
    keep no queue to look into: nothing is known to be waiting."""
    if not ids:
        return set()
    from django_tasks import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from .tasks import deliver

    if not isinstance(deliver.get_backend(), DatabaseBackend):
        return set()
    found = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=deliver.module_path,
        args_kwargs__args__0__in=ids,
    ).values_list("args_kwargs", flat=True)
    return {int(args["args"][0]) for args in found}


def _enqueue_on_commit(ids: list[int], run_after: datetime | None = None) -> None:
    transaction.on_commit(lambda: enqueue(ids, run_after=run_after))


def _enqueue_with_transaction(ids: list[int]) -> None:
    """With the database task backend, the task rows are written in the caller's transaction:
    workers see them exactly when the messages commit, and the commit is one disk flush instead
    of two (it is on the path of every intake). Other backends may run the task at once, so
    they wait for the commit — nothing is sent for an action that is rolled back.

    No savepoint around each task row (two more statements per message on every intake): an
    enqueue refused before writing is logged and the tick enqueues the message again later
    (``redeliver_lost``); a database error writing the row has aborted the caller's
    transaction anyway on PostgreSQL, and is raised so that the caller's work is rolled back
    whole rather than half-committed."""
    from django_tasks_db import DatabaseBackend

    from .tasks import deliver

    if not isinstance(deliver.get_backend(), DatabaseBackend):
        _enqueue_on_commit(ids)
        return
    for pk in ids:
        try:
            deliver.enqueue(pk)
        except DatabaseError:
            raise
        except Exception:
            logger.exception("could not enqueue delivery of notification %s", pk)


def enqueue(ids: list[int], *, run_after: datetime | None = None) -> int:
    """Enqueue a delivery task per message; returns how many were enqueued. Never raises: a
    message whose task could not be enqueued is found again by the tick (``redeliver_lost``),
    and the transaction that queued it has already committed."""
    from .tasks import deliver

    task = deliver
    if run_after is not None:
        if not deliver.get_backend().supports_defer:
            return 0  # e.g. the immediate backend: the tick retries when the time comes
        task = deliver.using(run_after=run_after)
    done = 0
    for pk in ids:
        try:
            task.enqueue(pk)
        except Exception:
            logger.exception("could not enqueue delivery of notification %s", pk)
        else:
            done += 1
    return done
