"""The whole loop through the service layer, with hand-computed due times (default office
hours 07:30–11:30, 13:00–17:00; the legal time of the test procedure is 4 working days)."""

from __future__ import annotations

import pytest

from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.dossiers.models import DossierEvent, DossierStep
from motcua.dossiers.selectors import get_visible
from motcua.dossiers.services import intake, perform

from .conftest import World, local

pytestmark = pytest.mark.django_db


def receive(world: World, when: str, **extra: object):
    dossier, created = intake(
        "receive", world.actor("receiver"), world.counter_data(**extra), now=local(when)
    )
    assert created
    return dossier


def test_counter_intake_issues_code_due_time_and_first_step(world: World) -> None:
    d = receive(world, "2026-03-10T10:00")
    assert d.code == "000.00.02.H99-260310-0001"
    assert d.state == "received"
    assert d.reception_point == world.point
    # 32 working hours from Tue 10:00: 5.5 + 8 + 8 + 8 + 2.5 → Mon 16 March 10:00.
    assert d.due_at == local("2026-03-16T10:00")
    step = d.current_step
    assert (step.code, step.agency, step.due_at) == ("TN", world.centre, local("2026-03-10T15:30"))
    event = DossierEvent.objects.get(dossier=d)
    assert (event.action, event.to_state, event.seq) == ("receive", "received", 1)
    assert receive(world, "2026-03-10T11:00").code.endswith("-260310-0002")


def test_full_loop_early_with_control_sheet(world: World) -> None:
    d = receive(world, "2026-03-10T10:00")
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    perform(
        d.code,
        "assign",
        world.actor("leader"),
        {"assignee": "specialist"},
        now=local("2026-03-10T14:30"),
    )
    perform(d.code, "forward", world.actor("specialist"), {}, now=local("2026-03-12T09:00"))
    d = perform(
        d.code,
        "approve",
        world.actor("leader"),
        {"result": "GCN số 12"},
        now=local("2026-03-12T16:00"),
    )
    assert (d.state, d.outcome, d.timeliness) == ("result_ready", "approved", "early")
    assert d.resolved_at == local("2026-03-12T16:00")
    d = perform(
        d.code,
        "return_result",
        world.actor("receiver"),
        {"method": "counter", "recipient": "Nguyễn Văn An"},
        now=local("2026-03-13T08:00"),
    )
    assert d.state == "returned" and d.returned_at == local("2026-03-13T08:00")
    sheet = list(DossierStep.objects.filter(dossier=d).order_by("position"))
    assert [(s.code, s.agency.code, s.timeliness) for s in sheet] == [
        ("TN", world.centre.code, "on_time"),
        ("XL", world.justice.code, "on_time"),
        ("PD", world.justice.code, "early"),
        ("TKQ", world.centre.code, "on_time"),
    ]
    # TKQ: 4 h from Thu 16:00 → Fri 10:30; returned Fri 08:00, the due day → on time.
    assert sheet[3].due_at == local("2026-03-13T10:30")
    # XL: 16 h from Tue 14:00 = 3 (Tue) + 8 (Wed) + 5 (Thu 07:30–11:30, 13:00–14:00) → Thu 14:00;
    # ended Thu 09:00, the due day → on time.
    assert sheet[1].due_at == local("2026-03-12T14:00")
    assert [e.action for e in DossierEvent.objects.filter(dossier=d).order_by("seq")] == [
        "receive",
        "forward",
        "assign",
        "forward",
        "approve",
        "return_result",
    ]


