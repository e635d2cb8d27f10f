"""Writes to agencies: the only path by which agencies are created or changed.

The catalogue import, the admin and the demo loader all go through ``upsert_agencies`` or
``save_agency``, so the materialised path and search text can never drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, ValidationFailed
from motcua.core.text import fold

from ..codes import code_problem
from ..models import Agency, AgencyKind, Division, Level

AGENCY_KEYS = {
    "code",
    "name",
    "short_name",
    "kind",
    "level",
    "parent",
    "valid_from",
    "valid_to",
    "successor",
    "division",
}
REQUIRED_KEYS = ("code", "name", "kind", "level")


@dataclass
class UpsertResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _date(value: Any, where: str, errors: list[FieldError]) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.append(FieldError(where, _("Expected a date YYYY-MM-DD.")))
    return None


def validate_agency_rows(
    rows: Any, prefix: str = "agencies"
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Check the shape of agency rows (as in the catalogue file); returns clean rows + errors."""
    errors: list[FieldError] = []
    clean: list[dict[str, Any]] = []
    if not isinstance(rows, list):
        return [], [FieldError(prefix, _("Expected a list of agencies."))]
    seen: dict[str, int] = {}
    kinds = set(AgencyKind.values)
    levels = set(Level.values)
    for i, row in enumerate(rows):
        where = f"{prefix}[{i}]"
        if not isinstance(row, dict):
            errors.append(FieldError(where, _("Expected an object.")))
            continue
        for key in sorted(set(row) - AGENCY_KEYS):
            errors.append(FieldError(f"{where}.{key}", _("Unknown key.")))
        for key in REQUIRED_KEYS:
            if not isinstance(row.get(key), str) or not row.get(key, "").strip():
                errors.append(FieldError(f"{where}.{key}", _("Required, a non-empty text.")))
        code = row.get("code")
        if isinstance(code, str) and code.strip():
            problem = code_problem(code)
            if problem:
                errors.append(FieldError(f"{where}.code", problem))
            elif code in seen:
                errors.append(
                    FieldError(
                        f"{where}.code",
                        _("Duplicate of %(other)s.") % {"other": f"{prefix}[{seen[code]}]"},
                    )
                )
            else:
                seen[code] = i
        if isinstance(row.get("kind"), str) and row["kind"] and row["kind"] not in kinds:
            errors.append(
                FieldError(
                    f"{where}.kind", _("One of: %(values)s.") % {"values": ", ".join(sorted(kinds))}
                )
            )
        if isinstance(row.get("level"), str) and row["level"] and row["level"] not in levels:
            errors.append(
                FieldError(
                    f"{where}.level",
                    _("One of: %(values)s.") % {"values": ", ".join(sorted(levels))},
                )
            )
        for key in ("parent", "successor", "division", "short_name"):
            if row.get(key) is not None and not isinstance(row.get(key), str):
                errors.append(FieldError(f"{where}.{key}", _("Expected a text or null.")))
        valid_from = _date(row.get("valid_from"), f"{where}.valid_from", errors)
        valid_to = _date(row.get("valid_to"), f"{where}.valid_to", errors)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(FieldError(f"{where}.valid_to", _("Must not be before valid_from.")))
        clean.append({**row, "valid_from": valid_from, "valid_to": valid_to, "_where": where})
    return clean, errors


def _search_text(agency: Agency) -> str:
    return fold(" ".join(filter(None, [agency.code, agency.name, agency.short_name])))


def _refresh_paths(roots: list[Agency]) -> None:
    """Recompute ``path`` for the given agencies and everything below them.

    Parents' paths are read from the database, never from instances in memory, which may
    predate the parent's own update in the same batch; an agency computed before its parent
    is computed again when the parent's path changes.
    """
    todo = [r.pk for r in roots]
    while todo:
        pk = todo.pop()
        row = Agency.objects.filter(pk=pk).values("path", "parent_id", "parent__path").get()
        parent_path = row["parent__path"] if row["parent_id"] else "/"
        new_path = f"{parent_path}{pk}/"
        if row["path"] == new_path:
            # Paths are built from primary keys only: an unchanged path means an unchanged
            # subtree, so renaming the provincial committee does not walk 200 agencies.
            continue
        Agency.objects.filter(pk=pk).update(path=new_path)
        todo.extend(Agency.objects.filter(parent_id=pk).values_list("pk", flat=True))
    paths = dict(Agency.objects.filter(pk__in=[r.pk for r in roots]).values_list("pk", "path"))
    for agency in roots:
        agency.path = paths[agency.pk]


def _check_no_cycle(agency: Agency, where: str) -> FieldError | None:
    seen = {agency.pk}
    current = agency.parent
    while current is not None:
        if current.pk in seen:
            return FieldError(f"{where}.parent", _("The parent chain loops back to this agency."))
        seen.add(current.pk)
        current = current.parent
    return None


