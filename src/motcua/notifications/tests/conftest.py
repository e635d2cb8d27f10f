"""Fixtures for the delivery tests: a message queued the way the engine queues one, and
backends whose behaviour the test decides."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from motcua.notifications.backends import DeliveryError
from motcua.notifications.models import Notification
from motcua.notifications.services import queue


class Scripted:
    """A backend that fails the first ``failures`` sends, then delivers; records every send."""

    failures: ClassVar[int] = 0
    sent: ClassVar[list[int]] = []
    calls: ClassVar[int] = 0

    def send(self, notification: Notification) -> None:
        cls = type(self)
        cls.calls += 1
        if cls.calls <= cls.failures:
            raise DeliveryError(f"gateway busy (call {cls.calls})")
        cls.sent.append(notification.pk)


class Broken:
    """Fails with something that is not a DeliveryError: a bug, not an outage."""

    def send(self, notification: Notification) -> None:
        raise KeyError("recipient")


SCRIPTED = "motcua.notifications.tests.conftest.Scripted"


@pytest.fixture
def scripted(settings: Any) -> type[Scripted]:
    Scripted.failures, Scripted.sent, Scripted.calls = 0, [], 0
    settings.MOTCUA_NOTIFICATION_BACKENDS = {"sms": SCRIPTED, "email": SCRIPTED}
    return Scripted


@pytest.fixture
def var_dir(settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    return tmp_path


def queue_one(
    phone: str = "0912345678", email: str = "", subject_id: int = 1, keep_task: bool = False
) -> Notification:
    """A queued message. Unless ``keep_task``, its delivery task is no longer waiting (a worker
    took it, or the task queue was pruned) — where the recovery tests start: ``queue`` writes
    the task in the same transaction with the database backend, so it is removed here."""
    from django_tasks_db.models import DBTaskResult

    rows = queue(
        subject_type="dossier",
        subject_id=subject_id,
        template="received",
        title="Hồ sơ 000.00.02.H99-260310-0001 đã được tiếp nhận",
        body="Hồ sơ của ông/bà đã được tiếp nhận. Hẹn trả: 10:00 16/03/2026.",
        phone=phone,
        email=email,
    )
    if not keep_task:
        DBTaskResult.objects.filter(args_kwargs__args__0__in=[n.pk for n in rows]).delete()
    return rows[0]
