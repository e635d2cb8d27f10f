"""The reference data an import checks every line against, read once: procedures and their
versions, agencies, which agency may resolve which version, the centre serving each agency,
the compiled calendars and the workflows (for the step an open dossier is placed at)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from motcua.agencies.models import Agency, AgencyKind
from motcua.catalog.models import (
    AgencyScope,
    Procedure,
    ProcedureVersion,
    Status,
    StepAgency,
    SupplementPolicy,
    WorkflowStep,
)
from motcua.clock.engine import HOUR_US, WorkingCalendar, parse_hhmm
from motcua.clock.models import Calendar
from motcua.clock.selectors import working_calendar


@dataclass(frozen=True)
class AgencyInfo:
    id: int
    code: str
    name: str
    level: str
    kind: str
    calendar_id: int | None
    centre_id: int  # the centre that serves it (receiving centre of imported dossiers)


@dataclass(frozen=True)
class VersionInfo:
    id: int
    procedure_id: int
    field_id: int
    amount_us: int
    cutoff_s: int  # -1: no cut-off
    restart: bool
    scope_listed: bool
    levels: frozenset[str]
    listed: frozenset[int]
    effective_from: date | None
    effective_to: date | None
    obj: ProcedureVersion  # for the single path of the clock (remaining time, step due)

    def in_force(self, day: date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class ProcessingStep:
    """Where an open imported dossier waits: the first processing step at the competent
    agency of its version's workflow."""

    workflow_step_id: int
    code: str
    name: str
    role: str
    hours: Decimal


@dataclass
class Lookups:
    agencies: dict[str, AgencyInfo] = field(default_factory=dict)
    agencies_by_id: dict[int, AgencyInfo] = field(default_factory=dict)
    # procedure code → (procedure id, versions newest first, current published version id)
    procedures: dict[str, tuple[int, list[VersionInfo], int | None]] = field(default_factory=dict)
    # Every procedure code, including those with drafts only (a clearer message).
    procedure_codes: set[str] = field(default_factory=set)
    calendars: dict[int | None, WorkingCalendar] = field(default_factory=dict)
    steps: dict[int, ProcessingStep | None] = field(default_factory=dict)
    _eligible: dict[tuple[int, int], bool] = field(default_factory=dict)

    def version_for(self, procedure_code: str, day: date) -> VersionInfo | None:
        """The version a dossier received on ``day`` was handled under: the newest one in force
        that day (effective dates; none means unbounded), else the current published one, else
        the newest published or retired one."""
        entry = self.procedures.get(procedure_code)
        if entry is None:
            return None
        _procedure_id, versions, current_id = entry
        if not versions:
            return None
        if len(versions) == 1:
            return versions[0]
        for version in versions:
            if version.in_force(day):
                return version
        for version in versions:
            if version.id == current_id:
                return version
        return versions[0]

    def eligible(self, version: VersionInfo, agency: AgencyInfo) -> bool:
        """The same rule as intake: a listed agency, or any agency of the version's levels
        that is not a service centre."""
        key = (version.id, agency.id)
        known = self._eligible.get(key)
        if known is None:
            if version.scope_listed:
                known = agency.id in version.listed
            else:
                known = agency.level in version.levels and agency.kind != AgencyKind.SERVICE_CENTRE
            self._eligible[key] = known
        return known

    def calendar(self, calendar_id: int | None) -> WorkingCalendar:
        compiled = self.calendars.get(calendar_id)
        if compiled is None:
            own = Calendar.objects.get(pk=calendar_id) if calendar_id is not None else None
            compiled = working_calendar(own)
            self.calendars[calendar_id] = compiled
        return compiled


def _centres(rows: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """Agency id → the service centre serving it: its own centre (a child of kind
    service_centre), else its parent's, else the agency itself (no centre is known)."""
    centre_of_parent: dict[int, int] = {}
    for row in rows:
        if row["kind"] == AgencyKind.SERVICE_CENTRE and row["parent_id"] is not None:
            centre_of_parent.setdefault(int(row["parent_id"]), int(row["id"]))
    out: dict[int, int] = {}
    for row in rows:
        pk = int(row["id"])
        parent = row["parent_id"]
        centre = centre_of_parent.get(pk)
        if centre is None and parent is not None:
            centre = centre_of_parent.get(int(parent))
        out[pk] = centre if centre is not None else pk
    return out


def _processing_steps() -> dict[int, ProcessingStep | None]:
    by_version: dict[int, list[WorkflowStep]] = defaultdict(list)
    for step in WorkflowStep.objects.order_by("version_id", "position"):
        by_version[step.version_id].append(step)
    out: dict[int, ProcessingStep | None] = {}
    for version_id, steps in by_version.items():
        chosen = next(
            (s for s in steps if s.agency_mode == StepAgency.COMPETENT and s.role != "receiver"),
            None,
        )
        out[version_id] = (
            None
            if chosen is None
            else ProcessingStep(chosen.pk, chosen.code, chosen.name, chosen.role, chosen.hours)
        )
    return out


def load() -> Lookups:
    lookups = Lookups()
    rows = list(
        Agency.objects.values("id", "code", "name", "level", "kind", "calendar_id", "parent_id")
    )
    centres = _centres(rows)
    for row in rows:
        info = AgencyInfo(
            id=row["id"],
            code=row["code"],
            name=row["name"],
            level=row["level"],
            kind=row["kind"],
            calendar_id=row["calendar_id"],
            centre_id=centres[row["id"]],
        )
        lookups.agencies[info.code] = info
        lookups.agencies_by_id[info.id] = info
    listed: dict[int, set[int]] = defaultdict(set)
    through = ProcedureVersion.agencies.through
    for version_id, agency_id in through.objects.values_list("procedureversion_id", "agency_id"):
        listed[version_id].add(agency_id)
    versions = (
        ProcedureVersion.objects.filter(status__in=[Status.PUBLISHED, Status.RETIRED])
        .select_related("procedure")
        .order_by("procedure_id", "-version")
    )
    by_procedure: dict[int, list[VersionInfo]] = defaultdict(list)
    codes: dict[int, tuple[str, int | None]] = {}
    for version in versions:
        codes[version.procedure_id] = (version.procedure.code, version.procedure.current_id)
        by_procedure[version.procedure_id].append(
            VersionInfo(
                id=version.pk,
                procedure_id=version.procedure_id,
                field_id=version.field_id,
                amount_us=int(version.processing_hours * HOUR_US),
                cutoff_s=parse_hhmm(version.cutoff) if version.cutoff else -1,
                restart=version.supplement_policy == SupplementPolicy.RESTART,
                scope_listed=version.agency_scope == AgencyScope.LISTED,
                levels=frozenset(version.levels or []),
                listed=frozenset(listed.get(version.pk, ())),
                effective_from=version.effective_from,
                effective_to=version.effective_to,
                obj=version,
            )
        )
    for procedure_id, (code, current_id) in codes.items():
        lookups.procedures[code] = (procedure_id, by_procedure[procedure_id], current_id)
    lookups.procedure_codes = set(Procedure.objects.values_list("code", flat=True))
    lookups.steps = _processing_steps()
    return lookups
