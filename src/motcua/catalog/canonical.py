"""The canonical form of a procedure version: one dict shape shared by import, export and the
comparison that decides whether an import changes anything.

The importer normalises every incoming procedure into this form (defaults filled in, lists in a
fixed order, numbers as int or float) and the exporter writes exactly this form, so
``export → import → export`` is byte-identical and "unchanged" is plain dict equality.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from motcua.agencies.models import Agency, Level

from .models import AgencyScope, ProcedureVersion, StepAgency, TargetGroup

# Key order of the file format (docs/catalog-format.md). Export writes every key in this order.
PROCEDURE_KEYS = (
    "code",
    "name",
    "field",
    "level",
    "status",
    "sample",
    "legal_basis",
    "effective_from",
    "effective_to",
    "agencies",
    "target_groups",
    "sequence",
    "processing_time",
    "cutoff",
    "supplement_policy",
    "supplement_limit_days",
    "online_level",
    "postal",
    "fees",
    "documents",
    "result",
    "workflow",
    "note",
)
FIELD_KEYS = ("code", "name")
PROCESSING_TIME_KEYS = ("value", "unit")
FEE_KEYS = ("name", "amount_vnd", "note")
DOCUMENT_KEYS = ("name", "originals", "copies", "required", "template", "reusable_type")
RESULT_KEYS = ("name", "kind")
STEP_KEYS = ("code", "name", "role", "hours", "agency_mode", "agency", "agency_kind")
AGENCY_KEYS = (
    "code",
    "name",
    "short_name",
    "kind",
    "level",
    "parent",
    "division",
    "valid_from",
    "valid_to",
    "successor",
)

# Lists that mean a set are written in one fixed order.
LEVEL_ORDER = (Level.CENTRAL, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)
TARGET_GROUP_ORDER = (TargetGroup.CITIZEN, TargetGroup.FOREIGNER, TargetGroup.ORGANISATION)


def number(value: Decimal) -> int | float:
    """A JSON number: an int when whole, else the shortest float (2 decimals at most)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def ordered(values: list[str], order: tuple[str, ...]) -> list[str]:
    present = set(values)
    return [str(v) for v in order if v in present]


def hhmm(value: Any) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def isodate(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def version_to_dict(version: ProcedureVersion) -> dict[str, Any]:
    """The canonical dict of one stored version (every key, in file order)."""
    field = version.field
    agencies: list[str] | None
    if version.agency_scope == AgencyScope.LISTED:
        agencies = sorted(version.agencies.values_list("code", flat=True))
    else:
        agencies = None
    steps = []
    for step in version.steps.select_related("agency").order_by("position"):
        steps.append(
            {
                "code": step.code,
                "name": step.name,
                "role": step.role,
                "hours": number(step.hours),
                "agency_mode": step.agency_mode,
                "agency": step.agency.code
                if step.agency_mode == StepAgency.NAMED and step.agency
                else None,
                "agency_kind": step.agency_kind if step.agency_mode == StepAgency.KIND else None,
            }
        )
    return {
        "code": version.procedure.code,
        "name": version.name,
        "field": {"code": field.code, "name": field.name},
        "level": ordered(list(version.levels), LEVEL_ORDER),
        "status": version.status,
        "sample": version.is_sample,
        "legal_basis": version.legal_basis,
        "effective_from": isodate(version.effective_from),
        "effective_to": isodate(version.effective_to),
        "agencies": agencies,
        "target_groups": ordered(list(version.target_groups), TARGET_GROUP_ORDER),
        "sequence": version.sequence,
        "processing_time": {
            "value": number(version.processing_value),
            "unit": version.processing_unit,
        },
        "cutoff": hhmm(version.cutoff),
        "supplement_policy": version.supplement_policy,
        "supplement_limit_days": version.supplement_limit_days,
        "online_level": version.online_level,
        "postal": version.postal,
        "fees": [
            {"name": f.name, "amount_vnd": f.amount_vnd, "note": f.note}
            for f in version.fees.order_by("position")
        ],
        "documents": [
            {
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
                "required": d.required,
                "template": d.template,
                "reusable_type": d.reusable_type,
            }
            for d in version.documents.order_by("position")
        ],
        "result": (
            {"name": version.result_name, "kind": version.result_kind}
            if version.result_name
            else None
        ),
        "workflow": steps,
        "note": version.note,
    }


def content(row: dict[str, Any]) -> dict[str, Any]:
    """What makes two versions the same text: everything but the status."""
    return {k: v for k, v in row.items() if k != "status"}


def agency_to_dict(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "level": agency.level,
        "parent": agency.parent.code if agency.parent_id and agency.parent else None,
        "division": agency.division.code if agency.division_id and agency.division else None,
        "valid_from": isodate(agency.valid_from),
        "valid_to": isodate(agency.valid_to),
        "successor": agency.successor.code if agency.successor_id and agency.successor else None,
    }
