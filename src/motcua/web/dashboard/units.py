"""Which agency a dashboard or report is about.

An official reports on an agency only when the agency and everything below it are within its
scope (``stats.report_args.for_official``, the API's rule). The pages offer exactly those
agencies, and every request goes through ``for_official`` again, so a page never shows what the
API would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Role
from motcua.agencies.selectors import official_scope
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.stats.report_args import for_official

from ..roles import ADMIN_ROLES, Me

# Who the dashboard and the reports are for (the navigation shows them to the same roles).
DASHBOARD_ROLES = (Role.LEADER, Role.INSPECTOR, *ADMIN_ROLES)


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    depth: int  # below the topmost agency offered

    @property
    def label(self) -> str:
        return "\u2003" * self.depth + self.name


def require_dashboard_role(who: Me) -> None:
    if not who.has(*DASHBOARD_ROLES):
        raise PermissionDenied(
            _("The dashboard and the reports are for leaders, inspectors and administrators.")
        )


def reportable(user: Any) -> list[Choice]:
    """The agencies ``user`` may report on, tree ordered: those in its scope with their whole
    subtree in it. An agency in scope with an agency below it outside the scope (a leader's
    People's Committee with its service centre) is not offered: its report would count
    dossiers the official may not see."""
    allowed = official_scope(user).agency_ids()
    if not allowed:
        return []
    agencies = list(Agency.objects.filter(pk__in=allowed).only("code", "name", "path"))
    # The first agency outside the scope on the way down from an agency in scope has its
    # parent in scope: those are the only ones that can exclude an agency above them.
    outside = list(
        Agency.objects.filter(parent_id__in=allowed)
        .exclude(pk__in=allowed)
        .values_list("path", flat=True)
    )
    fine = [a for a in agencies if a.path and not any(path.startswith(a.path) for path in outside)]
    fine.sort(key=lambda a: a.path)
    choices: list[Choice] = []
    stack: list[str] = []
    for agency in fine:
        while stack and not agency.path.startswith(stack[-1]):
            stack.pop()
        choices.append(Choice(agency.code, agency.name, len(stack)))
        stack.append(agency.path)
    return choices


def scope_args_for(user: Any, code: str | None, choices: list[Choice]) -> dict[str, Any]:
    """The report's scope arguments for ``code`` (or the default agency): ``for_official``
    decides, raising ``PermissionDenied`` for an agency outside the official's reach. Without
    a code, an official whose scope has several roots gets the first agency it may report on."""
    if code:
        return for_official(user, {"agency": code})
    try:
        return for_official(user, {})
    except ValidationFailed:
        if not choices:
            raise
        return for_official(user, {"agency": choices[0].code})
