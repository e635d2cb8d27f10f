"""What the action forms offer to choose from: the workflow's steps and where each runs, the
officials who hold a step's role there, the agencies a dossier may be sent to. Reads only; the
engine checks every choice again when the action is performed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from motcua.agencies.models import Agency, AgencyKind, RoleAssignment
from motcua.agencies.selectors import agency_subtree, province_root
from motcua.catalog.models import StepAgency, WorkflowStep
from motcua.core.localtime import local_date
from motcua.dossiers.models import Dossier

Choice = tuple[str, str]
Group = tuple[str, list[Choice]]


@dataclass(frozen=True)
class Target:
    """A workflow step and the agency it would run at for this dossier (None: an agency of a
    kind, chosen when forwarding)."""

    step: WorkflowStep
    agency: Agency | None


def workflow(dossier: Dossier) -> list[Target]:
    version_steps = (
        WorkflowStep.objects.filter(version_id=dossier.procedure_version_id)
        .select_related("agency")
        .order_by("position")
    )
    targets = []
    for step in version_steps:
        agency: Agency | None = None
        if step.agency_mode == StepAgency.COMPETENT:
            agency = dossier.competent_agency
        elif step.agency_mode == StepAgency.RECEIVING_CENTRE:
            agency = dossier.receiving_centre
        elif step.agency_mode == StepAgency.NAMED:
            agency = step.agency
        targets.append(Target(step, agency))
    return targets


def next_target(dossier: Dossier, targets: list[Target]) -> Target | None:
    """The step ``forward`` goes to when none is chosen: the one after the current step."""
    current = dossier.current_step
    position = current.workflow_step.position if current and current.workflow_step else 0
    return next((t for t in targets if t.step.position > position), None)


def officials(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], list[Choice]]:
    """Active officials holding ``role`` at ``agency_id``, for each pair, in one query:
    ``{(agency_id, role): [(username, name), …]}``."""
    wanted = set(pairs)
    if not wanted:
        return {}
    condition = Q(pk__in=[])
    for agency_id, role in wanted:
        condition |= Q(agency_id=agency_id, role=role)
    found: dict[tuple[int, str], list[Choice]] = defaultdict(list)
    assignments = (
        RoleAssignment.objects.filter(condition, is_active=True, official__is_active=True)
        .select_related("official")
        .order_by("official__full_name", "official__username")
    )
    for a in assignments:
        found[(a.agency_id, a.role)].append((a.official.username, a.official.display_name))
    return dict(found)


def _province_agencies(dossier: Dossier) -> list[Agency]:
    """Agencies of the dossier's province in force today (where a dossier can be sent)."""
    today = local_date(timezone.now())
    rows = agency_subtree(province_root(dossier.competent_agency)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    return list(rows.order_by("kind", "name", "code"))


def grouped(agencies: Iterable[Agency]) -> list[Group]:
    """Agencies as option groups by kind, each option ``(code, name)``."""
    labels = dict(AgencyKind.choices)
    groups: dict[str, list[Choice]] = {}
    for agency in agencies:
        groups.setdefault(str(labels.get(agency.kind, agency.kind)), []).append(
            (agency.code, agency.name)
        )
    return list(groups.items())


def transfer_agencies(dossier: Dossier) -> list[Group]:
    """Where an inter-agency step can go: the province's agencies but the one holding the
    dossier now and the service centres (which receive, they do not resolve)."""
    here = dossier.current_step.agency_id if dossier.current_step else None
    return grouped(
        a
        for a in _province_agencies(dossier)
        if a.pk != here and a.kind != AgencyKind.SERVICE_CENTRE
    )


def agencies_of_kinds(dossier: Dossier, kinds: set[str]) -> list[Group]:
    """For a step that runs at "an agency of a kind": the province's agencies of that kind."""
    if not kinds:
        return []
    return grouped(a for a in _province_agencies(dossier) if a.kind in kinds)
