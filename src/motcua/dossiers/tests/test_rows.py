"""``core.rows``: the engine's INSERTs and UPDATEs with kept SQL write exactly what ``save``
writes (JSON, decimals, datetimes, foreign keys), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError
from django.forms.models import model_to_dict

from motcua.core.rows import insert_row, update_row
from motcua.dossiers.models import Dossier, DossierEvent, DossierStep
from motcua.dossiers.services import intake

from .conftest import World, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(world: World) -> Dossier:
    d, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-03-10T08:00")
    )
    return d


def _event(dossier: Dossier, seq: int) -> DossierEvent:
    return DossierEvent(
        dossier=dossier,
        seq=seq,
        action="comment",
        from_state="received",
        to_state="received",
        actor_name="Nguyễn Văn An",
        at=local("2026-03-10T09:00"),
        note="ghi chú",
        payload={"items": ["Tờ khai", "Bản sao"], "n": 2},
        due_at=local("2026-03-16T10:00"),
    )


def test_insert_row_writes_what_save_writes(world: World, dossier: Dossier) -> None:
    kept, saved = _event(dossier, 90), _event(dossier, 91)
    insert_row(kept)
    saved.save()
    assert kept.pk is not None and kept.pk != saved.pk and not kept._state.adding
    a = model_to_dict(DossierEvent.objects.get(pk=kept.pk), exclude=["id", "seq"])
    b = model_to_dict(DossierEvent.objects.get(pk=saved.pk), exclude=["id", "seq"])
    assert a == b and a["payload"] == {"items": ["Tờ khai", "Bản sao"], "n": 2}

    def step(position: int) -> DossierStep:
        return DossierStep(
            dossier=dossier,
            position=position,
            code="X",
            name="Bước",
            role="specialist",
            agency=world.justice,
            hours=Decimal("12.50"),
            started_at=local("2026-03-10T09:00"),
        )

    kept_step, saved_step = step(9), step(10)
    insert_row(kept_step)  # the kept SQL of another model
    saved_step.save()
    a = model_to_dict(DossierStep.objects.get(pk=kept_step.pk), exclude=["id", "position"])
    b = model_to_dict(DossierStep.objects.get(pk=saved_step.pk), exclude=["id", "position"])
    assert a == b and a["hours"] == Decimal("12.50")


def test_update_row_writes_only_the_named_columns(dossier: Dossier) -> None:
    row = Dossier.objects.get(pk=dossier.pk)
    assert dossier.due_at is not None
    row.due_at = dossier.due_at + timedelta(days=1)
    row.remaining_hours = Decimal("3.25")
    row.subject = "not written"  # not named: stays as it is in the database
    update_row(row, ["due_at", "remaining_hours"])
    read = Dossier.objects.get(pk=dossier.pk)
    assert read.due_at == dossier.due_at + timedelta(days=1)
    assert read.remaining_hours == Decimal("3.25") and read.subject == dossier.subject


def test_update_row_of_a_missing_row_is_an_error(dossier: Dossier) -> None:
    ghost = Dossier.objects.get(pk=dossier.pk)
    ghost.pk = dossier.pk + 1000
    with pytest.raises(DatabaseError):
        update_row(ghost, ["version"])


def test_insert_row_refuses_a_model_whose_key_the_database_does_not_assign() -> None:
    from django_tasks_db.models import DBTaskResult

    with pytest.raises(TypeError, match="primary key"):
        insert_row(DBTaskResult(task_path="x", backend_name="default"))
