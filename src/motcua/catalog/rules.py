"""Publishing rules of a procedure version, on its canonical dict (``canonical.py``).

The importer applies them to incoming procedures whose status is ``published``, ``publish``
to a stored draft, and the detail selector reports the 7 mandatory parts — one implementation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from motcua.agencies.models import Role
from motcua.core.errors import FieldError

from .models import OnlineLevel, TimeUnit

HOURS_PER_DAY = 8
# Roles that handle a dossier at a step; the admin roles and the inspector never hold one.
STEP_ROLES = (Role.RECEIVER, Role.SPECIALIST, Role.LEADER)
MANDATORY_PARTS = (
    "name",
    "sequence",
    "method",
    "documents",
    "processing_time",
    "target_groups",
    "agencies",
)


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def legal_hours(value: Decimal, unit: str) -> Decimal:
    """The legal processing time in working hours (1 working day = 8 working hours)."""
    return value * HOURS_PER_DAY if unit == TimeUnit.WORKING_DAYS else value


def channels(row: dict[str, Any]) -> list[str]:
    """The method (cách thức thực hiện): the desk always, online and post when offered."""
    result = ["counter"]
    if row["online_level"] != OnlineLevel.NONE:
        result.append("online")
    if row["postal"]:
        result.append("postal")
    return result


def mandatory_parts(row: dict[str, Any]) -> dict[str, bool]:
    """Which of the 7 mandatory published parts a procedure has (the service index counts it)."""
    return {
        "name": bool(row["name"].strip()),
        "sequence": bool(row["sequence"].strip()),
        "method": bool(channels(row)),
        "documents": bool(row["documents"]),
        "processing_time": bool(row["processing_time"]["value"]),
        "target_groups": bool(row["target_groups"]),
        # ``None`` means every agency of the procedure's level, which names them all.
        "agencies": row["agencies"] is None or bool(row["agencies"]),
    }


def publication_problems(row: dict[str, Any], prefix: str = "") -> list[FieldError]:
    """Why ``row`` may not be published; empty when it may."""
    problems: list[FieldError] = []
    parts = mandatory_parts(row)
    messages = {
        "name": _("Required to publish: the name is one of the 7 mandatory published parts."),
        "sequence": _(
            "Required to publish: the sequence of steps for the applicant is one of the "
            "7 mandatory published parts."
        ),
        "method": _("Required to publish: at least one channel."),
        "documents": _(
            "Required to publish: at least one document (the dossier components are one of "
            "the 7 mandatory published parts)."
        ),
        "processing_time": _("Required to publish: the processing time."),
        "target_groups": _(
            "Required to publish: at least one target group (one of the 7 mandatory "
            "published parts)."
        ),
        "agencies": _(
            "Required to publish: at least one implementing agency; leave the key out to "
            "mean every agency of the procedure's level."
        ),
    }
    for part in MANDATORY_PARTS:
        if not parts[part]:
            problems.append(FieldError(join(prefix, part), messages[part]))
    steps = row["workflow"]
    where = join(prefix, "workflow")
    if not steps:
        problems.append(FieldError(where, _("A procedure without a workflow cannot be published.")))
        return problems
    total = sum((Decimal(str(s["hours"])) for s in steps), Decimal(0))
    value = Decimal(str(row["processing_time"]["value"]))
    unit = row["processing_time"]["unit"]
    legal = legal_hours(value, unit)
    if total != legal:
        problems.append(
            FieldError(
                where,
                _(
                    "The step hours add up to %(steps)s working hours but the legal processing "
                    "time is %(legal)s working hours (%(value)s %(unit)s); they must be equal."
                )
                % {
                    "steps": _plain(total),
                    "legal": _plain(legal),
                    "value": _plain(value),
                    "unit": unit,
                },
            )
        )
    for i, step in enumerate(steps):
        if step["role"] not in STEP_ROLES:
            problems.append(
                FieldError(
                    f"{where}[{i}].role",
                    _("One of: %(values)s.") % {"values": ", ".join(STEP_ROLES)},
                )
            )
    return problems


def _plain(value: Decimal) -> str:
    """``40`` rather than ``40.00`` in messages."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
