"""Reads of agencies, divisions and reception points (public data), and ``official_scope``: which
agencies an official may see, per role. Every query an official triggers is scoped with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.core.prepared import Prepared
from motcua.core.text import search_terms

from .models import Agency, Division, Level, ReceptionPoint, Role, RoleAssignment

T = TypeVar("T", bound=Model)
R = TypeVar("R")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[R]):
    count: int
    page: int
    page_size: int
    items: list[R]


def paginate(queryset: QuerySet[T], page: int, page_size: int) -> Page[T]:
    errors = []
    if page < 1:
        errors.append(FieldError("page", _("Must be 1 or more.")))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.append(FieldError("page_size", _("Between 1 and %(n)s.") % {"n": MAX_PAGE_SIZE}))
    if errors:
        raise ValidationFailed(_("Invalid paging."), errors)
    start = (page - 1) * page_size
    return Page(queryset.count(), page, page_size, list(queryset[start : start + page_size]))


def _search(queryset: QuerySet[T], q: str | None) -> QuerySet[T]:
    # ``search_text`` is stored folded (no diacritics, đ→d, lower case), so "my tho" finds
    # "Mỹ Tho" on SQLite and PostgreSQL alike without the unaccent extension.
    for term in search_terms(q or ""):
        queryset = queryset.filter(search_text__contains=term)
    return queryset


# Agencies -------------------------------------------------------------------------------------


def get_agency(code: str) -> Agency:
    agency = (
        Agency.objects.select_related("parent", "successor", "division").filter(code=code).first()
    )
    if agency is None:
        raise NotFound(_("No agency has code %(code)r.") % {"code": code})
    return agency


def agency_subtree(agency: Agency) -> QuerySet[Agency]:
    """The agency and every agency below it: one indexed prefix match on the materialised path."""
    if not agency.path:
        return Agency.objects.filter(pk=agency.pk)
    return Agency.objects.filter(path__startswith=agency.path)


def ancestors(agency: Agency) -> list[Agency]:
    """The agencies above ``agency``, from the root down (without the agency itself)."""
    ids = [int(part) for part in agency.path.strip("/").split("/") if part]
    by_id = Agency.objects.in_bulk([i for i in ids if i != agency.pk])
    return [by_id[i] for i in ids if i in by_id]


def province_root(agency: Agency) -> Agency:
    """The topmost provincial-level agency on the way up from ``agency`` (itself if none):
    the root of what a province administrator attached to it may see."""
    for candidate in [*ancestors(agency), agency]:
        if candidate.level == Level.PROVINCE:
            return candidate
    return agency


def list_agencies(
    *,
    q: str | None = None,
    kind: str | None = None,
    level: str | None = None,
    parent: str | None = None,
    division: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[Agency]:
    queryset = Agency.objects.select_related("parent", "division")
    errors = []
    if kind:
        queryset = queryset.filter(kind=kind)
    if level:
        queryset = queryset.filter(level=level)
    if parent:
        parent_agency = Agency.objects.filter(code=parent).first()
        if parent_agency is None:
            errors.append(
                FieldError("parent", _("No agency has code %(code)r.") % {"code": parent})
            )
        queryset = queryset.filter(parent=parent_agency)
    if division:
        division_obj = Division.objects.filter(code=division).first()
        if division_obj is None:
            errors.append(
                FieldError(
                    "division",
                    _("No administrative division has code %(code)r.") % {"code": division},
                )
            )
        queryset = queryset.filter(division=division_obj)
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors)
    return paginate(_search(queryset, q).order_by("path"), page, page_size)


def agency_children(agency: Agency) -> list[Agency]:
    return list(agency.children.select_related("parent", "division").order_by("code"))


def active_reception_points(agency: Agency) -> list[ReceptionPoint]:
    return list(agency.reception_points.filter(is_active=True).order_by("code"))


# Divisions ------------------------------------------------------------------------------------


def get_division(code: str) -> Division:
    division = Division.objects.select_related("parent").filter(code=code).first()
    if division is None:
        raise NotFound(_("No administrative division has code %(code)r.") % {"code": code})
    return division


def list_divisions(
    *,
    q: str | None = None,
    kind: str | None = None,
    parent: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[Division]:
    queryset = Division.objects.select_related("parent")
    if kind:
        queryset = queryset.filter(kind=kind)
    if parent:
        parent_division = Division.objects.filter(code=parent).first()
        if parent_division is None:
            raise ValidationFailed(
                _("Invalid filter."),
                [
                    FieldError(
                        "parent",
                        _("No administrative division has code %(code)r.") % {"code": parent},
                    )
                ],
            )
        queryset = queryset.filter(parent=parent_division)
    return paginate(_search(queryset, q).order_by("code"), page, page_size)


def division_children(division: Division) -> list[Division]:
    return list(division.children.select_related("parent").order_by("code"))


# Scoping of officials -------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleScope:
    """What one role of an official reaches: agencies, and for a receiver its desks."""

    role: str
    agency_ids: frozenset[int]
    reception_point_ids: frozenset[int] = frozenset()
    read_only: bool = False


@dataclass(frozen=True)
class OfficialScope:
    """Which agency ids an official may see, role by role.

    - receiver: the service centres it works at, and its desks (the assigned reception point,
      or every active desk of the centre when none is assigned);
    - specialist, leader: the agency itself;
    - agency_admin: the agency and its subtree;
    - province_admin: the subtree of the province-level root above its agency;
    - inspector: its agency's subtree, read-only.

    Inactive accounts and inactive assignments reach nothing. Superusers get no implicit
    scope: they administer the system, they do not handle dossiers.
    """

    user_id: int | None
    roles: Mapping[str, RoleScope] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(r.agency_ids for r in self.roles.values())

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def agency_ids(self, *roles: str) -> frozenset[int]:
        """Agencies visible through the given roles (all roles when none is given)."""
        wanted = roles or tuple(self.roles)
        ids: set[int] = set()
        for role in wanted:
            if role in self.roles:
                ids |= self.roles[role].agency_ids
        return frozenset(ids)

    def writable_agency_ids(self, *roles: str) -> frozenset[int]:
        """Agencies where the official may act (everything but read-only roles)."""
        wanted = roles or tuple(self.roles)
        ids: set[int] = set()
        for role in wanted:
            scope = self.roles.get(role)
            if scope is not None and not scope.read_only:
                ids |= scope.agency_ids
        return frozenset(ids)

    @property
    def reception_point_ids(self) -> frozenset[int]:
        receiver = self.roles.get(Role.RECEIVER)
        return receiver.reception_point_ids if receiver else frozenset()

    def admin_agency_ids(self) -> frozenset[int]:
        """Agencies an administrator may maintain (agency and province administrators)."""
        return self.agency_ids(Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN)

    def can_see(self, agency_id: int) -> bool:
        return agency_id in self.agency_ids()

    def can_act(self, agency_id: int, role: str | None = None) -> bool:
        roles = (role,) if role else ()
        return agency_id in self.writable_agency_ids(*roles)


def _subtree_ids(agency: Agency) -> set[int]:
    return set(agency_subtree(agency).values_list("pk", flat=True))


# Read on every request of an official.
_ACTIVE_ASSIGNMENTS: Prepared[RoleAssignment] = Prepared(
    lambda user_id: RoleAssignment.objects.filter(
        official_id=user_id, is_active=True
    ).select_related("agency", "reception_point")
)


def official_scope(user: Any) -> OfficialScope:
    """The scope of ``user`` (a User, or an anonymous user: empty scope)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return OfficialScope(user_id=getattr(user, "pk", None))
    assignments = _ACTIVE_ASSIGNMENTS(user.pk)
    agencies: dict[str, set[int]] = {}
    points: set[int] = set()
    centres_without_point: set[int] = set()
    for assignment in assignments:
        agency, role = assignment.agency, assignment.role
        ids = agencies.setdefault(role, set())
        if role in (Role.AGENCY_ADMIN, Role.INSPECTOR):
            ids |= _subtree_ids(agency)
        elif role == Role.PROVINCE_ADMIN:
            ids |= _subtree_ids(province_root(agency))
        else:
            ids.add(agency.pk)
        if role == Role.RECEIVER:
            point = assignment.reception_point
            if point is None:
                centres_without_point.add(agency.pk)
            elif point.is_active:
                points.add(point.pk)
    if centres_without_point:
        points |= set(
            ReceptionPoint.objects.filter(
                agency_id__in=centres_without_point, is_active=True
            ).values_list("pk", flat=True)
        )
    roles = {
        role: RoleScope(
            role=role,
            agency_ids=frozenset(ids),
            reception_point_ids=frozenset(points) if role == Role.RECEIVER else frozenset(),
            read_only=role == Role.INSPECTOR,
        )
        for role, ids in agencies.items()
    }
    return OfficialScope(user_id=user.pk, roles=roles)


def scoped_agencies(user: Any, *roles: str) -> QuerySet[Agency]:
    """The agencies ``user`` may see through ``roles`` (all its roles when none is given)."""
    return Agency.objects.filter(pk__in=official_scope(user).agency_ids(*roles))
