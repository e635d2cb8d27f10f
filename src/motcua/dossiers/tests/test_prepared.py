"""``core.prepared``: the hot reads compiled once give exactly what the ORM gives, on SQLite and
PostgreSQL, the first time and from the kept SQL; a shape that cannot be kept runs through the
ORM every time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from motcua.agencies import selectors as agency_selectors
from motcua.core.prepared import Prepared
from motcua.dossiers import api_public, api_render, refs
from motcua.dossiers.models import Dossier, DossierStep, Pause
from motcua.dossiers.services import engine, intake, perform
from motcua.identity import tokens
from motcua.identity.models import User

from .conftest import World, local

pytestmark = pytest.mark.django_db


def _values(obj: models.Model) -> dict[str, Any]:
    """Every loaded column, and the related rows that came with it (select_related)."""
    loaded = obj.__dict__
    values = {
        f.attname: loaded[f.attname] for f in obj._meta.concrete_fields if f.attname in loaded
    }
    for name, related in obj._state.fields_cache.items():
        values[f"->{name}"] = _values(related) if related is not None else None
    return values


def _same(prepared: Prepared[Any], orm: list[Any], *params: Any) -> None:
    expected = [_values(o) for o in orm]
    assert expected, "compare on rows, not on nothing"
    first = [_values(o) for o in prepared(*params)]  # compiles
    with CaptureQueriesContext(connection) as queries:
        again = [_values(o) for o in prepared(*params)]  # the kept SQL
    assert first == expected and again == expected
    assert len(queries.captured_queries) == 1
    assert prepared._local.plans and None not in prepared._local.plans.values()  # kept


@pytest.fixture
def worked(world: World) -> Dossier:
    """A dossier with steps, a closed pause, messages (JSON history) and decimals."""
    d, _ = intake(
        "receive", world.actor("receiver"), world.counter_data(), now=local("2026-03-10T08:00")
    )
    steps = [
        ("receiver", "forward", {}, "2026-03-10T09:00"),
        ("specialist", "request_supplement", {"items": ["Tờ khai"]}, "2026-03-10T10:00"),
        ("receiver", "supplement", {}, "2026-03-11T10:00"),
    ]
    for who, action, data, when in steps:
        perform(d.code, action, world.actor(who), data, now=local(when))
    return Dossier.objects.get(pk=d.pk)


def test_the_hot_reads_give_what_the_orm_gives(world: World, worked: Dossier) -> None:
    pk = worked.pk
    _same(refs.STEPS, list(DossierStep.objects.filter(dossier_id=pk).order_by("position")), pk)
    _same(api_render._PAUSES, list(Pause.objects.filter(dossier_id=pk).order_by("start", "pk")), pk)
    notifications = api_render._NOTIFICATIONS
    _same(
        notifications,
        list(api_render.for_subject("dossier", pk).order_by("created_at", "pk")),
        "dossier",
        pk,
    )
    public_steps = DossierStep.objects.filter(dossier_id=pk).order_by("position")
    _same(api_render._PUBLIC_STEPS, list(public_steps.only(*api_render.PUBLIC_STEP_FIELDS)), pk)
    public = Dossier.objects.filter(code=worked.code).only(*api_public.PUBLIC_FIELDS)
    _same(api_public._PUBLIC, list(public), worked.code)
    with transaction.atomic():
        _same(engine._LOCK, list(Dossier.objects.filter(code=worked.code)), worked.code)
    receiver = world.users["receiver"]
    assignments = agency_selectors.RoleAssignment.objects.filter(official=receiver)
    _same(
        agency_selectors._ACTIVE_ASSIGNMENTS,
        list(assignments.select_related("agency", "reception_point")),
        receiver.pk,
    )
    secret = tokens.create_token("receiver", "prepared")[1]
    token = tokens.ApiToken.objects.select_related("user").filter(name="prepared")
    _same(tokens._ACTIVE_TOKEN, list(token), tokens.digest_of(secret))


def test_converted_columns_come_back_typed(worked: Dossier) -> None:
    """Datetimes (text on SQLite), decimals and JSON go through the fields' converters."""
    refs.STEPS(worked.pk)
    step = refs.STEPS(worked.pk)[0]
    assert step.started_at.utcoffset() == timedelta(0)
    assert str(step.hours) == "4.00"
    message = api_render._NOTIFICATIONS("dossier", worked.pk)[-1]
    assert isinstance(message.history, list)


def test_a_shape_that_cannot_be_kept_runs_through_the_orm(worked: Dossier) -> None:
    # A list parameter is compiled into one parameter per item: not the call's arguments.
    by_ids: Prepared[Dossier] = Prepared(lambda ids: Dossier.objects.filter(pk__in=ids))
    assert [d.pk for d in by_ids([worked.pk])] == [worked.pk]
    assert by_ids([worked.pk + 1000]) == []  # not the first call's SQL with other values
    # The ORM adds a parameter of its own (the user name's case-insensitive pattern).
    named: Prepared[User] = Prepared(lambda name: User.objects.filter(username__icontains=name))
    assert [u.username for u in named("RECEIV")] == ["receiver"]
    assert [u.username for u in named("LEADER2")] == ["leader2"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # autocommit outside the block, as in production
def test_a_locking_read_outside_a_transaction_is_refused_as_by_the_orm(worked: Dossier) -> None:
    with transaction.atomic():
        assert engine._LOCK.first(worked.code) is not None
    with pytest.raises(TransactionManagementError):
        engine._LOCK(worked.code)


def test_arguments_are_matched_to_the_orms_parameters_by_value(worked: Dossier) -> None:
    # The ORM orders keyword filters by name: (pk, version) arrive as (id, version) here, but
    # a call whose two values are equal cannot tell which is which — kept only once one can.
    by_pk_and_version: Prepared[Dossier] = Prepared(
        lambda version, pk: Dossier.objects.filter(version=version, pk=pk)
    )
    same = worked.pk
    expected = list(Dossier.objects.filter(version=same, pk=same))
    assert by_pk_and_version(same, same) == expected
    assert not by_pk_and_version._local.plans
    assert [d.pk for d in by_pk_and_version(worked.version, worked.pk)] == [worked.pk]
    assert None not in by_pk_and_version._local.plans.values()
    assert by_pk_and_version(worked.version + 1, worked.pk) == []
    assert [d.pk for d in by_pk_and_version(worked.version, worked.pk)] == [worked.pk]
