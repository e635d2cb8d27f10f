"""``import_catalog``: agencies and procedures from a catalogue file, all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.agencies.services import UpsertResult, upsert_agencies
from motcua.core.errors import Conflict, ValidationFailed

from .canonical import content, version_to_dict
from .models import Field, Procedure, ProcedureVersion, Status
from .validation import read_catalog
from .writing import refresh_current, refresh_search, write_version

SAMPLE_CATALOG = Path(__file__).resolve().parent / "data" / "sample_catalog.json"


@dataclass
class ImportResult:
    """What an import did, by procedure code (and field code for fields)."""

    agencies: UpsertResult = field(default_factory=UpsertResult)
    fields_created: list[str] = field(default_factory=list)
    fields_renamed: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # new procedures (version 1)
    updated: list[str] = field(default_factory=list)  # a draft changed in place, or a status
    versioned: list[str] = field(default_factory=list)  # a new version of a known procedure
    unchanged: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)  # a version became published
    retired: list[str] = field(default_factory=list)


def import_catalog(data: Any) -> ImportResult:
    """Validate the whole file, then write it in one transaction (see docs/catalog-format.md).

    Raises ``ValidationFailed`` listing every problem with its JSON path; nothing is written.
    """
    parsed, errors = read_catalog(data)
    if errors:
        raise ValidationFailed(
            _("The catalogue file is not valid: %(n)s problem(s) found; nothing was imported.")
            % {"n": len(errors)},
            errors,
        )
    try:
        return _write(parsed.agencies, parsed.procedures)
    except IntegrityError as exc:
        # Only a concurrent import of the same codes can get here (validation passed).
        raise Conflict(
            _("The catalogue was changed by someone else during the import; run it again.")
        ) from exc


def import_sample_catalog() -> ImportResult:
    """The demo's sample catalogue; the sample province's agencies must be loaded first."""
    return import_catalog(json.loads(SAMPLE_CATALOG.read_text(encoding="utf-8")))


@transaction.atomic
def _write(agency_rows: list[dict[str, Any]], rows: list[dict[str, Any]]) -> ImportResult:
    result = ImportResult()
    if agency_rows:
        result.agencies = upsert_agencies(agency_rows, "agencies")

    referenced = {c for r in rows for c in r["agencies"] or []} | {
        s["agency"] for r in rows for s in r["workflow"] if s["agency"]
    }
    agencies = {a.code: a for a in Agency.objects.filter(code__in=referenced)}
    fields = _upsert_fields(rows, result)

    codes = [r["code"] for r in rows]
    # Lock the procedures this file touches so that two imports of one procedure queue.
    existing = {p.code: p for p in Procedure.objects.select_for_update().filter(code__in=codes)}
    for row in rows:
        procedure = existing.get(row["code"])
        field_obj = fields[row["field"]["code"]]
        if procedure is None:
            procedure = Procedure.objects.create(code=row["code"])
            version = write_version(
                ProcedureVersion(procedure=procedure, version=1), row, field_obj, agencies
            )
            refresh_current(procedure)
            result.created.append(row["code"])
            _note_status(result, row["code"], version.status)
            continue
        _apply(procedure, row, field_obj, agencies, result)
    return result


def _upsert_fields(rows: list[dict[str, Any]], result: ImportResult) -> dict[str, Field]:
    wanted = {r["field"]["code"]: r["field"]["name"] for r in rows}
    fields = {f.code: f for f in Field.objects.filter(code__in=wanted)}
    for code, name in sorted(wanted.items()):
        current = fields.get(code)
        if current is None:
            fields[code] = Field.objects.create(code=code, name=name)
            result.fields_created.append(code)
        elif current.name != name:
            current.name = name
            current.save(update_fields=["name"])
            refresh_search(ProcedureVersion.objects.filter(field=current))
            result.fields_renamed.append(code)
    return fields


def _apply(
    procedure: Procedure,
    row: dict[str, Any],
    field_obj: Field,
    agencies: dict[str, Agency],
    result: ImportResult,
) -> None:
    """The versioning rules: unchanged, draft updated in place, or a new version."""
    current = procedure.current
    if current is not None and version_to_dict(current) == row:
        result.unchanged.append(row["code"])
        return
    head = procedure.versions.order_by("-version").first()
    assert head is not None  # every procedure is created with its first version
    head_row = version_to_dict(head)
    if head_row == row:
        result.unchanged.append(row["code"])
        return
    if head.status == Status.DRAFT:
        write_version(head, row, field_obj, agencies)
        result.updated.append(row["code"])
        _note_status(result, row["code"], row["status"])
    elif content(head_row) == content(row) and (head.status, row["status"]) == (
        Status.PUBLISHED,
        Status.RETIRED,
    ):
        # Retiring changes no text, so the published version itself is marked.
        head.status = Status.RETIRED
        head.save(update_fields=["status"])
        result.updated.append(row["code"])
        result.retired.append(row["code"])
    else:
        number = (procedure.versions.aggregate(n=Max("version"))["n"] or 0) + 1
        write_version(
            ProcedureVersion(procedure=procedure, version=number), row, field_obj, agencies
        )
        result.versioned.append(row["code"])
        _note_status(result, row["code"], row["status"])
    refresh_current(procedure)


def _note_status(result: ImportResult, code: str, status: str) -> None:
    if status == Status.PUBLISHED:
        result.published.append(code)
    elif status == Status.RETIRED:
        result.retired.append(code)