@transaction.atomic
def upsert_agencies(rows: Any, prefix: str = "agencies") -> UpsertResult:
    """Create or update agencies by code; all or nothing. Parents and successors may refer to
    agencies in the same list (in any order) or already in the database."""
    clean, errors = validate_agency_rows(rows, prefix)
    if errors:
        raise ValidationFailed(_("The agency list is not valid."), errors)
    result = UpsertResult()
    codes_in_file = {r["code"] for r in clean}
    existing = {a.code: a for a in Agency.objects.filter(code__in=codes_in_file)}
    known = codes_in_file | set(
        Agency.objects.filter(
            code__in={r.get(k) for r in clean for k in ("parent", "successor") if r.get(k)}
        ).values_list("code", flat=True)
    )
    division_codes = {r["division"] for r in clean if r.get("division")}
    divisions = {d.code: d for d in Division.objects.filter(code__in=division_codes)}
    for row in clean:
        where = row["_where"]
        for key in ("parent", "successor"):
            if row.get(key) and row[key] not in known:
                errors.append(
                    FieldError(
                        f"{where}.{key}", _("No agency has code %(code)r.") % {"code": row[key]}
                    )
                )
        if row.get("parent") == row["code"]:
            errors.append(FieldError(f"{where}.parent", _("An agency cannot be its own parent.")))
        if row.get("division") and row["division"] not in divisions:
            errors.append(
                FieldError(
                    f"{where}.division",
                    _("No administrative division has code %(code)r.") % {"code": row["division"]},
                )
            )
    if errors:
        raise ValidationFailed(_("The agency list is not valid."), errors)

    fields = ("name", "short_name", "kind", "level", "valid_from", "valid_to")
    touched: list[Agency] = []
    for row in clean:
        values = {f: (row.get(f) or "") if f in ("short_name",) else row.get(f) for f in fields}
        values["name"] = row["name"].strip()
        values["division"] = divisions.get(row["division"]) if row.get("division") else None
        agency = existing.get(row["code"])
        if agency is None:
            agency = Agency.objects.create(code=row["code"], **values)
            existing[row["code"]] = agency
            result.created.append(agency.code)
        else:
            changed = [f for f, v in values.items() if getattr(agency, f) != v]
            for f in changed:
                setattr(agency, f, values[f])
            if changed:
                agency.save(update_fields=changed)
                result.updated.append(agency.code)
        touched.append(agency)

    lookup = {a.code: a for a in Agency.objects.filter(code__in=known)}
    for row, agency in zip(clean, touched, strict=True):
        parent = lookup.get(row["parent"]) if row.get("parent") else None
        successor = lookup.get(row["successor"]) if row.get("successor") else None
        relinked = agency.parent_id != (parent.pk if parent else None) or agency.successor_id != (
            successor.pk if successor else None
        )
        agency.parent, agency.successor = parent, successor
        agency.search_text = _search_text(agency)
        agency.save(update_fields=["parent", "successor", "search_text"])
        if relinked and agency.code not in result.created and agency.code not in result.updated:
            result.updated.append(agency.code)
    for row, agency in zip(clean, touched, strict=True):
        problem = _check_no_cycle(agency, row["_where"])
        if problem:
            errors.append(problem)
    if errors:
        raise ValidationFailed(_("The agency list is not valid."), errors)
    _refresh_paths(touched)
    done = set(result.created) | set(result.updated)
    result.unchanged = [a.code for a in touched if a.code not in done]
    return result


def check_agency(agency: Agency) -> list[FieldError]:
    """Every problem with one agency as edited (the admin form shows them before saving)."""
    errors: list[FieldError] = []
    problem = code_problem(agency.code or "")
    if problem:
        errors.append(FieldError("code", problem))
    elif Agency.objects.filter(code=agency.code).exclude(pk=agency.pk).exists():
        errors.append(
            FieldError("code", _("Another agency has code %(code)r.") % {"code": agency.code})
        )
    if not (agency.name or "").strip():
        errors.append(FieldError("name", _("Required, a non-empty text.")))
    if agency.valid_from and agency.valid_to and agency.valid_to < agency.valid_from:
        errors.append(FieldError("valid_to", _("Must not be before valid_from.")))
    if agency.pk and agency.parent_id == agency.pk:
        errors.append(FieldError("parent", _("An agency cannot be its own parent.")))
    elif agency.pk and agency.parent_id:
        error = _check_no_cycle(agency, "agency")
        if error:
            errors.append(FieldError("parent", error.message))
    if agency.pk and agency.successor_id == agency.pk:
        errors.append(FieldError("successor", _("An agency cannot be its own successor.")))
    return errors


@transaction.atomic
def save_agency(agency: Agency) -> Agency:
    """Save one agency edited elsewhere (the admin): validates it, keeps paths right."""
    errors = check_agency(agency)
    if errors:
        raise ValidationFailed(_("The agency is not valid."), errors)
    agency.name = agency.name.strip()
    agency.search_text = _search_text(agency)
    agency.save()
    _refresh_paths([agency])
    return agency
