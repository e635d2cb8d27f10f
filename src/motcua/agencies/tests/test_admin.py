"""The admin site: saves go through the services; administrators see only their agencies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from motcua.agencies.models import Agency, ReceptionPoint, RoleAssignment
from motcua.agencies.services import SampleProvince
from motcua.identity.models import User

pytestmark = pytest.mark.django_db


def agency(code: str) -> Agency:
    return Agency.objects.get(code=code)


@pytest.fixture
def root(client: Client, sample: SampleProvince) -> Client:
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


@pytest.fixture
def justice_admin(client: Client, sample: SampleProvince) -> Client:
    client.force_login(User.objects.get(username="tuphap.quantri"))
    return client


def agency_form(a: Agency, **changes: Any) -> dict[str, Any]:
    data = {
        "code": a.code,
        "name": a.name,
        "short_name": a.short_name,
        "kind": a.kind,
        "level": a.level,
        "parent": a.parent_id or "",
        "division": a.division_id or "",
        "valid_from": a.valid_from.isoformat() if a.valid_from else "",
        "valid_to": "",
        "successor": "",
        "calendar": "",
    }
    data.update(changes)
    return data


def roles_formset(rows: list[dict[str, Any]], initial: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "assignments-TOTAL_FORMS": len(rows),
        "assignments-INITIAL_FORMS": initial,
        "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                value = "on"
            if value is not False and value is not None:
                data[f"assignments-{i}-{key}"] = value
    return data


@pytest.mark.parametrize(
    "page",
    [
        "agencies/agency/",
        "agencies/agency/?q=my+tho",
        "agencies/division/",
        "agencies/receptionpoint/",
        "identity/user/",
        "identity/user/add/",
    ],
)
def test_pages_open_for_the_system_administrator(root: Client, page: str) -> None:
    assert root.get(f"/admin/{page}").status_code == 200


def test_agency_edit_goes_through_the_service(root: Client) -> None:
    justice = agency("000.00.02.H20")
    response = root.post(
        f"/admin/agencies/agency/{justice.pk}/change/",
        agency_form(justice, name="Sở Tư pháp Đồng Tháp (mới)"),
    )
    assert response.status_code == 302
    justice.refresh_from_db()
    assert justice.search_text.endswith("so tu phap dong thap (moi) so tu phap")


def test_an_invalid_agency_is_a_form_error_not_a_crash(root: Client) -> None:
    land = agency("000.00.04.H20")
    registry = agency("000.01.04.H20")
    response = root.post(
        f"/admin/agencies/agency/{land.pk}/change/", agency_form(land, parent=registry.pk)
    )
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    land.refresh_from_db()
    assert land.parent_id != registry.pk


def test_agency_admin_sees_only_its_subtree(justice_admin: Client) -> None:
    listing = justice_admin.get("/admin/agencies/agency/")
    assert listing.status_code == 200
    assert [a.code for a in listing.context["cl"].result_list] == ["000.00.02.H20"]
    other = agency("000.00.03.H20")
    assert justice_admin.get(f"/admin/agencies/agency/{other.pk}/change/").status_code == 302
    users = justice_admin.get("/admin/identity/user/").context["cl"].result_list
    assert {u.username for u in users} == {
        "tuphap.chuyenvien",
        "tuphap.lanhdao",
        "tuphap.quantri",
    }
    assert justice_admin.get("/admin/agencies/agency/add/").status_code == 403


def test_agency_admin_grants_a_role_through_the_service(justice_admin: Client) -> None:
    justice = agency("000.00.02.H20")
    specialist = User.objects.get(username="tuphap.chuyenvien")
    existing = RoleAssignment.objects.get(official=specialist)
    data = {
        "username": specialist.username,
        "full_name": specialist.full_name,
        "email": "",
        "phone": "",
        "is_active": "on",
        **roles_formset(
            [
                {
                    "id": existing.pk,
                    "official": specialist.pk,
                    "agency": justice.pk,
                    "role": "specialist",
                    "is_active": True,
                },
                {
                    "official": specialist.pk,
                    "agency": justice.pk,
                    "role": "leader",
                    "is_active": True,
                },
            ],
            initial=1,
        ),
    }
    response = justice_admin.post(f"/admin/identity/user/{specialist.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert set(
        RoleAssignment.objects.filter(official=specialist, is_active=True).values_list(
            "role", flat=True
        )
    ) == {"specialist", "leader"}

    # Deleting a row revokes the role and keeps the assignment, inactive.
    leader = RoleAssignment.objects.get(official=specialist, role="leader")
    data.update(
        roles_formset(
            [
                {"id": existing.pk, "official": specialist.pk, "agency": justice.pk,
                 "role": "specialist", "is_active": True},
                {"id": leader.pk, "official": specialist.pk, "agency": justice.pk,
                 "role": "leader", "is_active": True, "DELETE": True},
            ],
            initial=2,
        )
    )  # fmt: skip
    response = justice_admin.post(f"/admin/identity/user/{specialist.pk}/change/", data)
    assert response.status_code == 302
    leader.refresh_from_db()
    assert not leader.is_active


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"agency": "000.00.03.H20", "role": "specialist"}, "agency"),  # not its agency
        ({"agency": "000.00.02.H20", "role": "province_admin"}, "role"),  # escalation
        ({"agency": "000.00.02.H20", "role": "receiver"}, "agency"),  # not a centre
    ],
)
def test_agency_admin_cannot_grant_outside_its_reach(
    justice_admin: Client, row: dict[str, str], field: str
) -> None:
    specialist = User.objects.get(username="tuphap.chuyenvien")
    existing = RoleAssignment.objects.get(official=specialist)
    data = {
        "username": specialist.username,
        "full_name": specialist.full_name,
        "is_active": "on",
        **roles_formset(
            [
                {"id": existing.pk, "official": specialist.pk, "agency": existing.agency_id,
                 "role": "specialist", "is_active": True},
                {"official": specialist.pk, "agency": agency(row["agency"]).pk,
                 "role": row["role"], "is_active": True},
            ],
            initial=1,
        ),
    }  # fmt: skip
    before = RoleAssignment.objects.count()
    response = justice_admin.post(f"/admin/identity/user/{specialist.pk}/change/", data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert field in formset.forms[1].errors
    assert RoleAssignment.objects.count() == before


def test_agency_admin_cannot_make_itself_superuser(justice_admin: Client) -> None:
    me = User.objects.get(username="tuphap.quantri")
    mine = RoleAssignment.objects.get(official=me)
    data = {
        "username": me.username,
        "full_name": me.full_name,
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        **roles_formset(
            [{"id": mine.pk, "official": me.pk, "agency": mine.agency_id,
              "role": "agency_admin", "is_active": True}],
            initial=1,
        ),
    }  # fmt: skip
    response = justice_admin.post(f"/admin/identity/user/{me.pk}/change/", data)
    assert response.status_code == 302  # saved, the privileged fields ignored
    me.refresh_from_db()
    assert not me.is_superuser


def test_agency_admin_creates_an_official_with_a_role(justice_admin: Client) -> None:
    justice = agency("000.00.02.H20")
    data = {
        "username": "tuphap.moi",
        "full_name": "Lý Thị Mới",
        "usable_password": "true",
        "password1": "Khong-De-Doan-2025",
        "password2": "Khong-De-Doan-2025",
        **roles_formset([{"agency": justice.pk, "role": "specialist", "is_active": True}], 0),
    }
    data["assignments-MIN_NUM_FORMS"] = 1
    response = justice_admin.post("/admin/identity/user/add/", data)
    assert response.status_code == 302
    user = User.objects.get(username="tuphap.moi")
    assert response["Location"].endswith(f"/admin/identity/user/{user.pk}/change/")
    assert justice_admin.get(response["Location"]).status_code == 200
    assert list(user.assignments.values_list("role", "is_active")) == [("specialist", True)]
    # Without a role the new account would vanish from the administrator's list: refused.
    data.update(username="tuphap.moi2", **roles_formset([], 0))
    data["assignments-MIN_NUM_FORMS"] = 1
    assert justice_admin.post("/admin/identity/user/add/", data).status_code == 200
    assert not User.objects.filter(username="tuphap.moi2").exists()


def test_reception_point_admin_is_scoped_and_saves_through_the_service(
    client: Client, sample: SampleProvince
) -> None:
    client.force_login(User.objects.get(username="tinh.quantri"))
    listing = client.get("/admin/agencies/receptionpoint/?q=Quầy 1")
    assert listing.status_code == 200
    centre = agency("012.51.00.H20")
    response = client.post(
        "/admin/agencies/receptionpoint/add/",
        {"agency": centre.pk, "code": "Q1", "name": "Trùng mã", "address": "", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    response = client.post(
        "/admin/agencies/receptionpoint/add/",
        {"agency": centre.pk, "code": "Q3", "name": "Quầy 3", "address": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert ReceptionPoint.objects.filter(agency=centre, code="Q3").exists()
