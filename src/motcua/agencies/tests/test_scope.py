"""``official_scope``: the one function every scoped query (dossiers, reports, admin) builds on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser

from motcua.agencies.models import Agency, ReceptionPoint
from motcua.agencies.selectors import official_scope, scoped_agencies
from motcua.agencies.services import (
    RoleSpec,
    assign_role,
    create_official,
    revoke_role,
    save_agency,
)
from motcua.identity.models import User

Desk = Callable[[Agency, str], ReceptionPoint]


def ids(tree: dict[str, Agency], *names: str) -> frozenset[int]:
    return frozenset(tree[n].pk for n in names)


def official(*roles: RoleSpec, username: str = "cb") -> User:
    return create_official(username, "Cán Bộ", roles=list(roles))


PROVINCE = ("ubnd", "centre", "justice", "land", "registry", "commune", "commune_centre")


def test_receiver_with_a_desk_sees_its_centre_and_that_desk(
    tree: dict[str, Agency], desk: Desk
) -> None:
    scope = official_scope(
        official(RoleSpec(tree["centre"], "receiver", desk(tree["centre"], "Q1")))
    )
    assert scope.agency_ids("receiver") == ids(tree, "centre")
    assert scope.reception_point_ids == {desk(tree["centre"], "Q1").pk}
    assert not scope.can_see(tree["justice"].pk)


def test_receiver_without_a_desk_gets_every_open_desk_of_its_centre(
    tree: dict[str, Agency], desk: Desk
) -> None:
    scope = official_scope(official(RoleSpec(tree["centre"], "receiver")))
    centre = tree["centre"]
    assert scope.reception_point_ids == {desk(centre, "Q1").pk, desk(centre, "Q2").pk}


def test_specialist_and_leader_see_their_agency_only(tree: dict[str, Agency]) -> None:
    user = official(RoleSpec(tree["land"], "specialist"), RoleSpec(tree["justice"], "leader"))
    scope = official_scope(user)
    assert scope.agency_ids("specialist") == ids(tree, "land")  # not its registry office
    assert scope.agency_ids("leader") == ids(tree, "justice")
    assert scope.agency_ids() == ids(tree, "land", "justice")
    assert scope.can_act(tree["land"].pk, "specialist")
    assert not scope.can_act(tree["land"].pk, "leader")
    assert scope.reception_point_ids == frozenset()


def test_agency_admin_sees_its_subtree(tree: dict[str, Agency]) -> None:
    scope = official_scope(official(RoleSpec(tree["land"], "agency_admin")))
    assert scope.agency_ids("agency_admin") == ids(tree, "land", "registry")
    assert scope.admin_agency_ids() == ids(tree, "land", "registry")


def test_province_admin_sees_the_province_from_any_provincial_agency(
    tree: dict[str, Agency],
) -> None:
    at_top = official_scope(official(RoleSpec(tree["ubnd"], "province_admin")))
    assert at_top.agency_ids() == ids(tree, *PROVINCE)
    from_department = official_scope(
        official(RoleSpec(tree["justice"], "province_admin"), username="cb2")
    )
    assert from_department.agency_ids() == ids(tree, *PROVINCE)
    assert tree["other_ubnd"].pk not in at_top.agency_ids()


def test_inspector_sees_its_subtree_read_only(tree: dict[str, Agency]) -> None:
    scope = official_scope(official(RoleSpec(tree["ubnd"], "inspector")))
    assert scope.agency_ids() == ids(tree, *PROVINCE)
    assert scope.roles["inspector"].read_only
    assert scope.writable_agency_ids() == frozenset()
    assert not scope.can_act(tree["justice"].pk)


def test_roles_at_several_agencies_add_up(tree: dict[str, Agency], desk: Desk) -> None:
    user = official(
        RoleSpec(tree["commune_centre"], "receiver"),
        RoleSpec(tree["commune"], "leader"),
        RoleSpec(tree["ubnd"], "inspector"),
    )
    scope = official_scope(user)
    assert set(scope.roles) == {"receiver", "leader", "inspector"}
    assert scope.reception_point_ids == {desk(tree["commune_centre"], "Q1").pk}
    assert scope.writable_agency_ids() == ids(tree, "commune_centre", "commune")
    assert set(scoped_agencies(user, "leader")) == {tree["commune"]}


def test_revoked_roles_and_inactive_accounts_reach_nothing(tree: dict[str, Agency]) -> None:
    user = official(RoleSpec(tree["justice"], "leader"), RoleSpec(tree["land"], "specialist"))
    revoke_role(user, tree["justice"], "leader")
    assert set(official_scope(user).roles) == {"specialist"}
    user.is_active = False
    user.save()
    assert official_scope(user).is_empty


@pytest.mark.parametrize("who", ["anonymous", "none", "superuser", "no roles"])
def test_nobody_without_a_role_has_a_scope(tree: dict[str, Agency], who: str) -> None:
    user: object
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "none":
        user = None
    elif who == "superuser":
        user = User.objects.create_superuser("root", password="x")
    else:
        user = official()
    scope = official_scope(user)
    assert scope.is_empty
    assert scope.agency_ids() == frozenset()


def test_scope_follows_a_moved_agency(tree: dict[str, Agency]) -> None:
    user = official(RoleSpec(tree["ubnd"], "agency_admin"))
    assert tree["land"].pk in official_scope(user).agency_ids()
    assign_role(user, tree["other_ubnd"], "agency_admin")
    land = tree["land"]
    land.parent = tree["other_ubnd"]
    save_agency(land)
    revoke_role(user, tree["ubnd"], "agency_admin")
    assert official_scope(user).agency_ids() == ids(tree, "other_ubnd", "land", "registry")
