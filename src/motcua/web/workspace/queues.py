"""The queues of the workspace: "my work", "my agency's queue" and the search over every dossier
the official may see.

Each is ``dossiers.selectors.visible_dossiers(actor)`` (the API's scope) narrowed by a queue
condition, then filtered by the API's own filter code (``dossiers.api_queries.filter_dossiers``),
so a queue never holds a dossier the API would not show. A page is one query plus one count,
with what the table shows loaded by joins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from motcua.agencies.models import Role
from motcua.agencies.selectors import Page, paginate
from motcua.clock.engine import WorkingCalendar
from motcua.core.localtime import local_date, start_of_local_day
from motcua.dossiers.actor import ACTING_ROLES, Actor
from motcua.dossiers.api_queries import LIST_RELATIONS, filter_dossiers, ordering_key
from motcua.dossiers.api_render import remaining_hours
from motcua.dossiers.clockwork import calendar_for
from motcua.dossiers.models import Dossier, DossierStep
from motcua.dossiers.schemas import DossierFilters
from motcua.dossiers.selectors import visible_dossiers
from motcua.dossiers.states import OPEN, PAUSED, RUNNING

from ..views.lookup import due_state

MINE, AGENCY, ALL = "mine", "agency", "all"
# Due states a queue can be narrowed to (the traffic light's words).
OVERDUE, DUE_TODAY, WITHIN, PAUSED_STATE = "overdue", "due_today", "within", "paused"
DUE_STATES = (OVERDUE, DUE_TODAY, WITHIN, PAUSED_STATE)


@dataclass(frozen=True)
class HoursLeft:
    """Working hours to the due time (negative once past), or left when the clock stopped."""

    value: float | None
    paused: bool = False
    # Past the due time, even if no working time has run since (due at 17:00, now 17:30).
    overdue: bool = False

    @property
    def over(self) -> bool:
        return self.overdue or (self.value is not None and self.value < 0)

    @property
    def amount(self) -> Decimal | None:
        """The size, as it reads: 16, 3.5, 0.25 (a template localises the separator)."""
        if self.value is None:
            return None
        number = Decimal(str(round(abs(self.value), 2)))
        return number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()


def hours_left(
    dossier: Dossier,
    now: datetime,
    paused_at: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> HoursLeft:
    overdue = dossier.state in RUNNING and dossier.due_at is not None and dossier.due_at < now
    return HoursLeft(
        remaining_hours(dossier, now, paused_at, calendar), dossier.state in PAUSED, overdue
    )


@dataclass(frozen=True)
class Row:
    """One line of a queue: the dossier, its open step, its traffic light and time left."""

    dossier: Dossier
    step: DossierStep | None
    due_state: str
    hours: HoursLeft
    mine: bool


def queues_for(actor: Actor) -> list[str]:
    """The queues an official has: its own work when it acts somewhere, its agency's when it
    leads one, and the search always (inspectors and administrators only search)."""
    queues = []
    if any(actor.scope.writable_agency_ids(role) for role in ACTING_ROLES):
        queues.append(MINE)
    if actor.scope.writable_agency_ids(Role.LEADER):
        queues.append(AGENCY)
    queues.append(ALL)
    return queues


def my_work(actor: Actor) -> Q:
    """Open steps at an agency where the official holds the step's role, assigned to it or to
    nobody (a leader watches the others' in its agency's queue)."""
    condition = Q(pk__in=[])
    for role in ACTING_ROLES:
        agencies = actor.scope.writable_agency_ids(role)
        if agencies:
            condition |= Q(current_step__role=role, current_step__agency_id__in=agencies)
    user_id = actor.user.pk if actor.user is not None else None
    return (
        condition
        & Q(current_step__ended_at__isnull=True)
        & (Q(current_step__assignee_id=user_id) | Q(current_step__assignee__isnull=True))
    )


def agency_queue(actor: Actor) -> Q:
    """Everything at the agencies the official leads: dossiers they resolve, and dossiers whose
    open step is there (an inter-agency step sent to them)."""
    agencies = actor.scope.writable_agency_ids(Role.LEADER)
    return Q(competent_agency_id__in=agencies) | Q(
        current_step__agency_id__in=agencies, current_step__ended_at__isnull=True
    )


def end_of_local_day(now: datetime) -> datetime:
    return start_of_local_day(local_date(now) + timedelta(days=1))


def _by_due_state(queryset: QuerySet[Dossier], due: str, now: datetime) -> QuerySet[Dossier]:
    """The words of the traffic light as a filter: exactly the rows that show them."""
    end = end_of_local_day(now)
    if due == DUE_TODAY:
        return queryset.filter(state__in=RUNNING, due_at__gte=now, due_at__lt=end)
    if due == WITHIN:
        return queryset.filter(state__in=RUNNING, due_at__gte=end)
    return queryset  # overdue and paused are the API's own filters


def light(dossier: Dossier, now: datetime) -> str:
    """The traffic light of a dossier: paused, or where it stands against its due time while
    open, or its timeliness once resolved."""
    if dossier.state in PAUSED:
        return PAUSED_STATE
    if dossier.state in RUNNING:
        return due_state(None, None, dossier.due_at, now)
    if dossier.resolved_at is None:
        return ""
    return due_state(dossier.timeliness, dossier.resolved_at, dossier.due_at, now)


def queue_page(
    actor: Actor, queue: str, filters: DossierFilters, due: str, now: datetime
) -> Page[Row]:
    """One page of a queue, filtered and sorted; ``ValidationFailed`` names a bad filter."""
    queryset = visible_dossiers(actor)
    if queue == MINE:
        queryset = queryset.filter(my_work(actor))
    elif queue == AGENCY:
        queryset = queryset.filter(agency_queue(actor))
        if not filters.state:
            queryset = queryset.filter(state__in=OPEN)
    queryset = _by_due_state(filter_dossiers(queryset, filters, now), due, now)
    order: list[object] = [ordering_key(filters.ordering), "pk"]
    user_id = actor.user.pk if actor.user is not None else None
    if queue == MINE:
        # Assigned to me first, then the unassigned steps I could take.
        queryset = queryset.alias(
            not_mine=Case(
                When(current_step__assignee_id=user_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order.insert(0, "not_mine")
    queryset = queryset.select_related(
        *LIST_RELATIONS, "competent_agency__calendar", "current_step__assignee"
    ).order_by(*order)  # type: ignore[arg-type]
    page = paginate(queryset, filters.page, filters.page_size)
    return Page(page.count, page.page, page.page_size, rows(page.items, now, user_id))


def rows(dossiers: Sequence[Dossier], now: datetime, user_id: int | None) -> list[Row]:
    result = []
    calendars: dict[int | None, WorkingCalendar] = {}
    for dossier in dossiers:
        agency = dossier.competent_agency
        if agency.calendar_id not in calendars:
            calendars[agency.calendar_id] = calendar_for(agency)
        step = dossier.current_step
        if step is not None and step.ended_at is not None:
            step = None
        result.append(
            Row(
                dossier=dossier,
                step=step,
                due_state=light(dossier, now),
                # While paused, the hours left when the clock stopped (stored with the pause).
                hours=hours_left(dossier, now, None, calendars[agency.calendar_id]),
                mine=step is not None and user_id is not None and step.assignee_id == user_id,
            )
        )
    return result
