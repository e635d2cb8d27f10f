from __future__ import annotations

from datetime import date

import pytest

from motcua.clock.services import amend_day
from motcua.dossiers.models import DossierEvent
from motcua.dossiers.services import intake, perform
from motcua.dossiers.services.recompute import recompute_open

from .conftest import World, local

pytestmark = pytest.mark.django_db


def test_announced_day_off_moves_open_dossiers_and_records_it(world: World, calendar) -> None:
    open_one, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-03-10T10:00")
    )
    done, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(subject="done"),
        now=local("2026-03-10T10:00"),
    )
    perform(done.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T11:00"))
    perform(done.code, "approve", world.actor("leader"), {}, now=local("2026-03-10T15:00"))
    paused, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(subject="paused"),
        now=local("2026-03-10T10:00"),
    )
    perform(paused.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T10:30"))
    perform(
        paused.code,
        "suspend",
        world.actor("leader"),
        {"reason": "Chờ nộp thuế"},
        now=local("2026-03-10T11:00"),
    )
    assert open_one.due_at == local("2026-03-16T10:00")

    amend_day(
        calendar,
        date(2026, 3, 12),
        "day_off",
        name="Nghỉ đột xuất",
        reason="Bão",
        announcement="Thông báo 1/TB-UBND",
    )
    assert recompute_open(now=local("2026-03-11T08:00")) == 1

    open_one.refresh_from_db()
    done.refresh_from_db()
    assert open_one.due_at == local("2026-03-17T10:00")  # one working day later
    assert done.due_at == local("2026-03-16T10:00")  # resolved: untouched
    event = DossierEvent.objects.get(dossier=open_one, action="due_changed")
    assert event.payload == {
        "from": "2026-03-16T10:00:00+07:00",
        "to": "2026-03-17T10:00:00+07:00",
        "reason": "calendar",
    }
    assert event.due_at == open_one.due_at
    assert recompute_open(now=local("2026-03-11T08:00")) == 0  # idempotent
