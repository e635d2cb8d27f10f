"""The arguments of the period report, checked once for every interface (CLI, API, exports).

Every argument arrives as text (or already typed, from Python callers); every problem found is
reported together, one ``FieldError`` per argument, named as the API names it (``from``,
``as_of``, …); the CLI renames them to its options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, AgencyKind, Level
from motcua.agencies.selectors import official_scope
from motcua.catalog.models import Field, Procedure
from motcua.core.errors import FieldError, PermissionDenied, ValidationFailed
from motcua.core.localtime import parse_instant
from motcua.dossiers.states import Channel

from .scope import Period, Scope

SCOPE_KEYS = ("agency", "level", "field", "procedure", "channel")
BREAKDOWNS = ("agency", "level", "field", "procedure", "channel", "month")
# Far enough for any history; the bounds keep midnight arithmetic away from date.min/max.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class Named:
    code: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name}


@dataclass
class ReportArgs:
    """Parsed and checked arguments: what the report is about, and the names to show."""

    scope: Scope
    period: Period
    requested_as_of: datetime | None
    breakdown: str | None
    agency: Agency | None = None
    field: Named | None = None
    procedure: Named | None = None

    def scope_dict(self) -> dict[str, Any]:
        """The ``scope`` of the JSON report: resolved codes and names."""
        return {
            "agency": (
                {"code": self.agency.code, "name": self.agency.name, "level": self.agency.level}
                if self.agency
                else None
            ),
            "level": self.scope.level,
            "field": self.field.as_dict() if self.field else None,
            "procedure": self.procedure.as_dict() if self.procedure else None,
            "channel": self.scope.channel,
        }


def _one_of(values: tuple[str, ...] | list[str]) -> str:
    return _("One of: %(values)s.") % {"values": ", ".join(values)}


def parse_date(value: date | str | None, name: str, errors: list[FieldError]) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(FieldError(name, _("This argument is required.")))
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.append(
                FieldError(
                    name,
                    _("%(text)r is not a date (YYYY-MM-DD, e.g. 2024-06-30).") % {"text": value},
                )
            )
            return None
    if not FIRST_DAY <= value <= LAST_DAY:
        errors.append(
            FieldError(
                name,
                _("Dates go from %(first)s to %(last)s.")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        )
        return None
    return value


def parse_as_of(value: datetime | str | None, errors: list[FieldError]) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            return parse_instant(value.isoformat())
        return value
    if not value.strip():
        return None
    try:
        instant = parse_instant(value)
    except ValueError:
        errors.append(
            FieldError(
                "as_of",
                _(
                    "%(text)r is not an ISO 8601 instant "
                    "(e.g. 2026-03-10T08:00 or 2026-03-10T08:00+07:00)."
                )
                % {"text": value},
            )
        )
        return None
    if not FIRST_DAY.year <= instant.year <= LAST_DAY.year:
        errors.append(
            FieldError(
                "as_of",
                _("Dates go from %(first)s to %(last)s.")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        )
        return None
    return instant


def _text(scope_args: Mapping[str, Any], key: str) -> str | None:
    value = scope_args.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_args(
    scope_args: Mapping[str, Any] | None,
    date_from: date | str | None,
    date_to: date | str | None,
    as_of: datetime | str | None = None,
    breakdown: str | None = None,
) -> ReportArgs:
    """Check every argument; raise one ``ValidationFailed`` listing every problem found."""
    scope_args = scope_args or {}
    errors: list[FieldError] = []
    unknown = sorted(set(scope_args) - set(SCOPE_KEYS))
    errors += [FieldError(key, _("Unknown argument.")) for key in unknown]
    first = parse_date(date_from, "from", errors)
    last = parse_date(date_to, "to", errors)
    if first and last and first > last:
        errors.append(
            FieldError(
                "from",
                _("The period starts (%(first)s) after it ends (%(last)s).")
                % {"first": first.isoformat(), "last": last.isoformat()},
            )
        )
    requested = parse_as_of(as_of, errors)

    agency = field_named = procedure_named = None
    field_id = procedure_id = None
    code = _text(scope_args, "agency")
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            errors.append(FieldError("agency", _("No agency has code %(code)r.") % {"code": code}))
    level = _text(scope_args, "level")
    if level and level not in Level.values:
        errors.append(FieldError("level", _one_of(Level.values)))
    code = _text(scope_args, "field")
    if code:
        found = Field.objects.filter(code=code).first()
        if found is None:
            errors.append(FieldError("field", _("No field has code %(code)r.") % {"code": code}))
        else:
            field_id, field_named = found.pk, Named(found.code, found.name)
    code = _text(scope_args, "procedure")
    if code:
        procedure = Procedure.objects.select_related("current").filter(code=code).first()
        if procedure is None:
            errors.append(
                FieldError("procedure", _("No procedure has code %(code)r.") % {"code": code})
            )
        else:
            name = procedure.current.name if procedure.current else procedure.code
            procedure_id, procedure_named = procedure.pk, Named(procedure.code, name)
    channel = _text(scope_args, "channel")
    if channel and channel not in Channel.values:
        errors.append(FieldError("channel", _one_of(Channel.values)))
    breakdown = (breakdown or "").strip() or None
    if breakdown and breakdown not in BREAKDOWNS:
        errors.append(FieldError("breakdown", _one_of(BREAKDOWNS)))
    if errors or first is None or last is None:
        raise ValidationFailed(_("The report's arguments are not valid."), errors)
    return ReportArgs(
        scope=Scope(
            agency=agency,
            level=level,
            field_id=field_id,
            procedure_id=procedure_id,
            channel=channel,
        ),
        period=Period(first, last),
        requested_as_of=requested,
        breakdown=breakdown,
        agency=agency,
        field=field_named,
        procedure=procedure_named,
    )


# ----- what an official may report on --------------------------------------------------------
def for_official(user: Any, scope_args: Mapping[str, Any] | None) -> dict[str, Any]:
    """``scope_args`` with the agency an official may report on.

    An official reports on an agency only when the agency and everything below it is within its
    scope (a report on an agency covers its subtree). Without an agency, the one agency whose
    subtree is the official's whole scope is taken; a scope made of several unrelated agencies
    needs the agency named.
    """
    args = dict(scope_args or {})
    scope = official_scope(user)
    if scope.is_empty:
        raise PermissionDenied(_("Reports are for officials with a role at an agency."))
    allowed = scope.agency_ids()
    code = _text(args, "agency")
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is not None and not _subtree_within(agency, allowed):
            raise PermissionDenied(
                _("You may not report on %(code)s: it or an agency under it is outside your scope.")
                % {"code": code}
            )
        return args
    root = _single_root(allowed)
    if root is None:
        raise ValidationFailed(
            _("The report's arguments are not valid."),
            [FieldError("agency", _("Your scope covers several agencies: name one."))],
        )
    args["agency"] = root.code
    return args


def _subtree_ids(agency: Agency) -> set[int]:
    """The agencies a report on ``agency`` counts dossiers of. Service centres are left out: a
    report counts dossiers by competent agency and a centre only receives them, so a ward
    leader may report on the ward although the ward's centre is outside the leader's roles."""
    if not agency.path:
        return {agency.pk}
    return set(
        Agency.objects.filter(path__startswith=agency.path)
        .exclude(kind=AgencyKind.SERVICE_CENTRE)
        .exclude(pk=agency.pk)
        .values_list("pk", flat=True)
    ) | {agency.pk}


def _subtree_within(agency: Agency, allowed: frozenset[int]) -> bool:
    return agency.pk in allowed and _subtree_ids(agency) <= allowed


def _single_root(allowed: frozenset[int]) -> Agency | None:
    agencies = list(Agency.objects.filter(pk__in=allowed).order_by("path"))
    if not agencies:
        return None
    # Ordered by path, an agency whose subtree holds every other comes first.
    top = agencies[0]
    if all(a.path.startswith(top.path) for a in agencies) and _subtree_within(top, allowed):
        return top
    return None
