"""One line of a dossier file (interfaces.md, "Dossier file"): parsed and checked on its own.

Checks that need other lines or the database (code uniqueness) or the calendar in bulk (due
times) are made by the caller on a whole batch; everything else is here, and every problem of a
line is reported, one ``FieldError`` per field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from motcua.core.errors import FieldError

from ..services.applicant import read_applicant
from ..services.fields import Reader
from ..states import Channel, Outcome, PauseKind
from .lookups import AgencyInfo, Lookups, VersionInfo

KEYS = frozenset(
    {
        "code",
        "procedure",
        "agency",
        "channel",
        "received_at",
        "due_at",
        "resolved_at",
        "outcome",
        "returned_at",
        "pauses",
        "applicant",
    }
)
APPLICANT_KEYS = frozenset({"kind", "name", "national_id", "phone", "email", "address"})
PAUSE_KEYS = frozenset({"start", "end", "kind"})
CHANNELS = tuple(Channel.values)
OUTCOMES = tuple(Outcome.values)
PAUSE_KINDS = tuple(PauseKind.values)
# Outcomes that produce a result, which is handed over (returned_at).
WITH_RESULT = frozenset({Outcome.APPROVED, Outcome.REFUSED})
# {competent agency code}-{YYMMDD}-{NNNN} (Circular 03/2025, Art. 13): at least 4 digits.
CODE = re.compile(r"(?P<agency>[0-9A-Za-z][0-9A-Za-z.]{0,34})-(?P<day>\d{6})-(?P<number>\d{4,9})")
_EPOCH = date(1970, 1, 1).toordinal()
_US = timedelta(microseconds=1)
_UTC_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
_LOCAL_US = 7 * 3600 * 1_000_000
_DAY_US = 86_400 * 1_000_000


def local_day(us: int) -> date:
    """The local (UTC+7) date of an instant in µs since the epoch."""
    return date.fromordinal(_EPOCH + (us + _LOCAL_US) // _DAY_US)


@dataclass(slots=True)
class Line:
    """A line that passed every check made on its own."""

    line: int
    code: str
    code_agency: str
    code_day: date
    code_number: int
    version: VersionInfo
    agency: AgencyInfo
    channel: str
    received_us: int
    due_us: int | None  # as given in the file
    resolved_us: int | None
    returned_us: int | None
    outcome: str
    pauses: list[tuple[str, int, int | None]]  # (kind, start, end or None), by start
    applicant: dict[str, str]
    # Derived by ``timing`` for the whole batch.
    state: str = ""
    dossier_due_us: int | None = None
    event_due_us: int | None = None
    remaining_hours: Any = None
    timeliness: str = ""
    restarted_us: int | None = None
    supplement_due_us: int | None = None


class _Errors(list[FieldError]):
    def add(self, name: str, message: str) -> None:
        self.append(FieldError(name, message))


def _text(obj: dict[str, Any], key: str, errors: _Errors) -> str:
    value = obj.get(key)
    if value is None or value == "":
        errors.add(key, _("This field is required."))
        return ""
    if not isinstance(value, str):
        errors.add(key, _("Expected a text."))
        return ""
    return value.strip()


def _instant(value: Any, name: str, errors: _Errors, required: bool = False) -> int | None:
    if value is None:
        if required:
            errors.add(name, _("This field is required."))
        return None
    if not isinstance(value, str):
        errors.add(name, _("Expected an ISO 8601 date-time."))
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors.add(name, _("Expected an ISO 8601 date-time."))
        return None
    if parsed.tzinfo is None:
        errors.add(name, _("An instant needs a UTC offset, e.g. 2026-01-05T09:12:00+07:00."))
        return None
    return (parsed - _UTC_EPOCH) // _US


def decode(number: int, raw: bytes) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """JSON of one line; an object or the reason it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [FieldError("json", _("Not UTF-8 text: %(reason)s") % {"reason": exc})]
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            FieldError(
                "json",
                _("Not valid JSON: %(reason)s (column %(column)s).")
                % {"reason": exc.msg, "column": exc.colno},
            )
        ]
    except RecursionError:
        return None, [FieldError("json", _("Not valid JSON: nested too deeply."))]
    if not isinstance(obj, dict):
        return None, [FieldError("json", _("A line must be a JSON object (one dossier)."))]
    return obj, []


