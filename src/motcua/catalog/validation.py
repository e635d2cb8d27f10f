"""Validation of a catalogue file (docs/catalog-format.md) into canonical procedure dicts.

Every problem in the file is collected with its JSON path (``procedures[3].workflow[1].hours``)
before anything is written, so a province fixes a file in one round instead of one error at a
time. The only database reads are the existence checks of agency codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from motcua.agencies.codes import code_problem
from motcua.agencies.models import Agency, AgencyKind, Level
from motcua.agencies.services import validate_agency_rows
from motcua.core.errors import FieldError

from .canonical import (
    DOCUMENT_KEYS,
    FEE_KEYS,
    FIELD_KEYS,
    LEVEL_ORDER,
    PROCEDURE_KEYS,
    PROCESSING_TIME_KEYS,
    RESULT_KEYS,
    STEP_KEYS,
    TARGET_GROUP_ORDER,
    number,
    ordered,
)
from .models import OnlineLevel, ResultKind, Status, StepAgency, SupplementPolicy, TimeUnit
from .reader import JsonReader
from .rules import STEP_ROLES, publication_problems

TOP_KEYS = ("agencies", "procedures", "note")
REQUIRED_KEYS = ("code", "name", "field", "level", "processing_time", "online_level")
_PROCEDURE_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_FEE_VND = 10**15
MAX_COUNT = 100  # originals / copies of one document


@dataclass
class CatalogInput:
    """A validated file: agency rows for ``upsert_agencies`` and canonical procedure dicts."""

    agencies: list[dict[str, Any]] = field(default_factory=list)
    procedures: list[dict[str, Any]] = field(default_factory=list)


def read_catalog(data: Any) -> tuple[CatalogInput, list[FieldError]]:
    """Validate a whole catalogue file; returns the clean input and every problem found."""
    reader = JsonReader()
    result = CatalogInput()
    top = reader.obj(data, "$")
    if top is None:
        return result, reader.errors
    for key in sorted(set(top) - set(TOP_KEYS), key=str):
        reader.error(key, _("Unknown key."))
    if top.get("note") is not None and not isinstance(top["note"], str):
        reader.error("note", _("Expected a text."))

    agency_rows = top.get("agencies", [])
    if agency_rows is None:
        agency_rows = []
    clean_agencies, agency_errors = validate_agency_rows(agency_rows, "agencies")
    reader.errors.extend(agency_errors)
    result.agencies = agency_rows if isinstance(agency_rows, list) else []
    file_agencies = {r["code"] for r in clean_agencies if isinstance(r.get("code"), str)}

    rows = top.get("procedures", [])
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        reader.error("procedures", _("Expected a list."))
        rows = []
    references: list[tuple[str, str]] = []  # (agency code, path) to check exist
    seen_codes: dict[str, str] = {}
    seen_fields: dict[str, tuple[str, str]] = {}
    for i, raw in enumerate(rows):
        where = f"procedures[{i}]"
        row = _procedure(reader, raw, where, references)
        if row is None:
            continue
        code = row["code"]
        if code:
            if code in seen_codes:
                reader.error(
                    f"{where}.code", _("Duplicate of %(other)s.") % {"other": seen_codes[code]}
                )
            else:
                seen_codes[code] = where
        fcode, fname = row["field"]["code"], row["field"]["name"]
        if fcode and fname:
            if fcode in seen_fields and seen_fields[fcode][0] != fname:
                reader.error(
                    f"{where}.field.name",
                    _("Field %(code)s is named differently in %(other)s.")
                    % {"code": fcode, "other": seen_fields[fcode][1]},
                )
            else:
                seen_fields.setdefault(fcode, (fname, where))
        result.procedures.append(row)

    _check_agencies_exist(reader, references, file_agencies)
    # The same problem may be found twice (a bad role by the shape check and the publishing
    # rules); report it once.
    unique = list(dict.fromkeys(reader.errors))
    return result, unique


def _check_agencies_exist(
    reader: JsonReader, references: list[tuple[str, str]], file_agencies: set[str]
) -> None:
    wanted = {code for code, _path in references} - file_agencies
    in_db = set(Agency.objects.filter(code__in=wanted).values_list("code", flat=True))
    for code, path in references:
        if code not in file_agencies and code not in in_db:
            reader.error(path, _("No agency has code %(code)r.") % {"code": code})


def _agency_code(
    reader: JsonReader, value: Any, path: str, references: list[tuple[str, str]]
) -> str:
    if not isinstance(value, str):
        reader.error(path, _("Expected a text."))
        return ""
    problem = code_problem(value)
    if problem:
        reader.error(path, problem)
        return ""
    references.append((value, path))
    return value


def _procedure(
    reader: JsonReader, raw: Any, where: str, references: list[tuple[str, str]]
) -> dict[str, Any] | None:
    obj = reader.obj(raw, where)
    if obj is None:
        return None
    reader.unknown(obj, PROCEDURE_KEYS, where)
    for key in REQUIRED_KEYS:
        if obj.get(key) is None:
            reader.error(f"{where}.{key}", _("Required."))

    code = reader.text(obj, "code", where, max_length=50, required=True)
    if code and not _PROCEDURE_CODE.match(code):
        reader.error(
            f"{where}.code",
            _(
                "A procedure code has letters, digits, dots, dashes or underscores, "
                "e.g. 1.001193 or 2.000815.000.00.00.H55."
            ),
        )
    name = reader.text(obj, "name", where, max_length=500, required=True)

    field_value = {"code": "", "name": ""}
    if obj.get("field") is not None:
        fobj = reader.obj(obj["field"], f"{where}.field")
        if fobj is not None:
            reader.unknown(fobj, FIELD_KEYS, f"{where}.field")
            field_value = {
                "code": reader.text(fobj, "code", f"{where}.field", max_length=50, required=True),
                "name": reader.text(fobj, "name", f"{where}.field", max_length=300, required=True),
            }

    levels = _levels(reader, obj.get("level"), f"{where}.level")

    agencies: list[str] | None = None
    if obj.get("agencies") is not None:
        agencies = []
        seen: dict[str, int] = {}
        for j, value in enumerate(reader.items(obj, "agencies", where)):
            path = f"{where}.agencies[{j}]"
            code_j = _agency_code(reader, value, path, references)
            if not code_j:
                continue
            if code_j in seen:
                reader.error(
                    path,
                    _("Duplicate of %(other)s.") % {"other": f"{where}.agencies[{seen[code_j]}]"},
                )
                continue
            seen[code_j] = j
            agencies.append(code_j)
        agencies.sort()

    groups = []
    for j, value in enumerate(reader.items(obj, "target_groups", where)):
        if not isinstance(value, str) or value not in TARGET_GROUP_ORDER:
            reader.error(
                f"{where}.target_groups[{j}]",
                _("One of: %(values)s.") % {"values": ", ".join(TARGET_GROUP_ORDER)},
            )
        else:
            groups.append(value)

    processing = {"value": 0, "unit": TimeUnit.WORKING_DAYS.value}
    if obj.get("processing_time") is not None:
        pobj = reader.obj(obj["processing_time"], f"{where}.processing_time")
        if pobj is not None:
            reader.unknown(pobj, PROCESSING_TIME_KEYS, f"{where}.processing_time")
            value = reader.amount(pobj.get("value"), f"{where}.processing_time.value")
            unit = reader.choice(
                pobj, "unit", f"{where}.processing_time", TimeUnit.values, required=True
            )
            processing = {
                "value": number(value) if value is not None else 0,
                "unit": unit or TimeUnit.WORKING_DAYS.value,
            }

    cutoff = None
    if obj.get("cutoff") is not None:
        if isinstance(obj["cutoff"], str) and _HHMM.match(obj["cutoff"]):
            cutoff = obj["cutoff"]
        else:
            reader.error(f"{where}.cutoff", _("Expected a time HH:MM."))

    effective_from = reader.day(obj, "effective_from", where)
    effective_to = reader.day(obj, "effective_to", where)
    if effective_from and effective_to and effective_to < effective_from:
        reader.error(f"{where}.effective_to", _("Must not be before effective_from."))

    workflow = [
        _step(reader, raw_step, f"{where}.workflow[{j}]", references)
        for j, raw_step in enumerate(reader.items(obj, "workflow", where))
    ]
    step_codes: dict[str, int] = {}
    for j, step in enumerate(workflow):
        if step["code"] in step_codes:
            reader.error(
                f"{where}.workflow[{j}].code",
                _("Duplicate of %(other)s.")
                % {"other": f"{where}.workflow[{step_codes[step['code']]}]"},
            )
        elif step["code"]:
            step_codes[step["code"]] = j

    result = None
    if obj.get("result") is not None:
        robj = reader.obj(obj["result"], f"{where}.result")
        if robj is not None:
            reader.unknown(robj, RESULT_KEYS, f"{where}.result")
            result = {
                "name": reader.text(robj, "name", f"{where}.result", max_length=500, required=True),
                "kind": reader.choice(
                    robj, "kind", f"{where}.result", ResultKind.values, required=True
                ),
            }

    default_status = Status.PUBLISHED if workflow else Status.DRAFT
    row: dict[str, Any] = {
        "code": code,
        "name": name,
        "field": field_value,
        "level": levels,
        "status": reader.choice(obj, "status", where, Status.values, default_status.value),
        "sample": reader.boolean(obj, "sample", where, False),
        "legal_basis": reader.text(obj, "legal_basis", where),
        "effective_from": effective_from,
        "effective_to": effective_to,
        "agencies": agencies,
        "target_groups": ordered(groups, TARGET_GROUP_ORDER),
        "sequence": reader.text(obj, "sequence", where),
        "processing_time": processing,
        "cutoff": cutoff,
        "supplement_policy": reader.choice(
            obj, "supplement_policy", where, SupplementPolicy.values, SupplementPolicy.PAUSE.value
        ),
        "supplement_limit_days": reader.integer(obj, "supplement_limit_days", where, 15, 1, 365),
        "online_level": reader.choice(obj, "online_level", where, OnlineLevel.values, "none"),
        "postal": reader.boolean(obj, "postal", where, False),
        "fees": [
            _fee(reader, f, f"{where}.fees[{j}]")
            for j, f in enumerate(reader.items(obj, "fees", where))
        ],
        "documents": [
            _document(reader, d, f"{where}.documents[{j}]")
            for j, d in enumerate(reader.items(obj, "documents", where))
        ],
        "result": result,
        "workflow": workflow,
        "note": reader.text(obj, "note", where),
    }
    if row["status"] == Status.PUBLISHED and processing["value"]:
        problems = publication_problems(row, where)
        if any(not s["hours"] for s in workflow):
            # A step whose hours are already reported makes the sum meaningless.
            problems = [p for p in problems if p.field != f"{where}.workflow"]
        # A part already reported (missing, malformed) is not reported a second time.
        reported = {e.field for e in reader.errors}
        reader.errors.extend(p for p in problems if p.field not in reported)
    return row


def _levels(reader: JsonReader, value: Any, where: str) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        reader.error(where, _("Expected a level or a list of levels."))
        return []
    if not values:
        reader.error(where, _("At least one level."))
    levels = []
    for j, item in enumerate(values):
        if not isinstance(item, str) or item not in Level.values:
            path = where if isinstance(value, str) else f"{where}[{j}]"
            reader.error(path, _("One of: %(values)s.") % {"values": ", ".join(LEVEL_ORDER)})
        else:
            levels.append(item)
    return ordered(levels, LEVEL_ORDER)


def _fee(reader: JsonReader, raw: Any, where: str) -> dict[str, Any]:
    obj = reader.obj(raw, where) or {}
    reader.unknown(obj, FEE_KEYS, where)
    name = reader.text(obj, "name", where, max_length=300, required=isinstance(raw, dict))
    if isinstance(raw, dict) and obj.get("amount_vnd") is None:
        reader.error(f"{where}.amount_vnd", _("Required."))
    amount = reader.integer(obj, "amount_vnd", where, 0, 0, MAX_FEE_VND)
    return {"name": name, "amount_vnd": amount, "note": reader.text(obj, "note", where)}


def _document(reader: JsonReader, raw: Any, where: str) -> dict[str, Any]:
    obj = reader.obj(raw, where) or {}
    reader.unknown(obj, DOCUMENT_KEYS, where)
    return {
        "name": reader.text(obj, "name", where, max_length=500, required=isinstance(raw, dict)),
        "originals": reader.integer(obj, "originals", where, 0, 0, MAX_COUNT),
        "copies": reader.integer(obj, "copies", where, 0, 0, MAX_COUNT),
        "required": reader.boolean(obj, "required", where, True),
        "template": reader.text(obj, "template", where, max_length=300),
        "reusable_type": reader.text(obj, "reusable_type", where, max_length=100),
    }


def _step(
    reader: JsonReader, raw: Any, where: str, references: list[tuple[str, str]]
) -> dict[str, Any]:
    obj = reader.obj(raw, where) or {}
    reader.unknown(obj, STEP_KEYS, where)
    required = isinstance(raw, dict)
    hours = reader.amount(obj.get("hours"), f"{where}.hours") if required else None
    step: dict[str, Any] = {
        "code": reader.text(obj, "code", where, max_length=30, required=required),
        "name": reader.text(obj, "name", where, max_length=300, required=required),
        "role": reader.choice(obj, "role", where, STEP_ROLES, required=required),
        "hours": number(hours) if hours is not None else 0,
        "agency_mode": StepAgency.COMPETENT.value,
        "agency": None,
        "agency_kind": None,
    }
    mode = reader.choice(obj, "agency_mode", where, StepAgency.values)
    agency = obj.get("agency")
    kind = obj.get("agency_kind")
    if agency is not None and kind is not None:
        reader.error(where, _("Give either agency (a named agency) or agency_kind, not both."))
        return step
    if mode is None:
        mode = (
            StepAgency.NAMED
            if agency is not None
            else StepAgency.KIND
            if kind is not None
            else StepAgency.COMPETENT
        )
    step["agency_mode"] = str(mode)
    if mode == StepAgency.NAMED:
        if agency is None:
            reader.error(f"{where}.agency", _("Required when agency_mode is named."))
        else:
            step["agency"] = _agency_code(reader, agency, f"{where}.agency", references) or None
    elif agency is not None:
        reader.error(f"{where}.agency", _("Only allowed when agency_mode is named."))
    if mode == StepAgency.KIND:
        if kind is None:
            reader.error(f"{where}.agency_kind", _("Required when agency_mode is kind."))
        else:
            step["agency_kind"] = reader.choice(obj, "agency_kind", where, AgencyKind.values)
    elif kind is not None:
        reader.error(f"{where}.agency_kind", _("Only allowed when agency_mode is kind."))
    return step
