"""Writes to administrative divisions: the provinces shipped with motcua and the statistics
office's commune list, imported from CSV.

The CSV (UTF-8, a header line, ``#`` starts a comment line; documented in docs/agencies.md)::

    code,name,kind,parent_code,valid_from,valid_to
    82001,Phường An Bình,ward,82,2025-07-01,

Every line is checked before anything is written; each problem is reported as
``line N: column: reason`` with N the line number in the file, comments included.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, ValidationFailed
from motcua.core.text import fold

from ..models import Division, DivisionKind
from .agencies import UpsertResult

REQUIRED_COLUMNS = ("code", "name", "kind", "parent_code")
OPTIONAL_COLUMNS = ("valid_from", "valid_to")
PROVINCES_FILE = "provinces.csv"

# Statistics-office codes: 2 digits for a province, 3 for a district (before 2025), 5 for a
# commune, ward or special zone.
_CODE_DIGITS = {
    DivisionKind.CITY: 2,
    DivisionKind.PROVINCE: 2,
    DivisionKind.DISTRICT: 3,
    DivisionKind.WARD: 5,
    DivisionKind.COMMUNE: 5,
    DivisionKind.SPECIAL_ZONE: 5,
}
_PROVINCIAL = frozenset({DivisionKind.CITY, DivisionKind.PROVINCE})
# Which kinds may be the parent of which: communes hang under a province since 1 July 2025, or
# under a district in the history before it.
_PARENT_KINDS = {
    DivisionKind.CITY: frozenset(),
    DivisionKind.PROVINCE: frozenset(),
    DivisionKind.DISTRICT: _PROVINCIAL,
    DivisionKind.WARD: _PROVINCIAL | {DivisionKind.DISTRICT},
    DivisionKind.COMMUNE: _PROVINCIAL | {DivisionKind.DISTRICT},
    DivisionKind.SPECIAL_ZONE: _PROVINCIAL | {DivisionKind.DISTRICT},
}
_RANK = {
    kind: 0 if kind in _PROVINCIAL else 1 if kind == DivisionKind.DISTRICT else 2
    for kind in _CODE_DIGITS
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME_MAX = Division._meta.get_field("name").max_length or 200


@dataclass(frozen=True)
class DivisionRow:
    line: int
    code: str
    name: str
    kind: str
    parent_code: str
    valid_from: date | None
    valid_to: date | None


def _at(line: int, column: str) -> str:
    return f"line {line}: {column}"


def decode_csv(data: bytes) -> str:
    """UTF-8 text of an uploaded file (a BOM, as spreadsheet programs write, is accepted)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationFailed(
            _("The file is not UTF-8 text."),
            [FieldError(_at(line, "file"), _("Not valid UTF-8; save the file as UTF-8."))],
        ) from exc


def _parse_date(value: str, line: int, column: str, errors: list[FieldError]) -> date | None:
    if not value:
        return None
    if _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.append(FieldError(_at(line, column), _("Expected a date YYYY-MM-DD.")))
    return None


