"""The figures of the role homes: what is waiting for this official, counted from the dossiers
it may see (``dossiers.selectors.visible_dossiers``, the API's scoping) — nothing else.

Each count is one indexed query (desk: centre × state; queue: agency × state × due time;
steps: agency × open), so a home stays fast with millions of dossiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from motcua.agencies.models import Role
from motcua.core.localtime import local_date, start_of_local_day
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier, DossierStep
from motcua.dossiers.selectors import visible_dossiers
from motcua.dossiers.states import OPEN, PAUSED, RUNNING

from .desk.queues import DeskCounts, desk_counts


@dataclass(frozen=True)
class DueCounts:
    """Open items by due state: past due, due later today, due later, clock stopped."""

    overdue: int = 0
    due_today: int = 0
    later: int = 0
    paused: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.due_today + self.later + self.paused


@dataclass(frozen=True)
class SpecialistHome:
    mine: DueCounts  # open steps assigned to me
    unassigned: int  # specialist steps of running dossiers at my agencies, nobody assigned


@dataclass(frozen=True)
class LeaderHome:
    open: DueCounts  # the agencies' open dossiers
    awaiting_decision: int  # dossiers at a leader step of my agencies


@dataclass(frozen=True)
class OverseerHome:
    open: DueCounts


def _end_of_today(now: datetime) -> datetime:
    return start_of_local_day(local_date(now) + timedelta(days=1))


def _due_counts(rows: QuerySet[Dossier], now: datetime) -> DueCounts:
    end_of_today = _end_of_today(now)
    running = Q(state__in=RUNNING)
    figures = rows.aggregate(
        overdue=Count("pk", filter=running & Q(due_at__lt=now)),
        due_today=Count("pk", filter=running & Q(due_at__gte=now, due_at__lt=end_of_today)),
        later=Count("pk", filter=running & (Q(due_at__gte=end_of_today) | Q(due_at=None))),
        paused=Count("pk", filter=Q(state__in=PAUSED)),
    )
    return DueCounts(**{k: v or 0 for k, v in figures.items()})


def _step_due_counts(steps: QuerySet[DossierStep], now: datetime) -> DueCounts:
    end_of_today = _end_of_today(now)
    running = Q(dossier__state__in=RUNNING)
    figures = steps.aggregate(
        overdue=Count("pk", filter=running & Q(due_at__lt=now)),
        due_today=Count("pk", filter=running & Q(due_at__gte=now, due_at__lt=end_of_today)),
        later=Count("pk", filter=running & (Q(due_at__gte=end_of_today) | Q(due_at=None))),
        paused=Count("pk", filter=Q(dossier__state__in=PAUSED)),
    )
    return DueCounts(**{k: v or 0 for k, v in figures.items()})


def _open_steps(actor: Actor) -> QuerySet[DossierStep]:
    return DossierStep.objects.filter(
        ended_at__isnull=True,
        dossier__in=visible_dossiers(actor).filter(state__in=OPEN).values("pk"),
    )


def receiver_home(actor: Actor, now: datetime) -> DeskCounts:
    """The desk home's own counts (one indexed count per queue of the desk)."""
    return desk_counts(actor, now)


def specialist_home(actor: Actor, now: datetime) -> SpecialistHome:
    agencies = actor.agencies_with(Role.SPECIALIST)
    steps = _open_steps(actor)
    mine = _step_due_counts(steps.filter(assignee=actor.user), now)
    # Waiting for the applicant is nobody's work: only running dossiers need an assignee.
    unassigned = steps.filter(
        assignee__isnull=True,
        role=Role.SPECIALIST,
        agency_id__in=agencies,
        dossier__state__in=RUNNING,
    ).count()
    return SpecialistHome(mine=mine, unassigned=unassigned)


def leader_home(actor: Actor, now: datetime) -> LeaderHome:
    agencies = actor.agencies_with(Role.LEADER)
    rows = visible_dossiers(actor).filter(competent_agency_id__in=agencies, state__in=OPEN)
    awaiting = (
        _open_steps(actor)
        .filter(role=Role.LEADER, agency_id__in=agencies, dossier__state__in=RUNNING)
        .values("dossier")
        .distinct()
        .count()
    )
    return LeaderHome(open=_due_counts(rows, now), awaiting_decision=awaiting)


def overseer_home(actor: Actor, now: datetime) -> OverseerHome:
    """Inspectors and administrators: the open dossiers of everything they oversee."""
    rows = visible_dossiers(actor).filter(state__in=OPEN)
    return OverseerHome(open=_due_counts(rows, now))
