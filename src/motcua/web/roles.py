"""Who is looking at a page: the official's roles (for the header and the role home) and the
navigation each role gets. Computed once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Role, RoleAssignment

# Pages of the other parts of the web application (desk, workspace, dashboard).
DESK_URL = "/mot-cua/"
WORKSPACE_URL = "/ho-so/"
DASHBOARD_URL = "/dieu-hanh/"
ADMIN_ROLES = (Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN)
ROLE_ORDER = [r.value for r in Role]


@dataclass(frozen=True)
class Held:
    role: str
    role_label: str
    agency_code: str
    agency_name: str
    reception_point: str = ""


@dataclass(frozen=True)
class Link:
    url: str
    label: str | Promise
    key: str


@dataclass
class Me:
    """The person behind the request: anonymous, or a user with zero or more roles."""

    authenticated: bool
    name: str = ""
    username: str = ""
    held: list[Held] = field(default_factory=list)
    is_admin_site_user: bool = False

    @property
    def roles(self) -> set[str]:
        return {h.role for h in self.held}

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def links(self) -> list[Link]:
        """The navigation: what this person's roles lead to, then the public pages."""
        links = [Link("/", _("Home"), "home")]
        if self.has(Role.RECEIVER):
            links.append(Link(DESK_URL, _("Reception desk"), "desk"))
        if self.has(Role.RECEIVER, Role.SPECIALIST, Role.LEADER, Role.INSPECTOR, *ADMIN_ROLES):
            links.append(Link(WORKSPACE_URL, _("Dossiers"), "dossiers"))
        if self.has(Role.LEADER, Role.INSPECTOR, *ADMIN_ROLES):
            links.append(Link(DASHBOARD_URL, _("Dashboard"), "dashboard"))
        if self.is_admin_site_user:
            links.append(Link(reverse("admin:index"), _("Administration"), "admin"))
        links += [
            Link(reverse("web:procedures"), _("Procedures"), "procedures"),
            Link(reverse("web:lookup"), _("Look up a dossier"), "lookup"),
            Link(reverse("web:statistics"), _("Statistics"), "statistics"),
        ]
        return links


def _held(user: Any) -> list[Held]:
    assignments = (
        RoleAssignment.objects.filter(official=user, is_active=True)
        .select_related("agency", "reception_point")
        .order_by("agency__code")
    )
    labels = dict(Role.choices)
    held = [
        Held(
            role=a.role,
            role_label=str(labels.get(a.role, a.role)),
            agency_code=a.agency.code,
            agency_name=a.agency.name,
            reception_point=a.reception_point.name if a.reception_point else "",
        )
        for a in assignments
    ]
    return sorted(held, key=lambda h: (ROLE_ORDER.index(h.role), h.agency_code))


def me(request: HttpRequest) -> Me:
    cached = getattr(request, "_motcua_me", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        result = Me(authenticated=False)
    else:
        result = Me(
            authenticated=True,
            name=user.display_name,
            username=user.username,
            held=_held(user) if user.is_active else [],
            is_admin_site_user=bool(user.is_active and user.is_staff),
        )
    request._motcua_me = result  # type: ignore[attr-defined]
    return result
