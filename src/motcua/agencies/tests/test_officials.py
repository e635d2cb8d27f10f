from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from motcua.agencies.models import Agency, ReceptionPoint, RoleAssignment
from motcua.agencies.services import RoleSpec, assign_role, create_official, revoke_role
from motcua.core.errors import NotFound, ValidationFailed
from motcua.identity.models import User

Desk = Callable[[Agency, str], ReceptionPoint]


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return sorted(e.field for e in exc.value.errors)


def test_create_official_with_roles(tree: dict[str, Agency], desk: Desk) -> None:
    user = create_official(
        "tiepnhan1",
        "Nguyễn Thị Lan",
        password="Khong-De-Doan-2025",
        phone="0912 345 678",
        roles=[RoleSpec(tree["centre"], "receiver", desk(tree["centre"], "Q1"))],
    )
    assert user.check_password("Khong-De-Doan-2025")
    assert user.full_name == "Nguyễn Thị Lan"
    assert not user.is_staff
    assignment = RoleAssignment.objects.get(official=user)
    assert (assignment.role, assignment.reception_point.code) == ("receiver", "Q1")


def test_create_official_reports_every_problem(tree: dict[str, Agency], desk: Desk) -> None:
    create_official("taken", "Người Cũ")
    with pytest.raises(ValidationFailed) as exc:
        create_official(
            "TAKEN",
            "  ",
            email="not-an-email",
            phone="abc",
            password="123",
            roles=[
                RoleSpec(tree["justice"], "receiver"),  # not a service centre
                RoleSpec(tree["centre"], "specialist", desk(tree["centre"], "Q1")),
                RoleSpec(tree["commune"], "province_admin"),  # a commune agency
                RoleSpec(tree["centre"], "janitor"),
            ],
        )
    assert "username" in fields(exc)
    assert set(fields(exc)) >= {
        "full_name",
        "email",
        "phone",
        "password",
        "roles[0].agency",
        "roles[1].reception_point",
        "roles[2].agency",
        "roles[3].role",
    }
    assert User.objects.count() == 1


def test_without_password_the_account_cannot_log_in(db: None) -> None:
    user = create_official("moi", "Cán Bộ Mới")
    assert not user.has_usable_password()


def test_receiver_desk_must_belong_to_its_centre(tree: dict[str, Agency], desk: Desk) -> None:
    user = create_official("tn", "Tiếp Nhận")
    commune_desk = desk(tree["commune_centre"], "Q1")
    with pytest.raises(ValidationFailed) as exc:
        assign_role(user, tree["centre"], "receiver", commune_desk)
    assert fields(exc) == ["reception_point"]
    assert "does not belong" in exc.value.errors[0].message
    with pytest.raises(ValidationFailed) as exc:
        assign_role(user, tree["centre"], "receiver", desk(tree["centre"], "Q9"))
    assert "closed" in exc.value.errors[0].message
    assert not RoleAssignment.objects.filter(official=user).exists()


def test_no_role_at_an_agency_that_ceased_to_exist(
    tree: dict[str, Agency], agency: Callable[..., Agency]
) -> None:
    old = agency("000.00.09.H99", parent=tree["ubnd"], valid_to="2025-06-30")
    user = create_official("cv", "Chuyên Viên")
    with pytest.raises(ValidationFailed) as exc:
        assign_role(user, old, "specialist")
    assert "2025-06-30" in exc.value.errors[0].message
    assert old.valid_to == date(2025, 6, 30)


def test_assign_is_idempotent_and_revoke_keeps_history(tree: dict[str, Agency], desk: Desk) -> None:
    user = create_official("tn", "Tiếp Nhận")
    first = assign_role(user, tree["centre"], "receiver", desk(tree["centre"], "Q1"))
    again = assign_role(user, tree["centre"], "receiver", desk(tree["centre"], "Q2"))
    assert first.pk == again.pk
    assert again.reception_point == desk(tree["centre"], "Q2")
    revoked = revoke_role(user, tree["centre"], "receiver")
    assert revoked.pk == first.pk
    assert not revoked.is_active
    assert RoleAssignment.objects.filter(official=user).count() == 1
    with pytest.raises(NotFound):
        revoke_role(user, tree["centre"], "receiver")
    back = assign_role(user, tree["centre"], "receiver")
    assert back.pk == first.pk
    assert back.is_active
    assert back.reception_point is None


def test_inactive_accounts_get_no_role(tree: dict[str, Agency]) -> None:
    user = create_official("off", "Nghỉ Việc")
    user.is_active = False
    user.save()
    with pytest.raises(ValidationFailed) as exc:
        assign_role(user, tree["justice"], "leader")
    assert fields(exc) == ["official"]


def test_admin_roles_open_the_admin_site(tree: dict[str, Agency]) -> None:
    user = create_official("qt", "Quản Trị", roles=[RoleSpec(tree["justice"], "agency_admin")])
    assert user.is_staff
    assert user.has_perm("agencies.change_receptionpoint")
    assert not user.has_perm("agencies.add_agency")
    assign_role(user, tree["ubnd"], "province_admin")
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    assert user.has_perm("agencies.add_agency")
    revoke_role(user, tree["justice"], "agency_admin")
    revoke_role(user, tree["ubnd"], "province_admin")
    user = User.objects.get(pk=user.pk)
    assert not user.is_staff
    assert not user.has_perm("agencies.change_receptionpoint")


def test_a_staff_flag_set_by_hand_survives_role_changes(tree: dict[str, Agency]) -> None:
    user = create_official("it", "Kỹ Thuật")
    user.is_staff = True
    user.save()
    assign_role(user, tree["justice"], "specialist")
    revoke_role(user, tree["justice"], "specialist")
    user.refresh_from_db()
    assert user.is_staff
