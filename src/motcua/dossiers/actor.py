"""Who is acting: an official (its scope from ``agencies.selectors.official_scope``, the one
definition of what an official reaches), the portal acting for an applicant, or motcua itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from motcua.agencies.models import Role
from motcua.agencies.selectors import OfficialScope, official_scope
from motcua.identity.models import User

from .transitions import APPLICANT, SYSTEM

PORTAL_PERMISSION = "dossiers.submit_for_applicant"
# Roles held at one agency, for acting there; the subtree roles only widen what is seen.
ACTING_ROLES = (Role.RECEIVER, Role.SPECIALIST, Role.LEADER)


@dataclass
class Actor:
    user: User | None
    kind: str  # "official", APPLICANT or SYSTEM
    scope: OfficialScope = field(default_factory=lambda: OfficialScope(user_id=None))

    @classmethod
    def for_user(cls, user: User) -> Actor:
        scope = official_scope(user)
        # The permission must be granted explicitly: a superuser "has" every permission but is
        # not the portal. Asked only of an account without roles (it costs two queries, on
        # every official's request otherwise).
        if scope.is_empty and (
            user.is_active and not user.is_superuser and user.has_perm(PORTAL_PERMISSION)
        ):
            return cls(user=user, kind=APPLICANT)
        return cls(user=user, kind="official", scope=scope)

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None, kind=SYSTEM)

    @property
    def name(self) -> str:
        if self.user is None:
            return "motcua"
        return self.user.display_name

    @property
    def points(self) -> frozenset[int]:
        return self.scope.reception_point_ids

    def has(self, role: str, agency_id: int | None) -> bool:
        """Whether the actor may act in ``role`` at ``agency_id``."""
        if self.kind == role:  # the APPLICANT / SYSTEM pseudo-roles of the table
            return True
        if agency_id is None or role not in ACTING_ROLES:
            return False
        return agency_id in self.scope.writable_agency_ids(role)

    def agencies_with(self, *roles: str) -> frozenset[int]:
        return self.scope.agency_ids(*roles)
