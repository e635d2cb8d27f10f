"""Delivery attempts: success, failure then success, back-off, the final failure with its
error, duplicate tasks, interrupted senders, and the immediate task backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from motcua.notifications import services
from motcua.notifications.models import Notification, Status
from motcua.notifications.selectors import for_subject, undelivered
from motcua.notifications.services import INTERRUPTED, LEASE, claim, record_attempt
from motcua.notifications.tasks import deliver

from .conftest import Scripted, queue_one

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def delivery_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=deliver.module_path).order_by("enqueued_at", "id")
    )


def test_delivered_on_first_attempt(
    scripted: type[Scripted], django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        n = queue_one(keep_task=True)
    # Delivery is enqueued in the queuing transaction, on its own queue.
    [task] = delivery_tasks()
    assert (task.args_kwargs["args"], task.queue_name) == ([n.pk], "notifications")
    assert (n.status, n.next_attempt_at) == (Status.QUEUED, T0)

    with time_machine.travel(T0 + timedelta(seconds=2), tick=False):
        assert deliver.call(n.pk) == "sent"
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error, n.next_attempt_at) == ("sent", 1, "", None)
    assert n.sent_at == T0 + timedelta(seconds=2)
    assert scripted.sent == [n.pk]
    # The same task again (a duplicate) sends nothing twice.
    assert deliver.call(n.pk) == "skipped"
    assert scripted.calls == 1


def test_failure_then_success_after_the_back_off(
    scripted: type[Scripted], django_capture_on_commit_callbacks: Any
) -> None:
    scripted.failures = 1
    with time_machine.travel(T0, tick=False) as clock:
        n = queue_one()
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver.call(n.pk) == "retrying"
        n.refresh_from_db()
        assert (n.status, n.attempts, n.last_error) == ("retrying", 1, "gateway busy (call 1)")
        assert n.next_attempt_at == T0 + timedelta(minutes=1)
        assert n.history == [
            {"at": "2026-03-10T10:00:00+07:00", "attempt": 1, "error": "gateway busy (call 1)"}
        ]
        # The retry is a task deferred to the end of the back-off.
        [retry] = delivery_tasks()
        assert (retry.args_kwargs["args"], retry.run_after) == ([n.pk], T0 + timedelta(minutes=1))
        # Too early (another copy of the task): nothing happens, the back-off holds.
        clock.shift(timedelta(seconds=30))
        assert deliver.call(n.pk) == "skipped"
        clock.shift(timedelta(seconds=30))
        assert deliver.call(n.pk) == "sent"
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == ("sent", 2, "")
    assert len(n.history) == 1  # the failure stays on record
    assert scripted.sent == [n.pk]


def test_five_failures_leave_it_failed_with_the_last_error(scripted: type[Scripted]) -> None:
    scripted.failures = 99
    waits = []
    with time_machine.travel(T0, tick=False) as clock:
        n = queue_one()
        for attempt in range(1, 6):
            status = deliver.call(n.pk)
            n.refresh_from_db()
            assert n.attempts == attempt
            if attempt < 5:
                assert status == "retrying" and n.next_attempt_at is not None
                waits.append(n.next_attempt_at - timezone.now())
                clock.move_to(n.next_attempt_at)
    assert status == "failed"
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
    ]
    assert (n.status, n.last_error, n.next_attempt_at) == ("failed", "gateway busy (call 5)", None)
    assert [entry["attempt"] for entry in n.history] == [1, 2, 3, 4, 5]
    assert deliver.call(n.pk) == "skipped"
    assert scripted.calls == 5
    assert list(undelivered()) == [n]


def test_back_off_and_attempts_follow_the_settings(scripted: type[Scripted], settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_MAX_ATTEMPTS = 2
    settings.MOTCUA_NOTIFICATION_BACKOFF = [10]
    scripted.failures = 99
    with time_machine.travel(T0, tick=False) as clock:
        n = queue_one()
        assert deliver.call(n.pk) == "retrying"
        n.refresh_from_db()
        assert n.next_attempt_at == T0 + timedelta(seconds=10)
        clock.shift(timedelta(seconds=10))
        assert deliver.call(n.pk) == "failed"


def test_failing_backend_sms_fails_while_the_email_copy_arrives(
    settings: Any, var_dir: Any
) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {
        "sms": {"BACKEND": "failing", "OPTIONS": {"error": "SIM not registered"}},
        "email": "file",
    }
    with time_machine.travel(T0, tick=False) as clock:
        sms = queue_one(email="an@example.vn", subject_id=7)
        email = Notification.objects.get(subject_id=7, channel="email")
        assert deliver.call(email.pk) == "sent"
        for _ in range(5):
            deliver.call(sms.pk)
            sms.refresh_from_db()
            if sms.next_attempt_at:
                clock.move_to(sms.next_attempt_at)
    # What the dossier page shows: the SMS failed with its reason, the e-mail went out.
    rows = [(n.channel, n.status, n.attempts, n.last_error) for n in for_subject("dossier", 7)]
    assert rows == [
        ("sms", "failed", 5, "SIM not registered"),
        ("email", "sent", 1, ""),
    ]
    assert "an@example.vn" in (var_dir / "notifications" / "email.jsonl").read_text()


def test_the_default_failing_backend_says_the_gateway_is_unreachable(settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {"sms": "failing"}
    n = queue_one()
    assert deliver.call(n.pk) == "retrying"
    n.refresh_from_db()
    assert n.last_error == "gateway unreachable"


def test_a_backend_bug_is_a_failed_attempt_not_a_lost_message(settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {"sms": "motcua.notifications.tests.conftest.Broken"}
    n = queue_one()
    assert deliver.call(n.pk) == "retrying"
    n.refresh_from_db()
    assert n.last_error == "KeyError: 'recipient'"


def test_a_mistyped_backend_is_a_visible_failure(settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {"sms": "motcua.notifications.backends.Nope"}
    n = queue_one()
    assert deliver.call(n.pk) == "retrying"
    n.refresh_from_db()
    assert n.last_error.startswith("ImportError:")
    assert "Nope" in n.last_error


def test_a_sender_that_died_is_replaced_after_its_lease(scripted: type[Scripted]) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        n = queue_one()
        claimed = claim(n.pk)  # a worker takes it, then dies without reporting
        assert claimed is not None and claimed.status == "sending"
        # While the lease runs, another task leaves it alone.
        assert deliver.call(n.pk) == "skipped"
        clock.shift(LEASE)
        assert deliver.call(n.pk) == "sent"
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 2)
    assert n.history[0]["error"] == INTERRUPTED
    assert scripted.calls == 1


def test_a_late_failure_report_does_not_override_the_takeover(scripted: type[Scripted]) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        n = queue_one()
        first = claim(n.pk)
        assert first is not None
        clock.shift(LEASE)
        second = claim(n.pk)
        assert second is not None and second.attempts == 2
        # The first sender wakes up and reports a failure: the second attempt decides.
        assert record_attempt(n.pk, 1, error="slow gateway") == "sending"
        assert record_attempt(n.pk, 2) == "sent"
    n.refresh_from_db()
    assert n.status == "sent"
    assert [e["error"] for e in n.history] == [INTERRUPTED, "slow gateway"]


def test_a_message_queued_in_a_rolled_back_transaction_never_exists(
    scripted: type[Scripted], django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    seen_inside = []

    def queue_then_fail() -> None:
        with transaction.atomic():
            queue_one()
            seen_inside.append(Notification.objects.count())
            raise RuntimeError("the action failed after queuing")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        queue_then_fail()
    assert seen_inside == [1]
    assert Notification.objects.count() == 0
    assert callbacks == []
    assert delivery_tasks() == []


@pytest.fixture
def immediate(settings: Any) -> None:
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "notifications"],
        }
    }


def test_immediate_backend_delivers_on_commit(
    immediate: None, scripted: type[Scripted], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        n = queue_one()
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 1)
    assert scripted.sent == [n.pk]


def test_immediate_backend_leaves_retries_to_the_tick(
    immediate: None, scripted: type[Scripted], django_capture_on_commit_callbacks: Any
) -> None:
    """The immediate backend cannot defer a task: a retry waits for the tick, which finds the
    message due (and its task "lost") and runs it again."""
    scripted.failures = 1
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            n = queue_one()
        n.refresh_from_db()
        assert (n.status, n.attempts) == ("retrying", 1)
        clock.shift(timedelta(minutes=1) + services.LOST_AFTER)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.redeliver_lost() == [n.pk]
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 2)


def test_task_results_record_the_status(
    scripted: type[Scripted], django_capture_on_commit_callbacks: Any
) -> None:
    """Through the database backend's own result: the worker's view of the task."""
    with django_capture_on_commit_callbacks(execute=True):
        n = queue_one(keep_task=True)
    [task] = delivery_tasks()
    assert task.status == TaskResultStatus.READY
    result = deliver.call(*task.args_kwargs["args"])
    assert result == "sent"
    assert Notification.objects.get(pk=n.pk).status == "sent"
