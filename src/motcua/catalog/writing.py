"""Low-level writes shared by the import and the version services (call them inside a
transaction): a canonical dict into a version, derived search text, the current pointer."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from motcua.agencies.models import Agency
from motcua.core.text import fold

from .models import (
    AgencyScope,
    DocumentRequirement,
    Fee,
    Field,
    Procedure,
    ProcedureVersion,
    Status,
    StepAgency,
    WorkflowStep,
)


def search_texts(code: str, name: str, field: Field) -> tuple[str, str]:
    """(search_text, search_name) of a version: folded, so matching is accent-insensitive."""
    return fold(" ".join([code, name, field.code, field.name])), fold(name)


def refresh_search(versions: Any) -> None:
    """Recompute the search text of the given versions (after a field is renamed)."""
    for version in versions.select_related("procedure", "field"):
        text, name = search_texts(version.procedure.code, version.name, version.field)
        if (text, name) != (version.search_text, version.search_name):
            ProcedureVersion.objects.filter(pk=version.pk).update(
                search_text=text, search_name=name
            )


def refresh_current(procedure: Procedure) -> None:
    """Point ``current`` at the newest published or retired version, or else the newest draft.

    A draft on top of a published version is work in progress: the public and new dossiers
    keep the published one until the draft is published.
    """
    versions = procedure.versions.order_by("-version")
    current = (
        versions.filter(Q(status=Status.PUBLISHED) | Q(status=Status.RETIRED)).first()
        or versions.first()
    )
    if procedure.current_id != (current.pk if current else None):
        procedure.current = current
        procedure.save(update_fields=["current"])


def write_version(
    version: ProcedureVersion,
    row: dict[str, Any],
    field: Field,
    agencies: dict[str, Agency],
) -> ProcedureVersion:
    """Store canonical ``row`` (already validated) into ``version``, replacing its lists."""
    version.name = row["name"]
    version.field = field
    version.levels = list(row["level"])
    version.legal_basis = row["legal_basis"]
    was_published = version.status == Status.PUBLISHED
    version.status = row["status"]
    version.is_sample = row["sample"]
    version.effective_from = (
        date.fromisoformat(row["effective_from"]) if row["effective_from"] else None
    )
    version.effective_to = date.fromisoformat(row["effective_to"]) if row["effective_to"] else None
    version.agency_scope = AgencyScope.LEVEL if row["agencies"] is None else AgencyScope.LISTED
    version.target_groups = list(row["target_groups"])
    version.sequence = row["sequence"]
    version.processing_value = Decimal(str(row["processing_time"]["value"]))
    version.processing_unit = row["processing_time"]["unit"]
    version.cutoff = time.fromisoformat(row["cutoff"]) if row["cutoff"] else None
    version.supplement_policy = row["supplement_policy"]
    version.supplement_limit_days = row["supplement_limit_days"]
    version.online_level = row["online_level"]
    version.postal = row["postal"]
    result = row["result"] or {"name": "", "kind": ""}
    version.result_name = result["name"]
    version.result_kind = result["kind"]
    version.note = row["note"]
    version.search_text, version.search_name = search_texts(row["code"], row["name"], field)
    if version.status == Status.PUBLISHED and not was_published:
        version.published_at = timezone.now()
    version.save()

    version.agencies.set([agencies[c] for c in row["agencies"] or []])
    version.fees.all().delete()
    Fee.objects.bulk_create(
        Fee(version=version, position=i, name=f["name"], amount_vnd=f["amount_vnd"], note=f["note"])
        for i, f in enumerate(row["fees"], start=1)
    )
    version.documents.all().delete()
    DocumentRequirement.objects.bulk_create(
        DocumentRequirement(
            version=version,
            position=i,
            name=d["name"],
            originals=d["originals"],
            copies=d["copies"],
            required=d["required"],
            template=d["template"],
            reusable_type=d["reusable_type"],
        )
        for i, d in enumerate(row["documents"], start=1)
    )
    version.steps.all().delete()
    WorkflowStep.objects.bulk_create(
        WorkflowStep(
            version=version,
            position=i,
            code=s["code"],
            name=s["name"],
            role=s["role"],
            agency_mode=s["agency_mode"],
            agency=agencies[s["agency"]] if s["agency_mode"] == StepAgency.NAMED else None,
            agency_kind=s["agency_kind"] or "",
            hours=Decimal(str(s["hours"])),
        )
        for i, s in enumerate(row["workflow"], start=1)
    )
    return version
