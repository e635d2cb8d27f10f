"""Reference rows of a dossier (agencies, procedure, version, reception point, current step),
attached from per-process caches instead of joined into every read of the dossier.

A dossier's procedure version is published, hence never edited (a change makes a new
version): it is kept for minutes. Agencies, procedures and reception points change rarely and
are kept for seconds. See ``core/refcache.py``.
"""

from __future__ import annotations

from motcua.agencies.models import Agency, ReceptionPoint
from motcua.catalog.models import Procedure, ProcedureVersion, WorkflowStep
from motcua.core.prepared import Prepared
from motcua.core.refcache import RefCache
from motcua.identity.models import User

from . import held
from .models import Dossier, DossierStep

AGENCIES: RefCache[Agency] = RefCache(Agency, ttl=10)
POINTS: RefCache[ReceptionPoint] = RefCache(ReceptionPoint, ttl=10)
PROCEDURES: RefCache[Procedure] = RefCache(Procedure, ttl=10)
VERSIONS: RefCache[ProcedureVersion] = RefCache(ProcedureVersion, ttl=300, related=["field"])
# Procedures with their current version, by code, as every intake reads them: a version
# published or retired is taken into account within these seconds, as agencies are.
CURRENT_PROCEDURES: RefCache[Procedure] = RefCache(Procedure, ttl=10, related=["current"])
# Officials as a step shows them (user name and display name), not their credentials.
OFFICIALS: RefCache[User] = RefCache(
    User, ttl=10, fields=["username", "full_name", "first_name", "last_name"]
)


_workflows: dict[tuple[int, object], list[WorkflowStep]] = {}


def workflow(version: ProcedureVersion) -> list[WorkflowStep]:
    """A published version's workflow, read once per process (published versions are never
    edited). The key includes the version's creation instant: an id alone can come back after a
    rolled-back insert (SQLite's sequence rolls back with it)."""
    key = (version.pk, version.created_at)
    found = _workflows.get(key)
    if found is None:
        found = list(
            WorkflowStep.objects.filter(version_id=version.pk)
            .select_related("agency")
            .order_by("position")
        )
        _workflows[key] = found
    return found


def attach(dossier: Dossier, *, step: bool = True) -> Dossier:
    """Give a dossier loaded without joins its related objects (and its current step's)."""
    dossier.procedure_version = VERSIONS.get(dossier.procedure_version_id)
    dossier.procedure = PROCEDURES.get(dossier.procedure_id)
    dossier.competent_agency = AGENCIES.get(dossier.competent_agency_id)
    dossier.receiving_centre = AGENCIES.get(dossier.receiving_centre_id)
    if dossier.reception_point_id is not None:
        dossier.reception_point = POINTS.get(dossier.reception_point_id)
    if step and dossier.current_step_id is not None:
        current = DossierStep.objects.get(pk=dossier.current_step_id)
        attach_step(current, dossier.procedure_version)
        dossier.current_step = current
    return dossier


STEPS: Prepared[DossierStep] = Prepared(
    lambda dossier_id: DossierStep.objects.filter(dossier_id=dossier_id).order_by("position")
)


def attach_steps(dossier: Dossier) -> list[DossierStep]:
    """Read every step of a dossier (one query, no join), set its current step among them and
    hold them for the answer (``held``): what the engine does under the row lock."""
    rows = [attach_step(s, dossier.procedure_version) for s in STEPS(dossier.pk)]
    dossier.current_step = next((s for s in rows if s.pk == dossier.current_step_id), None)
    held.hold_steps(dossier, rows)
    return rows


def assignee(step: DossierStep) -> User | None:
    """The official a step is assigned to, from the step if it came with it, else the cache."""
    if step.assignee_id is None:
        return None
    if DossierStep.assignee.is_cached(step):
        return step.assignee
    return OFFICIALS.get(step.assignee_id)


def attach_step(step: DossierStep, version: ProcedureVersion) -> DossierStep:
    step.agency = AGENCIES.get(step.agency_id)
    by_id = {w.pk: w for w in workflow(version)}
    if step.workflow_step_id is not None and step.workflow_step_id in by_id:
        step.workflow_step = by_id[step.workflow_step_id]
    if step.return_to_id is not None and step.return_to_id in by_id:
        step.return_to = by_id[step.return_to_id]
    return step


def clear() -> None:
    for cache in (AGENCIES, POINTS, PROCEDURES, VERSIONS, OFFICIALS, CURRENT_PROCEDURES):
        cache.clear()
    _workflows.clear()
