"""Reads of the catalogue: search, detail, fields and statistics.

Search matches folded words against ``search_text`` with ``LIKE '%word%'`` — the same
semantics on SQLite and PostgreSQL, where a trigram index (migration 0003) serves it — and
orders by a binary collation of the folded name, so that both databases list results in the
same order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Collate
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Level
from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.core.text import fold, search_terms

from .canonical import LEVEL_ORDER, number, version_to_dict
from .models import AgencyScope, Field, OnlineLevel, Procedure, ProcedureVersion, Status
from .rules import channels, legal_hours, mandatory_parts

MAX_PAGE_SIZE = 100
ALL_STATUSES = tuple(Status.values)
PUBLIC_STATUSES = (Status.PUBLISHED.value, Status.RETIRED.value)


@dataclass(frozen=True)
class SearchPage:
    count: int
    page: int
    page_size: int
    items: list[dict[str, Any]]


def current_versions() -> QuerySet[ProcedureVersion]:
    """The current version of every procedure (one row per procedure)."""
    return ProcedureVersion.objects.filter(procedure__current_id=F("pk"))


def _binary(expression: Any) -> Any:
    """Byte order on both databases: PostgreSQL's locale collations ignore spaces and dots."""
    return Collate(expression, "C" if connection.vendor == "postgresql" else "BINARY")


def _level_filter(level: str) -> Q:
    # JSON containment is not available on SQLite; the levels come from a closed set of words,
    # so a match on the JSON text (["commune", "province"]) is exact on both databases.
    return Q(levels_text__contains=f'"{level}"')