def test_late_resolution_and_one_apology(world: World) -> None:
    d = receive(world, "2026-03-10T10:00")
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    d = perform(
        d.code,
        "apologise",
        world.actor("leader"),
        {"reason": "Chờ xác minh", "new_appointment": "2026-03-20T10:00:00+07:00"},
        now=local("2026-03-16T09:00"),
    )
    assert d.appointment_at == local("2026-03-20T10:00")
    with pytest.raises(Conflict):
        perform(
            d.code,
            "apologise",
            world.actor("leader"),
            {"reason": "again", "new_appointment": "2026-03-25T10:00:00+07:00"},
            now=local("2026-03-16T09:30"),
        )
    perform(d.code, "forward", world.actor("specialist"), {}, now=local("2026-03-17T09:00"))
    d = perform(d.code, "approve", world.actor("leader"), {}, now=local("2026-03-17T10:00"))
    # Judged against the legal due time (Mon 16 10:00), not the new appointment.
    assert d.timeliness == "late"


def test_supplement_pauses_the_clock_and_moves_due_times(world: World) -> None:
    d = receive(world, "2026-03-10T10:00")
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    d = perform(
        d.code,
        "request_supplement",
        world.actor("specialist"),
        {"items": ["Bản sao CCCD"], "reason": "Thiếu giấy tờ"},
        now=local("2026-03-11T10:00"),
    )
    # Worked before the pause: Tue 10:00–11:30, 13:00–17:00 (5.5 h) + Wed 07:30–10:00 (2.5 h).
    assert (d.state, d.due_at, d.remaining_hours) == ("awaiting_supplement", None, 24)
    d = perform(
        d.code,
        "supplement",
        world.actor("receiver"),
        {"items": ["Bản sao CCCD"]},
        now=local("2026-03-13T10:00"),
    )
    # Two working days paused (Wed 10:00 → Fri 10:00): due moves from Mon 16 to Wed 18 10:00.
    assert (d.state, d.due_at) == ("in_progress", local("2026-03-18T10:00"))
    moved = DossierEvent.objects.filter(dossier=d, action="due_changed").order_by("seq")
    assert [e.payload["to"] for e in moved] == [None, "2026-03-18T10:00:00+07:00"]
    # The step's due time moved too: 16 h from Tue 14:00 was Thu 14:00; 5.5 h ran before the
    # pause, 10.5 h from Fri 10:00 → Mon 16 14:00.
    assert d.current_step.due_at == local("2026-03-16T14:00")


def test_restart_policy_runs_the_whole_time_again(world: World) -> None:
    d, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(procedure=world.restart_version.procedure.code),
        now=local("2026-03-09T08:00"),
    )
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-09T09:00"))
    perform(
        d.code,
        "request_supplement",
        world.actor("specialist"),
        {"items": ["Tờ khai"]},
        now=local("2026-03-10T10:00"),
    )
    d = perform(d.code, "supplement", world.actor("receiver"), {}, now=local("2026-03-12T10:00"))
    # 32 h again from Thu 12 10:00 → Wed 18 10:00.
    assert d.due_at == local("2026-03-18T10:00")


def test_rules_of_the_table(world: World) -> None:
    d = receive(world, "2026-03-10T10:00")
    with pytest.raises(Conflict):  # not in progress yet
        perform(d.code, "approve", world.actor("leader"), {}, now=local("2026-03-10T11:00"))
    with pytest.raises(PermissionDenied):  # a specialist does not hold the reception step
        perform(d.code, "forward", world.actor("specialist"), {}, now=local("2026-03-10T11:00"))
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T14:00"))
    with pytest.raises(PermissionDenied):  # approving is a leader's decision
        perform(d.code, "approve", world.actor("specialist"), {}, now=local("2026-03-10T15:00"))
    with pytest.raises(ValidationFailed) as info:
        perform(d.code, "refuse", world.actor("leader"), {}, now=local("2026-03-10T15:00"))
    assert [e.field for e in info.value.errors] == ["reason"]
    with pytest.raises(Conflict):  # a decision taken on a stale page
        perform(
            d.code,
            "comment",
            world.actor("leader"),
            {"note": "ok"},
            expected_version=1,
            now=local("2026-03-10T15:00"),
        )
    assert DossierEvent.objects.filter(dossier=d).count() == 2