def check(number: int, obj: dict[str, Any], lookups: Lookups, now_us: int) -> Line | _Errors:
    """Every check of one dossier that needs neither the other lines nor the database."""
    errors = _Errors()
    for key in obj.keys() - KEYS:
        errors.add(key, _("Unknown key."))

    code = _text(obj, "code", errors)
    code_match = CODE.fullmatch(code) if code else None
    code_day = date.min
    if code and code_match is None:
        errors.add(
            "code",
            _("A dossier code looks like {agency code}-{YYMMDD}-{NNNN}, e.g. %(example)s.")
            % {"example": "000.00.00.H30-260105-0001"},
        )
    elif code_match is not None:
        digits = code_match["day"]
        try:
            code_day = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
        except ValueError:
            errors.add("code", _("%(digits)s is not a date (YYMMDD).") % {"digits": digits})

    channel = _text(obj, "channel", errors)
    if channel and channel not in CHANNELS:
        errors.add("channel", _("One of: %(values)s.") % {"values": ", ".join(CHANNELS)})
    outcome_value = obj.get("outcome")
    outcome = ""
    if outcome_value is not None:
        if outcome_value not in OUTCOMES:
            errors.add("outcome", _("One of: %(values)s.") % {"values": ", ".join(OUTCOMES)})
        else:
            outcome = outcome_value

    received = _instant(obj.get("received_at"), "received_at", errors, required=True)
    due = _instant(obj.get("due_at"), "due_at", errors)
    resolved = _instant(obj.get("resolved_at"), "resolved_at", errors)
    returned = _instant(obj.get("returned_at"), "returned_at", errors)
    if received is not None:
        if received > now_us:
            errors.add("received_at", _("Must not be in the future."))
        if due is not None and due < received:
            errors.add("due_at", _("Must not be before received_at."))
    resolved_given = obj.get("resolved_at") is not None
    if outcome_value is not None and not resolved_given:
        errors.add("resolved_at", _("Required when the dossier has an outcome."))
    if outcome_value is None and resolved_given:
        errors.add("resolved_at", _("Must be null while the dossier is open (no outcome)."))
    if resolved is not None:
        if received is not None and resolved < received:
            errors.add("resolved_at", _("Must not be before received_at."))
        if resolved > now_us:
            errors.add("resolved_at", _("Must not be in the future."))
    if obj.get("returned_at") is not None:
        if outcome_value is not None and outcome_value not in WITH_RESULT:
            errors.add("returned_at", _("Only a result (approved or refused) is returned."))
        elif outcome_value is None:
            errors.add("returned_at", _("Must be null while the dossier is open (no outcome)."))
        if returned is not None:
            if resolved is not None and returned < resolved:
                errors.add("returned_at", _("Must not be before resolved_at."))
            if returned > now_us:
                errors.add("returned_at", _("Must not be in the future."))

    pauses = _pauses(obj.get("pauses"), received, resolved, resolved_given, now_us, errors)
    version, agency = _procedure_and_agency(obj, received, lookups, errors)
    applicant = _applicant(obj.get("applicant"), errors)

    if errors:
        return errors
    assert code_match is not None and received is not None
    assert version is not None and agency is not None
    return Line(
        line=number,
        code=code,
        code_agency=code_match["agency"],
        code_day=code_day,
        code_number=int(code_match["number"]),
        version=version,
        agency=agency,
        channel=channel,
        received_us=received,
        due_us=due,
        resolved_us=resolved,
        returned_us=returned,
        outcome=outcome,
        pauses=pauses,
        applicant=applicant,
    )


def _procedure_and_agency(
    obj: dict[str, Any], received: int | None, lookups: Lookups, errors: _Errors
) -> tuple[VersionInfo | None, AgencyInfo | None]:
    procedure = _text(obj, "procedure", errors)
    agency_code = _text(obj, "agency", errors)
    version = None
    if procedure and procedure not in lookups.procedures:
        if procedure in lookups.procedure_codes:
            message = _("Procedure %(code)s has no published version.")
        else:
            message = _("No procedure has code %(code)r.")
        errors.add("procedure", message % {"code": procedure})
    elif procedure and received is not None:
        version = lookups.version_for(procedure, local_day(received))
    agency = lookups.agencies.get(agency_code) if agency_code else None
    if agency_code and agency is None:
        errors.add("agency", _("No agency has code %(code)r.") % {"code": agency_code})
    if version is not None and agency is not None and not lookups.eligible(version, agency):
        errors.add(
            "agency", _("%(agency)s does not resolve this procedure.") % {"agency": agency.name}
        )
    return version, agency


def _pauses(
    value: Any,
    received: int | None,
    resolved: int | None,
    resolved_given: bool,
    now_us: int,
    errors: _Errors,
) -> list[tuple[str, int, int | None]]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("pauses", _("Expected a list."))
        return []
    out: list[tuple[str, int, int | None, int]] = []
    limit = resolved if resolved is not None else now_us
    for i, item in enumerate(value):
        where = f"pauses[{i}]"
        if not isinstance(item, dict):
            errors.add(where, _("Expected an object."))
            continue
        count = len(errors)
        for key in item.keys() - PAUSE_KEYS:
            errors.add(f"{where}.{key}", _("Unknown key."))
        kind = item.get("kind")
        if kind not in PAUSE_KINDS:
            errors.add(
                f"{where}.kind", _("One of: %(values)s.") % {"values": ", ".join(PAUSE_KINDS)}
            )
        start = _instant(item.get("start"), f"{where}.start", errors, required=True)
        end = _instant(item.get("end"), f"{where}.end", errors)
        if start is not None and end is not None and end < start:
            errors.add(f"{where}.end", _("Must not be before start."))
        if start is not None and received is not None and start < received:
            errors.add(f"{where}.start", _("A pause must not start before received_at."))
        if end is not None and end > limit:
            errors.add(
                f"{where}.end",
                _("A pause must end by resolved_at.")
                if resolved is not None
                else _("Must not be in the future."),
            )
        if start is not None and start > limit:
            errors.add(
                f"{where}.start",
                _("A pause must start by resolved_at.")
                if resolved is not None
                else _("Must not be in the future."),
            )
        if item.get("end") is None and resolved_given:
            errors.add(f"{where}.end", _("A resolved dossier cannot have an open pause."))
        if len(errors) == count and start is not None:
            out.append((str(kind), start, end, i))
    out.sort(key=lambda p: p[1])
    open_seen = False
    previous_end: int | None = None
    for _kind, start, end, i in out:
        if open_seen:
            errors.add(f"pauses[{i}].start", _("Pauses must not overlap: one is still open."))
            continue
        if previous_end is not None and start < previous_end:
            errors.add(f"pauses[{i}].start", _("Pauses must not overlap."))
        if end is None:
            open_seen = True
        else:
            previous_end = end
    return [(kind, start, end) for kind, start, end, _i in out]


def _applicant(value: Any, errors: _Errors) -> dict[str, str]:
    if isinstance(value, dict):
        for key in value.keys() - APPLICANT_KEYS:
            errors.add(f"applicant.{key}", _("Unknown key."))
    read = Reader({"applicant": value})
    applicant = read_applicant(read)
    errors.extend(read.errors)
    return applicant