def parse_divisions_csv(text: str) -> tuple[list[DivisionRow], list[FieldError]]:
    """Rows of a divisions CSV, and every problem of shape found (without the database)."""
    errors: list[FieldError] = []
    rows: list[DivisionRow] = []
    header: list[str] | None = None
    header_line = 0
    seen: dict[str, int] = {}
    kinds = set(DivisionKind.values)
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            values = [v.strip() for v in next(csv.reader([raw]))]
        except csv.Error as exc:
            errors.append(FieldError(_at(number, "values"), str(exc)))
            continue
        if header is None:
            header, header_line = [v.lower() for v in values], number
            known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
            for column in header:
                if column not in known:
                    errors.append(
                        FieldError(
                            _at(number, "header"),
                            _("Unknown column %(column)r; the columns are: %(columns)s.")
                            % {
                                "column": column,
                                "columns": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS),
                            },
                        )
                    )
            for column in REQUIRED_COLUMNS:
                if column not in header:
                    errors.append(
                        FieldError(
                            _at(number, "header"),
                            _("Missing column %(column)r.") % {"column": column},
                        )
                    )
            if len(set(header)) != len(header):
                errors.append(FieldError(_at(number, "header"), _("A column appears twice.")))
            if errors:
                return [], errors
            continue
        if len(values) > len(header):
            errors.append(
                FieldError(
                    _at(number, "values"),
                    _("%(found)s values for %(expected)s columns.")
                    % {"found": len(values), "expected": len(header)},
                )
            )
            continue
        cell = dict(zip(header, values + [""] * (len(header) - len(values)), strict=True))
        code, name, kind, parent_code = (cell[c] for c in REQUIRED_COLUMNS)
        if not name:
            errors.append(FieldError(_at(number, "name"), _("Required.")))
        elif len(name) > _NAME_MAX:
            errors.append(
                FieldError(_at(number, "name"), _("At most %(n)s characters.") % {"n": _NAME_MAX})
            )
        if kind not in kinds:
            errors.append(
                FieldError(
                    _at(number, "kind"),
                    _("Unknown kind %(kind)r; one of: %(values)s.")
                    % {"kind": kind, "values": ", ".join(DivisionKind.values)},
                )
            )
        if not code:
            errors.append(FieldError(_at(number, "code"), _("Required.")))
        elif kind in kinds:
            digits = _CODE_DIGITS[DivisionKind(kind)]
            if not (code.isascii() and code.isdigit() and len(code) == digits):
                errors.append(
                    FieldError(
                        _at(number, "code"),
                        _("A %(kind)s code has exactly %(n)s digits, not %(code)r.")
                        % {"kind": kind, "n": digits, "code": code},
                    )
                )
        if code and code in seen:
            errors.append(
                FieldError(
                    _at(number, "code"),
                    _("Duplicate code %(code)r, first on line %(line)s.")
                    % {"code": code, "line": seen[code]},
                )
            )
        elif code:
            seen[code] = number
        if kind in kinds:
            if DivisionKind(kind) in _PROVINCIAL and parent_code:
                errors.append(
                    FieldError(
                        _at(number, "parent_code"),
                        _("A province or city has no parent; leave it empty."),
                    )
                )
            if DivisionKind(kind) not in _PROVINCIAL and not parent_code:
                errors.append(
                    FieldError(
                        _at(number, "parent_code"),
                        _("Required: the code of the province (or, before 2025, district)."),
                    )
                )
        if parent_code and parent_code == code:
            errors.append(
                FieldError(_at(number, "parent_code"), _("A division cannot be its own parent."))
            )
        valid_from = _parse_date(cell.get("valid_from", ""), number, "valid_from", errors)
        valid_to = _parse_date(cell.get("valid_to", ""), number, "valid_to", errors)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(FieldError(_at(number, "valid_to"), _("Must not be before valid_from.")))
        rows.append(DivisionRow(number, code, name, kind, parent_code, valid_from, valid_to))
    if header is None:
        errors.append(FieldError(_at(max(header_line, 1), "header"), _("The file is empty.")))
    elif not rows and not errors:
        errors.append(
            FieldError(_at(header_line, "header"), _("The file has no division after its header."))
        )
    return rows, errors


def _check_parents(rows: list[DivisionRow], errors: list[FieldError]) -> dict[str, Division]:
    """Existing divisions the rows name (as themselves or as parents); reports unknown parents."""
    in_file = {r.code: r for r in rows}
    codes = set(in_file) | {r.parent_code for r in rows if r.parent_code}
    known = {d.code: d for d in Division.objects.filter(code__in=codes)}
    for row in rows:
        if not row.parent_code or row.kind not in DivisionKind.values:
            continue
        parent_kind: str | None = None
        if row.parent_code in in_file:
            parent_kind = in_file[row.parent_code].kind
        elif row.parent_code in known:
            parent_kind = known[row.parent_code].kind
        if parent_kind is None:
            errors.append(
                FieldError(
                    _at(row.line, "parent_code"),
                    _(
                        "No province or district has code %(code)r: load the provinces first "
                        "(motcua init) or add it to the file."
                    )
                    % {"code": row.parent_code},
                )
            )
        elif parent_kind not in _PARENT_KINDS[DivisionKind(row.kind)]:
            errors.append(
                FieldError(
                    _at(row.line, "parent_code"),
                    _("A %(kind)s cannot be under %(parent)s, which is a %(parent_kind)s.")
                    % {"kind": row.kind, "parent": row.parent_code, "parent_kind": parent_kind},
                )
            )
    return known


def _search_text(code: str, name: str) -> str:
    return fold(f"{code} {name}")