def search_procedures(
    q: str | None = None,
    field: str | None = None,
    level: str | None = None,
    agency: str | None = None,
    online_level: str | None = None,
    status: str | None = Status.PUBLISHED,
    page: int = 1,
    page_size: int = 20,
    allowed_statuses: tuple[str, ...] = ALL_STATUSES,
) -> SearchPage:
    """Current versions matching every folded word of ``q`` and the filters, name matches
    first. ``status=None`` means any status in ``allowed_statuses``."""
    errors: list[FieldError] = []
    if status is not None and status not in allowed_statuses:
        errors.append(_one_of("status", allowed_statuses))
    if level is not None and level not in Level.values:
        errors.append(_one_of("level", LEVEL_ORDER))
    if online_level is not None and online_level not in OnlineLevel.values:
        errors.append(_one_of("online_level", OnlineLevel.values))
    if page < 1:
        errors.append(FieldError("page", _("Must be at least %(min)s.") % {"min": 1}))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.append(
            FieldError(
                "page_size",
                _("Between %(min)s and %(max)s.") % {"min": 1, "max": MAX_PAGE_SIZE},
            )
        )
    field_obj = Field.objects.filter(code=field).first() if field else None
    if field and field_obj is None:
        errors.append(FieldError("field", _("No field has code %(code)r.") % {"code": field}))
    agency_obj = Agency.objects.filter(code=agency).first() if agency else None
    if agency and agency_obj is None:
        errors.append(FieldError("agency", _("No agency has code %(code)r.") % {"code": agency}))
    if errors:
        raise ValidationFailed(_("The search filters are not valid."), errors)

    qs = current_versions().annotate(levels_text=Cast("levels", TextField()))
    qs = qs.filter(status__in=[status] if status else allowed_statuses)
    terms = search_terms(q or "")
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    if field_obj is not None:
        qs = qs.filter(field=field_obj)
    if level is not None:
        qs = qs.filter(_level_filter(level))
    if online_level is not None:
        qs = qs.filter(online_level=online_level)
    if agency_obj is not None:
        listed = ProcedureVersion.agencies.through.objects.filter(agency=agency_obj).values(
            "procedureversion_id"
        )
        qs = qs.filter(
            Q(agency_scope=AgencyScope.LISTED, pk__in=listed)
            | (Q(agency_scope=AgencyScope.LEVEL) & _level_filter(agency_obj.level))
        )

    count = qs.count()
    if terms:
        name_match = Q()
        for term in terms:
            name_match &= Q(search_name__contains=term)
        qs = qs.annotate(
            rank=Case(
                When(name_match, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("rank", _binary(F("search_name")), _binary(F("procedure__code")))
    else:
        qs = qs.order_by(_binary(F("search_name")), _binary(F("procedure__code")))
    start = (page - 1) * page_size
    # Only the columns of a summary: the long texts (sequence, legal basis) stay on disk.
    rows = qs.values(*_SUMMARY_COLUMNS)[start : start + page_size]
    return SearchPage(count, page, page_size, [_summary(v) for v in rows])


def _one_of(name: str, values: Any) -> FieldError:
    return FieldError(name, _("One of: %(values)s.") % {"values": ", ".join(values)})


_SUMMARY_COLUMNS = (
    "procedure__code",
    "name",
    "field__code",
    "field__name",
    "levels",
    "status",
    "version",
    "online_level",
    "postal",
    "processing_value",
    "processing_unit",
    "is_sample",
)


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": row["procedure__code"],
        "name": row["name"],
        "field": {"code": row["field__code"], "name": row["field__name"]},
        "levels": [lvl for lvl in LEVEL_ORDER if lvl in row["levels"]],
        "status": row["status"],
        "version": row["version"],
        "online_level": row["online_level"],
        "postal": row["postal"],
        "processing_time": {
            "value": number(row["processing_value"]),
            "unit": row["processing_unit"],
        },
        "sample": row["is_sample"],
    }


def procedure_detail(code: str, allowed_statuses: tuple[str, ...] = ALL_STATUSES) -> dict[str, Any]:
    """Everything about a procedure's current version, plus the 7-part check."""
    procedure = Procedure.objects.select_related("current").filter(code=code).first()
    version = procedure.current if procedure else None
    if procedure is None or version is None or version.status not in allowed_statuses:
        raise NotFound(_("There is no procedure with code %(code)r.") % {"code": code})
    version = ProcedureVersion.objects.select_related("procedure", "field").get(pk=version.pk)
    row = version_to_dict(version)
    names = dict(
        Agency.objects.filter(
            code__in=set(row["agencies"] or []) | {s["agency"] for s in row["workflow"]}
        ).values_list("code", "name")
    )
    parts = mandatory_parts(row)
    hours = legal_hours(version.processing_value, version.processing_unit)
    return {
        "code": row["code"],
        "name": row["name"],
        "version": version.version,
        "status": version.status,
        "published_at": version.published_at,
        "field": row["field"],
        "levels": row["level"],
        "legal_basis": row["legal_basis"],
        "effective_from": row["effective_from"],
        "effective_to": row["effective_to"],
        "sequence": row["sequence"],
        "method": {
            "channels": channels(row),
            "online_level": row["online_level"],
            "postal": row["postal"],
        },
        "target_groups": row["target_groups"],
        "agencies": {
            "scope": version.agency_scope,
            "items": [{"code": c, "name": names.get(c, "")} for c in row["agencies"] or []],
        },
        "processing_time": {**row["processing_time"], "hours": number(hours)},
        "cutoff": row["cutoff"],
        "supplement_policy": row["supplement_policy"],
        "supplement_limit_days": row["supplement_limit_days"],
        "fees": row["fees"],
        "documents": row["documents"],
        "result": row["result"],
        "workflow": [
            {
                **step,
                "position": i,
                "agency_name": names.get(step["agency"], "") if step["agency"] else None,
            }
            for i, step in enumerate(row["workflow"], start=1)
        ],
        "sample": row["sample"],
        "note": row["note"],
        "mandatory_parts": {**parts, "complete": all(parts.values())},
        "versions": [
            {"version": v.version, "status": v.status, "published_at": v.published_at}
            for v in procedure.versions.order_by("version")
            if v.status in allowed_statuses
        ],
    }


def list_fields(statuses: tuple[str, ...] = (Status.PUBLISHED.value,)) -> list[dict[str, Any]]:
    """Every field with the number of current procedures in it (in ``statuses``)."""
    counts = Counter(
        current_versions().filter(status__in=statuses).values_list("field_id", flat=True)
    )
    fields = sorted(Field.objects.all(), key=lambda f: (fold(f.name), f.code))
    return [{"code": f.code, "name": f.name, "procedures": counts.get(f.pk, 0)} for f in fields]


def _percent(part: int, whole: int) -> float | None:
    """Percent with two decimals, half rounded up; ``None`` when there is nothing to divide."""
    if whole == 0:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(value)


def catalogue_statistics(
    statuses: tuple[str, ...] = (Status.PUBLISHED.value,),
) -> dict[str, Any]:
    """Procedures per level and per field, and the share offered online (seed 002 quotes
    "1,286 province, 224 district in 14 fields, 117 commune in 13 fields"). A procedure of
    several levels counts once in each of them."""
    rows = list(
        current_versions()
        .filter(status__in=statuses)
        .values_list("levels", "field_id", "online_level")
    )
    fields = {f.pk: f for f in Field.objects.all()}
    per_level: dict[str, int] = Counter()
    level_fields: dict[str, set[int]] = {lvl: set() for lvl in LEVEL_ORDER}
    per_field: dict[int, Counter[str]] = {}
    online: Counter[str] = Counter()
    for levels, field_id, online_level in rows:
        for lvl in levels:
            per_level[lvl] += 1
            level_fields.setdefault(lvl, set()).add(field_id)
        per_field.setdefault(field_id, Counter())["total"] += 1
        for lvl in levels:
            per_field[field_id][lvl] += 1
        per_field[field_id][online_level] += 1
        online[online_level] += 1
    total = len(rows)
    return {
        "total": total,
        "by_level": [
            {"level": lvl, "procedures": per_level[lvl], "fields": len(level_fields[lvl])}
            for lvl in LEVEL_ORDER
        ],
        "by_field": [
            {
                "code": fields[fid].code,
                "name": fields[fid].name,
                "procedures": c["total"],
                "by_level": {lvl: c[lvl] for lvl in LEVEL_ORDER},
                "online": c[OnlineLevel.FULL] + c[OnlineLevel.PARTIAL],
            }
            for fid, c in sorted(per_field.items(), key=lambda item: fields[item[0]].code)
        ],
        "online": {
            "full": online[OnlineLevel.FULL],
            "partial": online[OnlineLevel.PARTIAL],
            "none": online[OnlineLevel.NONE],
            "full_share": _percent(online[OnlineLevel.FULL], total),
            "partial_share": _percent(online[OnlineLevel.PARTIAL], total),
            "online_share": _percent(online[OnlineLevel.FULL] + online[OnlineLevel.PARTIAL], total),
        },
    }
