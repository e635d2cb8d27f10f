"""What the available metrics are computed from, read in bulk for a scope and each of its
children at once: the period report's figures per agency (from the aggregates), the procedures
of the catalogue each agency implements, and which procedures received an online dossier.

Nothing here scans the dossier table: figures come from ``aggregated`` (daily flows and
snapshots), online use from the daily flows, procedures from the catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef

from motcua.agencies.models import Agency, AgencyKind
from motcua.catalog.models import AgencyScope, DocumentRequirement, ProcedureVersion
from motcua.catalog.rules import mandatory_parts
from motcua.catalog.selectors import current_versions
from motcua.core.localtime import local_date

from ..aggregated import aggregated, online_pairs
from ..figures import Figures
from ..scope import Period, Scope


@dataclass(frozen=True)
class AgencyRef:
    pk: int
    code: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class CatalogueEntry:
    """A procedure's current version, as the index needs it."""

    procedure_id: int
    status: str
    online: bool  # offered partly or fully online
    complete: bool  # all 7 mandatory published parts


@dataclass
class UnitInputs:
    """Everything the computable metrics of one unit (an agency's subtree) need."""

    figures: Figures = field(default_factory=Figures)
    procedures: dict[int, CatalogueEntry] = field(default_factory=dict)
    online_used: set[int] = field(default_factory=set)  # procedures with an online dossier


@dataclass
class ScopeInputs:
    whole: UnitInputs
    children: dict[int, UnitInputs]  # child agency pk → its subtree's inputs
    child_refs: dict[int, AgencyRef]


def load(root: Agency | None, period: Period, as_of: datetime, *, live: bool) -> ScopeInputs:
    """Inputs of ``root``'s subtree (everything when None) and of each of its children."""
    agencies = _agencies(root)
    depth = len(_ids(root.path)) if root is not None else 0
    # Which child of the root each agency belongs to (None: the root itself).
    child_of: dict[int, int | None] = {}
    child_refs: dict[int, AgencyRef] = {}
    for row in agencies:
        ids = _ids(row["path"])
        child_of[row["pk"]] = ids[depth] if len(ids) > depth else None
        if len(ids) == depth + 1:
            child_refs[row["pk"]] = AgencyRef(row["pk"], row["code"], row["name"])
    whole = UnitInputs()
    children = {pk: UnitInputs() for pk in child_refs}

    def units(agency_id: int) -> list[UnitInputs]:
        child = child_of.get(agency_id)
        return [whole] if child is None else [whole, children[child]]

    scope = Scope(agency=root)
    for agency_id, figures in aggregated(scope, period, as_of, live=live, group="agency").items():
        for unit in units(int(agency_id)):
            unit.figures.add(figures)

    until = min(period.last, local_date(as_of)) + timedelta(days=1)
    for agency_id, procedure_id in online_pairs(scope, period.first, until):
        for unit in units(agency_id):
            unit.online_used.add(procedure_id)

    _assign_procedures(agencies, child_of, whole, children)
    return ScopeInputs(whole=whole, children=children, child_refs=child_refs)


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _agencies(root: Agency | None) -> list[dict[str, Any]]:
    qs = Agency.objects.all()
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return [dict(row) for row in qs.values("pk", "code", "name", "path", "level", "kind")]


def _entries() -> tuple[list[tuple[dict[str, Any], CatalogueEntry]], dict[int, set[int]]]:
    """Every current version with its 7-part check, and the agencies listed on each."""
    documents = DocumentRequirement.objects.filter(version=OuterRef("pk"))
    rows = (
        current_versions()
        .annotate(has_documents=Exists(documents))
        .values(
            "pk",
            "procedure_id",
            "status",
            "levels",
            "agency_scope",
            "online_level",
            "postal",
            "name",
            "sequence",
            "processing_value",
            "target_groups",
            "has_documents",
        )
    )
    listed: dict[int, set[int]] = defaultdict(set)
    through = ProcedureVersion.agencies.through.objects.filter(
        procedureversion__in=current_versions()
    )
    for version_id, agency_id in through.values_list("procedureversion_id", "agency_id"):
        listed[version_id].add(agency_id)
    out: list[tuple[dict[str, Any], CatalogueEntry]] = []
    for row in rows:
        is_listed = row["agency_scope"] == AgencyScope.LISTED
        # The catalogue's own check of the 7 parts, fed the columns it reads.
        parts = mandatory_parts(
            {
                "name": row["name"],
                "sequence": row["sequence"],
                "online_level": row["online_level"],
                "postal": row["postal"],
                "documents": [True] if row["has_documents"] else [],
                "processing_time": {"value": row["processing_value"]},
                "target_groups": row["target_groups"],
                "agencies": sorted(listed[row["pk"]]) if is_listed else None,
            }
        )
        entry = CatalogueEntry(
            procedure_id=row["procedure_id"],
            status=row["status"],
            online=row["online_level"] != "none",
            complete=all(parts.values()),
        )
        out.append((dict(row), entry))
    return out, listed


def _assign_procedures(
    agencies: list[dict[str, Any]],
    child_of: dict[int, int | None],
    whole: UnitInputs,
    children: dict[int, UnitInputs],
) -> None:
    """The procedures of a unit: those that list one of its agencies, and those assigned to
    every agency of a level that one of its agencies is at. Service centres receive dossiers
    for others and resolve none, so their level does not bring procedures."""
    levels: dict[int | None, set[str]] = defaultdict(set)  # None: the whole scope
    agency_ids: set[int] = set()
    for row in agencies:
        agency_ids.add(row["pk"])
        if row["kind"] == AgencyKind.SERVICE_CENTRE:
            continue
        levels[None].add(row["level"])
        child = child_of[row["pk"]]
        if child is not None:
            levels[child].add(row["level"])
    entries, listed = _entries()
    for row, entry in entries:
        if row["agency_scope"] == AgencyScope.LISTED:
            mine = listed[row["pk"]] & agency_ids
            if mine:
                whole.procedures[entry.procedure_id] = entry
            for child in {child_of[a] for a in mine} - {None}:
                assert child is not None
                children[child].procedures[entry.procedure_id] = entry
        else:
            wanted = set(row["levels"])
            if wanted & levels[None]:
                whole.procedures[entry.procedure_id] = entry
            for child, unit in children.items():
                if wanted & levels[child]:
                    unit.procedures[entry.procedure_id] = entry
