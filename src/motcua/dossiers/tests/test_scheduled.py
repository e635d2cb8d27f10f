"""The scheduled work: cancelling dossiers past their supplement limit, the tick task that
re-enqueues itself, ``motcua tick`` and the worker that starts the schedule."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.services import intake, perform
from motcua.dossiers.services.scheduled import cancel_expired_supplements, run_scheduled
from motcua.dossiers.tasks import ensure_tick_scheduled, schedule_next_tick, tick
from motcua.notifications.models import Notification

from .conftest import World, local

LIMIT = local("2026-04-01T10:00")  # 15 working days after the request below


def awaiting_supplement(world: World, subject: str = "") -> Dossier:
    d, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(subject=subject),
        now=local("2026-03-10T10:00"),
    )
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    d = perform(
        d.code,
        "request_supplement",
        world.actor("specialist"),
        {"items": ["Bản sao CCCD"]},
        now=local("2026-03-11T10:00"),
    )
    assert d.supplement_due_at == LIMIT
    return d


def tick_tasks(status: str | None = None) -> list[DBTaskResult]:
    rows = DBTaskResult.objects.filter(task_path=tick.module_path)
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("enqueued_at"))


@pytest.mark.django_db
def test_cancelled_once_the_limit_has_passed(world: World, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    d = awaiting_supplement(world)
    assert cancel_expired_supplements(now=LIMIT - timedelta(minutes=1)).cancelled == []
    report = cancel_expired_supplements(now=LIMIT)
    assert (report.cancelled, report.cancel_errors) == ([d.code], {})
    d.refresh_from_db()
    assert (d.state, d.outcome, d.resolved_at) == ("cancelled", "cancelled", LIMIT)
    event = DossierEvent.objects.get(dossier=d, action="cancel")
    assert (event.from_state, event.actor_id, event.actor_name) == (
        "awaiting_supplement",
        None,
        "motcua",
    )
    assert event.note == "The supplement was not received by the limit (10:00 01/04/2026)."
    # Idempotent: the next pass finds nothing to do.
    assert cancel_expired_supplements(now=LIMIT + timedelta(hours=1)).cancelled == []
    assert DossierEvent.objects.filter(dossier=d, action="cancel").count() == 1


@pytest.mark.django_db
def test_supplemented_in_time_is_not_cancelled(world: World) -> None:
    d = awaiting_supplement(world)
    perform(d.code, "supplement", world.actor("receiver"), {}, now=LIMIT - timedelta(hours=1))
    assert cancel_expired_supplements(now=LIMIT + timedelta(days=30)).cancelled == []
    d.refresh_from_db()
    assert d.state == "in_progress"


@pytest.mark.django_db
def test_a_backlog_is_worked_off_in_batches_oldest_first(world: World) -> None:
    codes = [awaiting_supplement(world, subject=str(i)).code for i in range(3)]
    first = cancel_expired_supplements(now=LIMIT, limit=2).cancelled
    second = cancel_expired_supplements(now=LIMIT, limit=2).cancelled
    assert (first, second) == (codes[:2], codes[2:])


@pytest.mark.django_db
def test_one_failing_dossier_does_not_hold_back_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad, good = awaiting_supplement(world, "bad"), awaiting_supplement(world, "good")
    from motcua.dossiers.services import scheduled

    real = scheduled.perform

    def perform_failing_for_bad(code: str, *args: Any, **kwargs: Any) -> Dossier:
        if code == bad.code:
            raise RuntimeError("disk full")
        return real(code, *args, **kwargs)

    monkeypatch.setattr(scheduled, "perform", perform_failing_for_bad)
    report = cancel_expired_supplements(now=LIMIT)
    assert report.cancelled == [good.code]
    assert report.cancel_errors == {bad.code: "RuntimeError: disk full"}
    bad.refresh_from_db()
    assert bad.state == "awaiting_supplement"  # its transaction rolled back whole


@pytest.mark.django_db
def test_run_scheduled_also_finds_lost_deliveries(world: World) -> None:
    with time_machine.travel(local("2026-03-11T10:00"), tick=False):
        d = awaiting_supplement(world)
    # The notifications were queued with their tasks; then the tasks are lost (a queue emptied
    # by hand, a restore from before they were written).
    DBTaskResult.objects.all().delete()
    pending = set(Notification.objects.filter(status="queued").values_list("pk", flat=True))
    assert pending
    with time_machine.travel(LIMIT, tick=False):
        report = run_scheduled()
    assert report.cancelled == [d.code]
    assert set(report.redelivered) == pending


@pytest.mark.django_db
def test_tick_command(world: World) -> None:
    d = awaiting_supplement(world)
    out = StringIO()
    with time_machine.travel(LIMIT + timedelta(minutes=3), tick=False):
        call_command("tick", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["cancelled"] == [d.code]
    assert report["cancel_errors"] == {}
    out = StringIO()
    with time_machine.travel(LIMIT + timedelta(minutes=8), tick=False):
        call_command("tick", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("0 ")


@pytest.mark.django_db
def test_the_tick_task_runs_the_work_and_enqueues_the_next(world: World, settings: Any) -> None:
    settings.MOTCUA_TICK_INTERVAL = 120
    d = awaiting_supplement(world)
    with time_machine.travel(LIMIT, tick=False):
        result = tick.call()
        assert result["cancelled"] == [d.code]
        [following] = tick_tasks(TaskResultStatus.READY)
        assert following.run_after == LIMIT + timedelta(seconds=120)
        # A second chain (another worker's tick) merges into the first instead of doubling.
        assert schedule_next_tick() is False
        tick.call()
    assert len(tick_tasks(TaskResultStatus.READY)) == 1


@pytest.mark.django_db
def test_the_next_tick_is_enqueued_even_when_this_one_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from motcua.dossiers.services import scheduled

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database restarting")

    monkeypatch.setattr(scheduled, "run_scheduled", broken)
    with pytest.raises(RuntimeError):
        tick.call()
    assert len(tick_tasks(TaskResultStatus.READY)) == 1


@pytest.mark.django_db
def test_ensure_tick_scheduled_starts_one_chain(settings: Any) -> None:
    assert ensure_tick_scheduled() is True
    assert ensure_tick_scheduled() is False
    [only] = tick_tasks()
    # A tick left "running" by a worker that died long ago does not count.
    DBTaskResult.objects.filter(pk=only.pk).update(
        status=TaskResultStatus.RUNNING, started_at=only.enqueued_at - timedelta(hours=1)
    )
    assert ensure_tick_scheduled() is True


@pytest.mark.django_db
def test_no_chain_on_a_backend_that_cannot_defer(settings: Any) -> None:
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "notifications"],
        }
    }
    assert ensure_tick_scheduled() is False
    assert schedule_next_tick() is False
    assert tick.call() == {"cancelled": [], "cancel_errors": {}, "redelivered": []}


@pytest.mark.django_db(transaction=True)
def test_worker_starts_the_schedule_and_runs_the_tick(world: World) -> None:
    d = awaiting_supplement(world)
    with time_machine.travel(LIMIT, tick=True):
        call_command(
            "worker",
            "--max-tasks",
            "1",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0",
            "--queue-name",
            "default",
            stdout=StringIO(),
        )
    d.refresh_from_db()
    assert d.state == "cancelled"
    [done] = tick_tasks(TaskResultStatus.SUCCESSFUL)
    assert done.return_value["cancelled"] == [d.code]
    assert len(tick_tasks(TaskResultStatus.READY)) == 1  # the next one


@pytest.mark.django_db(transaction=True)
def test_a_batch_worker_or_no_tick_starts_no_schedule() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    assert tick_tasks() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_ticks_cancel_each_dossier_once(world: World) -> None:
    from .test_concurrency import run_parallel

    codes = [awaiting_supplement(world, subject=str(i)).code for i in range(12)]
    results = run_parallel(4, lambda i: cancel_expired_supplements(now=LIMIT))
    assert all(not isinstance(r, Exception) for r in results), results
    cancelled = [code for r in results for code in r.cancelled]
    assert sorted(cancelled) == sorted(codes)  # each once, by one of the ticks
    assert [r.cancel_errors for r in results] == [{}] * 4
    assert DossierEvent.objects.filter(action="cancel").count() == 12
