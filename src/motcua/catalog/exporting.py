"""``export_catalog``: the current versions and the agencies they name, as canonical JSON."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import F

from motcua.agencies.models import Agency

from .canonical import agency_to_dict, version_to_dict
from .models import AgencyScope, ProcedureVersion, StepAgency, WorkflowStep


def export_catalog() -> dict[str, Any]:
    """Every procedure's current version (in code order) and every agency they reference,
    with the parents and successors those need, parents first (then by code)."""
    versions = list(
        ProcedureVersion.objects.filter(procedure__current_id=F("pk"))
        .select_related("procedure", "field")
        .order_by("procedure__code")
    )
    procedures = [version_to_dict(v) for v in versions]
    ids = set(
        ProcedureVersion.agencies.through.objects.filter(
            procedureversion__in=[v.pk for v in versions if v.agency_scope == AgencyScope.LISTED]
        ).values_list("agency_id", flat=True)
    ) | set(
        WorkflowStep.objects.filter(
            version__in=[v.pk for v in versions], agency_mode=StepAgency.NAMED
        ).values_list("agency_id", flat=True)
    )
    agencies = _with_relatives({i for i in ids if i is not None})
    return {"agencies": [agency_to_dict(a) for a in agencies], "procedures": procedures}


def render_catalog(data: dict[str, Any]) -> str:
    """The file text: UTF-8 JSON, 2-space indent, key order as built, a final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _with_relatives(ids: set[int]) -> list[Agency]:
    """The agencies with ``ids`` plus their ancestors and successors, parents before children
    so that a file can be loaded in order by any importer."""
    found: dict[int, Agency] = {}
    todo = set(ids)
    while todo:
        batch = Agency.objects.filter(pk__in=todo).select_related("parent", "successor", "division")
        todo = set()
        for agency in batch:
            found[agency.pk] = agency
            for related in (agency.parent_id, agency.successor_id):
                if related is not None and related not in found:
                    todo.add(related)

    def depth(agency: Agency) -> int:
        n, seen, parent = 0, {agency.pk}, agency.parent_id
        while parent is not None and parent in found and parent not in seen:
            seen.add(parent)
            n += 1
            parent = found[parent].parent_id
        return n

    return sorted(found.values(), key=lambda a: (depth(a), a.code))
