"""Lost tasks found again by the tick, officials' "retry now" (service and admin action), and
what the selectors show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from motcua.identity.models import User
from motcua.notifications.models import Notification, mask_recipient
from motcua.notifications.services import (
    INTERRUPTED,
    LEASE,
    LOST_AFTER,
    claim,
    redeliver_lost,
    retry_now,
)
from motcua.notifications.tasks import deliver

from .conftest import Scripted, queue_one

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def waiting_tasks() -> list[list[int]]:
    return [
        t.args_kwargs["args"]
        for t in DBTaskResult.objects.filter(task_path=deliver.module_path, status="READY")
    ]


def test_a_message_whose_task_was_never_enqueued_is_found(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with time_machine.travel(T0, tick=False):
        n = queue_one()  # the process died after commit, before enqueuing: no task
    assert waiting_tasks() == []
    assert redeliver_lost(now=T0 + LOST_AFTER - timedelta(seconds=1)) == []  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert redeliver_lost(now=T0 + LOST_AFTER) == [n.pk]
    assert waiting_tasks() == [[n.pk]]
    # Its task is waiting now: later ticks see workers behind, not a lost task.
    assert redeliver_lost(now=T0 + 3 * LOST_AFTER) == []
    assert waiting_tasks() == [[n.pk]]


def test_delivered_and_failed_messages_are_not_touched() -> None:
    sent, failed = queue_one(), queue_one()
    Notification.objects.filter(pk=sent.pk).update(status="sent", next_attempt_at=None)
    Notification.objects.filter(pk=failed.pk).update(status="failed", next_attempt_at=None)
    assert redeliver_lost(now=T0 + timedelta(days=30)) == []


def test_a_sender_that_died_counts_as_a_failed_attempt(
    scripted: type[Scripted], django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        n = queue_one()
        claim(n.pk)
    later = T0 + LEASE + LOST_AFTER
    with django_capture_on_commit_callbacks(execute=True):
        assert redeliver_lost(now=later) == [n.pk]
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == ("retrying", 1, INTERRUPTED)
    with time_machine.travel(later, tick=False):
        assert deliver.call(n.pk) == "sent"


def test_a_sender_that_died_on_the_last_attempt_leaves_it_failed(settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_MAX_ATTEMPTS = 1
    with time_machine.travel(T0, tick=False):
        n = queue_one()
        claim(n.pk)
    assert redeliver_lost(now=T0 + LEASE + LOST_AFTER) == []
    n.refresh_from_db()
    assert (n.status, n.last_error) == ("failed", INTERRUPTED)


def test_redelivery_works_in_batches() -> None:
    with time_machine.travel(T0, tick=False):
        rows = [queue_one(subject_id=i) for i in range(5)]
    first = redeliver_lost(now=T0 + LOST_AFTER, limit=3)
    assert len(first) == 3
    # The next batch: the three just enqueued are not due again for LOST_AFTER.
    second = redeliver_lost(now=T0 + LOST_AFTER, limit=3)
    assert sorted(first + second) == sorted(n.pk for n in rows)


def test_retry_now_gives_a_failed_message_one_more_attempt(
    scripted: type[Scripted], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MOTCUA_NOTIFICATION_MAX_ATTEMPTS = 2
    settings.MOTCUA_NOTIFICATION_BACKOFF = [0]
    scripted.failures = 3
    n = queue_one()
    deliver.call(n.pk)
    assert deliver.call(n.pk) == "failed"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        outcome = retry_now([n.pk], by="leader")
    assert outcome.retried == [n.pk]
    n.refresh_from_db()
    assert (n.status, n.next_attempt_at) == ("retrying", T0)
    assert n.history[-1] == {"at": "2026-03-10T10:00:00+07:00", "retry_by": "leader"}
    assert waiting_tasks() == [[n.pk]]
    assert deliver.call(n.pk) == "failed"  # the third failure: one more attempt, one failure
    retry_now([n.pk], by="leader")
    assert deliver.call(n.pk) == "sent"
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 4)


def test_retry_now_leaves_sent_and_sending_messages_alone(scripted: type[Scripted]) -> None:
    sent, sending, waiting = queue_one(), queue_one(), queue_one()
    deliver.call(sent.pk)
    claim(sending.pk)
    outcome = retry_now([sent.pk, sending.pk, waiting.pk], by="x")
    assert (outcome.retried, sorted(outcome.skipped)) == ([waiting.pk], [sent.pk, sending.pk])
    assert Notification.objects.get(pk=sent.pk).history == []


@pytest.fixture
def admin_client_user(db: Any) -> Client:
    user = User.objects.create_superuser("root", password="x", full_name="Root")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_admin_lists_filters_searches_and_retries(
    admin_client_user: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {"sms": "failing", "email": "failing"}
    settings.MOTCUA_NOTIFICATION_MAX_ATTEMPTS = 1
    sms = queue_one(phone="0911111111", email="an@example.vn")
    email = Notification.objects.get(channel="email")
    other = queue_one(phone="0922222222")
    deliver.call(sms.pk)
    url = reverse("admin:notifications_notification_changelist")

    page = admin_client_user.get(url, {"status__exact": "failed", "channel__exact": "sms"})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [sms]
    assert "gateway unreachable" in page.content.decode()
    found = admin_client_user.get(url, {"q": " 0922222222 "}).context["cl"].result_list
    assert list(found) == [other]
    found = admin_client_user.get(url, {"q": "AN@example.vn"}).context["cl"].result_list
    assert list(found) == [email]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_user.post(
            url,
            {"action": "retry_now", "_selected_action": [sms.pk, other.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "2 messages will be sent again now." in response.content.decode()
    sms.refresh_from_db()
    assert sms.status == "retrying"
    assert sms.history[-1]["retry_by"] == "root"
    assert sorted(args[0] for args in waiting_tasks()) == sorted([sms.pk, other.pk])

    detail = admin_client_user.get(
        reverse("admin:notifications_notification_change", args=[sms.pk])
    )
    assert detail.status_code == 200
    assert "gateway unreachable" in detail.content.decode()
    assert admin_client_user.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_masked_recipients() -> None:
    assert mask_recipient("sms", "0912345678") == "091****678"
    assert mask_recipient("email", "nguyenvanan@example.vn") == "n***@example.vn"
    assert queue_one().recipient_masked == "091****678"


def test_an_enqueue_refused_before_writing_leaves_the_callers_work_and_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("backend refused the task")

    monkeypatch.setattr(deliver.__class__, "enqueue", refuse)
    with time_machine.travel(T0, tick=False):
        n = queue_one(keep_task=True)  # logged, not raised: the message stays queued
    assert Notification.objects.get(pk=n.pk).status == "queued"
    assert waiting_tasks() == []
    monkeypatch.undo()
    assert redeliver_lost(now=T0 + LOST_AFTER) == [n.pk]  # the tick takes it up


def test_a_database_error_writing_the_task_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import DatabaseError, transaction

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("relation does not exist")

    monkeypatch.setattr(deliver.__class__, "enqueue", broken)
    with pytest.raises(DatabaseError), transaction.atomic():
        queue_one(keep_task=True)
    assert not Notification.objects.exists()  # the caller's work rolled back whole
