"""Writes to reception points (điểm tiếp nhận), the desks of a service centre."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, ValidationFailed

from ..models import Agency, AgencyKind, ReceptionPoint
from .agencies import UpsertResult

POINT_KEYS = {"agency", "code", "name", "address", "is_active"}
_CODE_MAX = ReceptionPoint._meta.get_field("code").max_length or 50
_NAME_MAX = ReceptionPoint._meta.get_field("name").max_length or 300
_ADDRESS_MAX = ReceptionPoint._meta.get_field("address").max_length or 300


def _centre_problem(agency: Agency | None) -> str | None:
    if agency is None:
        return _("Required.")
    if agency.kind != AgencyKind.SERVICE_CENTRE:
        # Receipts name the receiving centre; a desk outside a centre would have none.
        return _("Reception points belong to a service centre; %(code)s is not one.") % {
            "code": agency.code
        }
    return None


def check_reception_point(point: ReceptionPoint) -> list[FieldError]:
    """Every problem with one reception point as edited."""
    errors: list[FieldError] = []
    agency = Agency.objects.filter(pk=point.agency_id).first() if point.agency_id else None
    problem = _centre_problem(agency)
    if problem:
        errors.append(FieldError("agency", problem))
    code = (point.code or "").strip()
    if not code:
        errors.append(FieldError("code", _("Required, a non-empty text.")))
    elif (
        agency is not None
        and ReceptionPoint.objects.filter(agency=agency, code=code).exclude(pk=point.pk).exists()
    ):
        errors.append(
            FieldError(
                "code",
                _("This service centre already has a reception point %(code)r.") % {"code": code},
            )
        )
    if not (point.name or "").strip():
        errors.append(FieldError("name", _("Required, a non-empty text.")))
    return errors


@transaction.atomic
def save_reception_point(point: ReceptionPoint) -> ReceptionPoint:
    """Save one reception point edited elsewhere (the admin)."""
    errors = check_reception_point(point)
    if errors:
        raise ValidationFailed(_("The reception point is not valid."), errors)
    point.code = point.code.strip()
    point.name = point.name.strip()
    point.save()
    return point


def _text(row: dict[str, Any], key: str, where: str, limit: int, errors: list[FieldError]) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(f"{where}.{key}", _("Expected a text.")))
        return ""
    if len(value.strip()) > limit:
        errors.append(FieldError(f"{where}.{key}", _("At most %(n)s characters.") % {"n": limit}))
    return value.strip()


@transaction.atomic
def upsert_reception_points(rows: Any, prefix: str = "reception_points") -> UpsertResult:
    """Create or update reception points by (service centre code, point code); all or nothing.

    A row is ``{"agency": "000.00.01.H20", "code": "Q1", "name": "Quầy 1 – …", "address": "…",
    "is_active": true}``; ``address`` and ``is_active`` (default true) are optional.
    """
    if not isinstance(rows, list):
        raise ValidationFailed(
            _("The reception point list is not valid."),
            [FieldError(prefix, _("Expected a list of reception points."))],
        )
    errors: list[FieldError] = []
    agency_codes = {r.get("agency") for r in rows if isinstance(r, dict)}
    centres = {
        a.code: a
        for a in Agency.objects.filter(code__in=[c for c in agency_codes if isinstance(c, str)])
    }
    clean: list[tuple[Agency, str, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        where = f"{prefix}[{i}]"
        if not isinstance(row, dict):
            errors.append(FieldError(where, _("Expected an object.")))
            continue
        for key in sorted(set(row) - POINT_KEYS):
            errors.append(FieldError(f"{where}.{key}", _("Unknown key.")))
        agency_code = row.get("agency")
        agency = centres.get(agency_code) if isinstance(agency_code, str) else None
        if isinstance(agency_code, str) and agency_code and agency is None:
            errors.append(
                FieldError(
                    f"{where}.agency", _("No agency has code %(code)r.") % {"code": agency_code}
                )
            )
        else:
            problem = _centre_problem(agency)
            if problem:
                errors.append(FieldError(f"{where}.agency", problem))
        code = _text(row, "code", where, _CODE_MAX, errors)
        name = _text(row, "name", where, _NAME_MAX, errors)
        address = _text(row, "address", where, _ADDRESS_MAX, errors)
        for key, value in (("code", code), ("name", name)):
            if not value:
                errors.append(FieldError(f"{where}.{key}", _("Required, a non-empty text.")))
        is_active = row.get("is_active", True)
        if not isinstance(is_active, bool):
            errors.append(FieldError(f"{where}.is_active", _("Expected true or false.")))
        if agency is not None and code:
            key = (agency.code, code)
            if key in seen:
                errors.append(
                    FieldError(
                        f"{where}.code",
                        _("Duplicate of %(other)s.") % {"other": f"{prefix}[{seen[key]}]"},
                    )
                )
            seen[key] = i
            clean.append((agency, code, {"name": name, "address": address, "is_active": is_active}))
    if errors:
        raise ValidationFailed(_("The reception point list is not valid."), errors)

    result = UpsertResult()
    existing = {
        (p.agency_id, p.code): p
        for p in ReceptionPoint.objects.filter(agency__in=[a for a, _c, _v in clean])
    }
    for agency, code, values in clean:
        point = existing.get((agency.pk, code))
        label = f"{agency.code}/{code}"
        if point is None:
            ReceptionPoint.objects.create(agency=agency, code=code, **values)
            result.created.append(label)
            continue
        changed = [f for f, v in values.items() if getattr(point, f) != v]
        for f in changed:
            setattr(point, f, values[f])
        if changed:
            point.save(update_fields=changed)
            result.updated.append(label)
        else:
            result.unchanged.append(label)
    return result