def test_another_agency_cannot_see_or_act(world: World) -> None:
    d = receive(world, "2026-03-10T10:00")
    with pytest.raises(NotFound):
        perform(
            d.code, "comment", world.actor("builder"), {"note": "x"}, now=local("2026-03-10T11:00")
        )
    # The province's inspector sees everything below the province, and only reads.
    assert get_visible(world.actor("inspector"), d.code).pk == d.pk
    with pytest.raises(PermissionDenied):
        perform(
            d.code,
            "comment",
            world.actor("inspector"),
            {"note": "kiểm tra"},
            now=local("2026-03-10T11:00"),
        )


def test_inter_agency_step_at_the_tax_office(world: World) -> None:
    d, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(procedure=world.land_version.procedure.code),
        now=local("2026-03-10T08:00"),
    )
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T09:00"))
    with pytest.raises(ValidationFailed):  # the tax step needs a chosen agency of its kind
        perform(d.code, "forward", world.actor("specialist"), {}, now=local("2026-03-10T14:00"))
    d = perform(
        d.code,
        "forward",
        world.actor("specialist"),
        {"agency": world.tax.code},
        now=local("2026-03-10T14:00"),
    )
    assert (d.current_step.code, d.current_step.agency, d.current_step.transfer) == (
        "THUE",
        world.tax,
        True,
    )
    d = perform(d.code, "forward", world.actor("tax"), {}, now=local("2026-03-13T16:00"))
    assert d.current_step.code == "PD"
    tax_step = DossierStep.objects.get(dossier=d, code="THUE")
    # 16 h from Tue 14:00 → Thu 14:00; ended Fri 16:00 → the tax office made it late.
    assert (tax_step.due_at, tax_step.timeliness) == (local("2026-03-12T14:00"), "late")


def test_idempotent_intake_returns_the_same_dossier(world: World) -> None:
    data = world.counter_data()
    first, created = intake(
        "receive",
        world.actor("receiver"),
        data,
        idempotency_key="k-1",
        now=local("2026-03-10T10:00"),
    )
    again, created_again = intake(
        "receive",
        world.actor("receiver"),
        data,
        idempotency_key="k-1",
        now=local("2026-03-10T10:01"),
    )
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(Conflict):
        intake(
            "receive",
            world.actor("receiver"),
            world.counter_data(subject="khác"),
            idempotency_key="k-1",
            now=local("2026-03-10T10:02"),
        )


def test_bad_intake_names_every_field_and_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationFailed) as info:
        intake(
            "receive",
            world.actor("receiver"),
            {
                "procedure": "9.999999",
                "applicant": {"name": "", "national_id": "12", "phone": "abc"},
            },
            now=local("2026-03-10T10:00"),
        )
    fields = {e.field for e in info.value.errors}
    assert {"procedure", "applicant.name", "applicant.national_id", "applicant.phone"} <= fields
    assert not DossierEvent.objects.exists()


def test_events_are_append_only(world: World) -> None:
    d = receive(world, "2026-03-10T10:00")
    event = DossierEvent.objects.get(dossier=d)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        DossierEvent.objects.filter(dossier=d).update(note="x")
    with pytest.raises(TypeError):
        DossierEvent.objects.filter(dossier=d).delete()


def test_approval_before_an_inter_agency_step_goes_straight_to_the_desk(world: World) -> None:
    d, _ = intake(
        "receive",
        world.actor("receiver"),
        world.counter_data(procedure=world.land_version.procedure.code),
        now=local("2026-03-10T08:00"),
    )
    perform(d.code, "forward", world.actor("receiver"), {}, now=local("2026-03-10T09:00"))
    d = perform(d.code, "approve", world.actor("leader"), {}, now=local("2026-03-10T10:00"))
    assert (d.state, d.current_step.code, d.current_step.agency) == (
        "result_ready",
        "TKQ",
        world.centre,
    )
