"""The overdue dossiers of an agency and the agencies below it, most overdue first: open, clock
running, due time passed — one query on the queue index (competent agency × state × due time),
limited to what the official may see (``visible_dossiers``, the API's scoping)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_subtree
from motcua.clock.engine import WorkingCalendar
from motcua.dossiers.actor import Actor
from motcua.dossiers.api_render import remaining_hours
from motcua.dossiers.clockwork import calendar_for
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import visible_dossiers
from motcua.dossiers.states import RUNNING


def overdue_dossiers(actor: Actor, agency: Agency, now: datetime) -> QuerySet[Dossier]:
    # The ids, not a join on the agencies' paths: the IN list is what the index is built for.
    agencies = list(agency_subtree(agency).values_list("pk", flat=True))
    return (
        visible_dossiers(actor)
        .filter(competent_agency_id__in=agencies, state__in=RUNNING, due_at__lt=now)
        .select_related(
            "procedure_version",
            "competent_agency",
            "current_step",
            "current_step__agency",
            "current_step__assignee",
        )
        .order_by("due_at", "code")
    )


@dataclass(frozen=True)
class OverdueRow:
    dossier: Dossier
    # Working hours past the due time on the competent agency's calendar, as the workspace
    # counts them (None outside the years the calendar covers).
    hours: Decimal | None


def overdue_rows(dossiers: Iterable[Dossier], now: datetime) -> list[OverdueRow]:
    calendars: dict[int, WorkingCalendar] = {}
    rows = []
    for dossier in dossiers:
        agency = dossier.competent_agency
        if agency.pk not in calendars:
            calendars[agency.pk] = calendar_for(agency)
        value = remaining_hours(dossier, now, None, calendars[agency.pk])
        rows.append(OverdueRow(dossier, None if value is None else _amount(value)))
    return rows


def _amount(value: float) -> Decimal:
    """16, 3.5: as it reads (a template localises the separator)."""
    number = Decimal(str(round(abs(value), 1)))
    return number.quantize(Decimal(1)) if number == number.to_integral() else number
