"""The applicant's notifications as the engine writes them: in the action's transaction, one
per channel, with the texts of the event; delivered by a real worker after commit."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils.translation import override
from django_tasks_db.models import DBTaskResult

from motcua.dossiers.models import Dossier
from motcua.dossiers.services import intake, perform
from motcua.notifications.models import Notification
from motcua.notifications.selectors import for_subject

from .conftest import World, local


def receive(world: World, when: str = "2026-03-10T10:00", **applicant: Any) -> Dossier:
    data = world.counter_data()
    data["applicant"].update(applicant)
    dossier, _ = intake("receive", world.actor("receiver"), data, now=local(when))
    return dossier


@pytest.fixture
def english(settings: Any) -> None:
    # The texts are written in the deployment's language; English keeps the assertions
    # independent of the translation catalogue.
    settings.LANGUAGE_CODE = "en"


@pytest.mark.django_db
def test_receipt_queues_sms_and_email_in_the_same_transaction(
    world: World, english: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        d = receive(world, email="an@example.vn")
    rows = list(for_subject("dossier", d.pk))
    assert [(n.channel, n.recipient, n.template, n.status) for n in rows] == [
        ("sms", "0912345678", "received", "queued"),
        ("email", "an@example.vn", "received", "queued"),
    ]
    assert rows[0].title == f"Dossier {d.code} received"
    assert rows[0].body == (
        f"Your dossier {d.code} has been received. Appointment: 10:00 16/03/2026. "
        f"Track it: http://127.0.0.1:8000/tra-cuu/{d.code}"
    )
    # The delivery tasks are written in the same transaction (database task backend): they
    # become visible to workers exactly when the messages commit; nothing waits for a callback.
    assert len(callbacks) == 0
    waiting = DBTaskResult.objects.filter(status="READY").values_list("args_kwargs", flat=True)
    assert sorted(args["args"][0] for args in waiting) == sorted(n.pk for n in rows)


@pytest.mark.django_db
def test_a_rolled_back_action_leaves_no_notification(
    world: World, english: None, django_capture_on_commit_callbacks: Any
) -> None:
    d = receive(world)
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    before = Notification.objects.count()
    seen_inside = []

    def suspend_then_fail() -> None:
        with transaction.atomic():
            perform(
                d.code,
                "suspend",
                world.actor("specialist"),
                {"reason": "Chờ nộp thuế"},
                now=local("2026-03-11T09:00"),
            )
            seen_inside.append(Notification.objects.count())
            raise RuntimeError("something after the action failed")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        suspend_then_fail()
    assert seen_inside == [before + 1]
    assert Notification.objects.count() == before
    assert callbacks == []
    d.refresh_from_db()
    assert d.state == "in_progress"


@pytest.mark.django_db
def test_supplement_request_tells_the_limit(world: World, english: None) -> None:
    d = receive(world)
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    d = perform(
        d.code,
        "request_supplement",
        world.actor("specialist"),
        {"items": ["Bản sao CCCD", "Tờ khai"]},
        now=local("2026-03-11T10:00"),
    )
    # 15 working days from Wed 11 March 10:00: 5.5 h that day, 14 full days, 2.5 h on 1 April.
    assert d.supplement_due_at == local("2026-04-01T10:00")
    n = for_subject("dossier", d.pk).get(template="supplement_requested")
    assert n.body == (
        f"Dossier {d.code} needs: Bản sao CCCD; Tờ khai. Please supplement it by "
        f"10:00 01/04/2026. Details: http://127.0.0.1:8000/tra-cuu/{d.code}"
    )


@pytest.mark.django_db
def test_texts_are_in_the_deployment_language(world: World, settings: Any) -> None:
    settings.LANGUAGE_CODE = "vi"
    with override("en"):  # whoever acts, in whatever language
        d = receive(world)
    n = for_subject("dossier", d.pk).get()
    with override("vi"):
        from django.utils.translation import gettext

        expected = gettext("Dossier %(code)s received") % {"code": d.code}
    assert n.title == expected


@pytest.mark.django_db
def test_no_contact_no_notification(world: World) -> None:
    d = receive(world, phone="")
    assert not for_subject("dossier", d.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_committed_action_is_delivered_by_the_worker(
    world: World, english: None, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    d = receive(world, email="an@example.vn")
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    assert [n.status for n in for_subject("dossier", d.pk)] == ["sent", "sent"]
    sms = [json.loads(line) for line in (tmp_path / "notifications" / "sms.jsonl").open()]
    assert [(m["to"], m["title"]) for m in sms] == [("0912345678", f"Dossier {d.code} received")]
    assert (tmp_path / "notifications" / "email.jsonl").exists()