@transaction.atomic
def upsert_divisions(rows: list[DivisionRow]) -> UpsertResult:
    """Create or update divisions by code, parents before children; all or nothing."""
    errors: list[FieldError] = []
    known = _check_parents(rows, errors)
    if errors:
        raise ValidationFailed(_("The division list is not valid."), errors)
    result = UpsertResult()
    fields = ["name", "kind", "parent", "valid_from", "valid_to", "search_text"]
    for rank in sorted(set(_RANK.values())):
        batch = [r for r in rows if _RANK[DivisionKind(r.kind)] == rank]
        new: list[Division] = []
        changed: list[Division] = []
        for row in batch:
            values = {
                "name": row.name,
                "kind": row.kind,
                "parent": known[row.parent_code] if row.parent_code else None,
                "valid_from": row.valid_from,
                "valid_to": row.valid_to,
                "search_text": _search_text(row.code, row.name),
            }
            division = known.get(row.code)
            if division is None:
                new.append(Division(code=row.code, **values))
                result.created.append(row.code)
                continue
            if any(getattr(division, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(division, f, v)
                changed.append(division)
                result.updated.append(row.code)
            else:
                result.unchanged.append(row.code)
        # Bulk writes: the national list has 3,321 communes; one query per row would be slow.
        Division.objects.bulk_create(new, batch_size=500)
        Division.objects.bulk_update(changed, fields, batch_size=500)
        if new:
            known.update(
                (d.code, d) for d in Division.objects.filter(code__in=[d.code for d in new])
            )
    return result


def import_divisions_csv(text: str) -> UpsertResult:
    """Import the statistics office's list (CSV text); all or nothing, upsert by code."""
    rows, errors = parse_divisions_csv(text)
    if errors:
        # Report unknown parents too, so that one run shows every problem of the file.
        if rows:
            _check_parents(rows, errors)
        errors.sort(key=_line_number)
        raise ValidationFailed(_("The division file is not valid."), errors)
    return upsert_divisions(rows)


def _line_number(error: FieldError) -> int:
    match = re.match(r"line (\d+)", error.field)
    return int(match.group(1)) if match else 0


def data_text(name: str) -> str:
    """A data file shipped in ``motcua/agencies/data``."""
    return resources.files("motcua.agencies").joinpath("data", name).read_text(encoding="utf-8")


def load_provinces() -> UpsertResult:
    """The 34 provinces and centrally governed cities in force since 1 July 2025 (idempotent)."""
    return import_divisions_csv(data_text(PROVINCES_FILE))


def check_division(division: Division) -> list[FieldError]:
    """Every problem with one division as edited in the admin."""
    errors: list[FieldError] = []
    kind = division.kind
    if kind not in DivisionKind.values:
        errors.append(FieldError("kind", _("Unknown kind %(kind)r.") % {"kind": kind}))
        return errors
    digits = _CODE_DIGITS[DivisionKind(kind)]
    code = division.code or ""
    if not (code.isascii() and code.isdigit() and len(code) == digits):
        errors.append(
            FieldError(
                "code",
                _("A %(kind)s code has exactly %(n)s digits, not %(code)r.")
                % {"kind": kind, "n": digits, "code": code},
            )
        )
    elif Division.objects.filter(code=code).exclude(pk=division.pk).exists():
        errors.append(FieldError("code", _("Another division has code %(code)r.") % {"code": code}))
    if not (division.name or "").strip():
        errors.append(FieldError("name", _("Required.")))
    parent = division.parent if division.parent_id else None
    allowed = _PARENT_KINDS[DivisionKind(kind)]
    if parent is None and allowed:
        errors.append(
            FieldError("parent", _("Required: the province (or, before 2025, district)."))
        )
    elif parent is not None and parent.kind not in allowed:
        errors.append(
            FieldError(
                "parent",
                _("A %(kind)s cannot be under %(parent)s, which is a %(parent_kind)s.")
                % {"kind": kind, "parent": parent.code, "parent_kind": parent.kind},
            )
        )
    if division.valid_from and division.valid_to and division.valid_to < division.valid_from:
        errors.append(FieldError("valid_to", _("Must not be before valid_from.")))
    return errors


@transaction.atomic
def save_division(division: Division) -> Division:
    """Save one division edited in the admin."""
    errors = check_division(division)
    if errors:
        raise ValidationFailed(_("The division is not valid."), errors)
    division.name = division.name.strip()
    division.search_text = _search_text(division.code, division.name)
    division.save()
    return division
