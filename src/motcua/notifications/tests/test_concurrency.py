"""Several workers at once, on PostgreSQL with real threads (each its own connection): a
message is sent once however many tasks carry it, and a lost one is enqueued again once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from motcua.notifications.models import Notification
from motcua.notifications.services import LOST_AFTER, redeliver_lost
from motcua.notifications.tasks import deliver

from .conftest import queue_one

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Slow:
    """Takes a while to send, so that the other workers arrive while it is sending."""

    sent: ClassVar[list[int]] = []

    def send(self, notification: Notification) -> None:
        time.sleep(0.2)
        self.sent.append(notification.pk)


def run_parallel(n: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_one_message_many_tasks_one_send(settings: Any) -> None:
    Slow.sent = []
    settings.MOTCUA_NOTIFICATION_BACKENDS = {
        "sms": "motcua.notifications.tests.test_concurrency.Slow"
    }
    n = queue_one()
    results = run_parallel(8, lambda i: deliver.call(n.pk))
    assert sorted(results) == ["sent"] + ["skipped"] * 7, results
    assert Slow.sent == [n.pk]
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 1)


def test_parallel_ticks_enqueue_each_lost_message_once() -> None:
    rows = [queue_one(subject_id=i) for i in range(40)]
    DBTaskResult.objects.all().delete()  # the queue was pruned: every task lost
    later = max(n.next_attempt_at for n in rows if n.next_attempt_at) + LOST_AFTER
    results = run_parallel(4, lambda i: redeliver_lost(now=later, limit=15))
    assert all(isinstance(r, list) for r in results), results
    found = [pk for r in results for pk in r]
    assert len(found) == len(set(found))  # never twice
    # Skipped rows (held by another tick) wait for the next pass, which finds the rest.
    found += redeliver_lost(now=later + LOST_AFTER, limit=100)
    found += redeliver_lost(now=later + 2 * LOST_AFTER, limit=100)
    assert sorted(found) == sorted(n.pk for n in rows)
