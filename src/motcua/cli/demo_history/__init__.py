"""The demo province's history: months of simulated activity, so that the dashboard, the
statistics, the bottlenecks and the queues of the demo have something to show.

``seed_history`` plans the dossiers of the window (``model``), imports the older ones and those
of most agencies through the history import (``past``), then replays the recent weeks of the
showcase agencies — the ones the demo logins work at, and the provincial procedures — through
``intake`` and ``perform`` (``recent``), and rebuilds the aggregates of the replayed range.
Deterministic (fixed seed, the same ``now`` gives the same codes) and run once: a database that
already holds dossiers is left alone.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from motcua.agencies.models import Agency, AgencyKind
from motcua.catalog.models import AgencyScope, Procedure, Status, StepAgency, WorkflowStep
from motcua.clock.engine import HOUR_US, from_us, parse_hhmm, to_us
from motcua.clock.selectors import working_calendar
from motcua.core.localtime import local_date
from motcua.dossiers.models import Dossier
from motcua.stats import sweep  # connects the rebuild to ``history_imported``

from .model import Generator, Sim, Version
from .past import import_sims
from .recent import Replay, replay_all

DEFAULT_SEED = 20250701  # the date the two-level local government started; any fixed value
DEFAULT_MONTHS = 3
DEFAULT_RECENT_DAYS = 4
# The commune of the demo logins (mytho.*); the provincial procedures are replayed too.
SHOWCASE_COMMUNES = ("012.50.00.H20",)
TAX_OFFICE = "000.00.30.H20"


@dataclass
class HistoryResult:
    skipped: bool = False
    imported: int = 0
    replayed: int = 0
    replay_refused: int = 0
    refusals: list[str] = field(default_factory=list)
    officials_created: int = 0
    states: Counter[str] = field(default_factory=Counter)
    first_day: str = ""
    last_day: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


def _step_agency(step: WorkflowStep, kinds: dict[str, str]) -> str | None:
    """The agency a step runs at when it is not the competent one or the desk: named by the
    workflow, or — for a step at an agency of some kind — the one the official would choose
    (the province's tax office for the tax steps, the sample's only vertical agency asked)."""
    if step.agency_mode == StepAgency.NAMED and step.agency is not None:
        return str(step.agency.code)
    if step.agency_mode == StepAgency.KIND:
        return kinds.get(step.agency_kind)
    return None


def load_versions() -> dict[str, Version]:
    """The published versions of the catalogue, as the simulation sees them."""
    versions: dict[str, Version] = {}
    procedures = Procedure.objects.filter(current__status=Status.PUBLISHED).select_related(
        "current"
    )
    kinds: dict[str, str] = {}
    for code, kind in Agency.objects.order_by("-code").values_list("code", "kind"):
        kinds[kind] = code  # the first agency of each kind, by code
    kinds[AgencyKind.VERTICAL] = TAX_OFFICE
    steps_of: dict[int, list[WorkflowStep]] = {}
    for step in WorkflowStep.objects.select_related("agency").order_by("version_id", "position"):
        steps_of.setdefault(step.version_id, []).append(step)
    for procedure in procedures:
        version = procedure.current
        assert version is not None
        steps = tuple(
            (s.code, s.role, _step_agency(s, kinds), int(s.hours * HOUR_US))
            for s in steps_of.get(version.pk, [])
        )
        if not steps:
            continue  # without a workflow it cannot be received
        versions[procedure.code] = Version(
            code=procedure.code,
            legal_us=int(version.processing_hours * HOUR_US),
            online_level=version.online_level,
            postal=version.postal,
            steps=steps,
            cutoff_s=parse_hhmm(version.cutoff) if version.cutoff else None,
        )
    return versions


def province_agencies(versions: dict[str, Version]) -> dict[str, str]:
    """Procedure code → its one listed agency, for the procedures resolved by one agency."""
    out: dict[str, str] = {}
    for procedure in Procedure.objects.filter(code__in=list(versions)).select_related("current"):
        version = procedure.current
        if version is None or version.agency_scope != AgencyScope.LISTED:
            continue
        listed = list(version.agencies.order_by("code").values_list("code", flat=True)[:2])
        if len(listed) == 1:
            out[procedure.code] = listed[0]
    return out


def commune_agencies(limit: Collection[str] | None = None) -> list[str]:
    qs = Agency.objects.filter(level="commune", kind=AgencyKind.PEOPLE_COMMITTEE)
    if limit is not None:
        qs = qs.filter(code__in=list(limit))
    return list(qs.order_by("code").values_list("code", flat=True))


def _replayed(sim: Sim, showcase: set[str], recent_us: int, now_us: int) -> bool:
    if sim.agency not in showcase:
        return False
    if sim.received_us >= recent_us or sim.resolved_us > now_us:
        return True
    return sim.returned_us is not None and sim.returned_us > now_us


def _number_imported(replayed: list[Sim], imported: list[Sim]) -> None:
    """Codes of the imported dossiers that the replay cannot take: the engine numbers the
    replayed ones 1, 2, … per agency and day of submission, in the order they are replayed;
    the imported ones of the same agency and day follow."""
    used: dict[tuple[str, str], int] = defaultdict(int)
    for sim in replayed:
        used[(sim.agency, _yymmdd(sim.submitted_us))] += 1
    for sim in imported:
        key = (sim.agency, _yymmdd(sim.received_us))
        used[key] += 1
        sim.code = f"{sim.agency}-{key[1]}-{used[key]:04d}"


def _yymmdd(us: int) -> str:
    return f"{local_date(from_us(us)):%y%m%d}"


def seed_history(
    *,
    now: datetime | None = None,
    seed: int = DEFAULT_SEED,
    months: float = DEFAULT_MONTHS,
    recent_days: int = DEFAULT_RECENT_DAYS,
    communes: Collection[str] | None = None,
    showcase: Collection[str] | None = None,
    scale: float = 1.0,
) -> HistoryResult:
    """Seed the history up to ``now`` (see the module docstring). ``communes`` limits the
    communes simulated (all by default), ``showcase`` the agencies replayed through the engine
    (the demo commune and the provincial agencies by default), ``scale`` the volumes."""
    result = HistoryResult()
    if Dossier.objects.exists():
        result.skipped = True
        return result
    clock, cpu = time.perf_counter(), time.process_time()
    now = now or timezone.now()
    now_us = to_us(now)
    versions = load_versions()
    provincial = province_agencies(versions)
    generator = Generator(
        working_calendar(),
        versions,
        commune_agencies(communes),
        provincial,
        seed=seed,
        scale=scale,
    )
    first = local_date(now) - timedelta(days=round(30.44 * months))
    plan = generator.plan(first, now_us)
    result.first_day, result.last_day = plan.first_day.isoformat(), plan.last_day.isoformat()
    chosen = set(SHOWCASE_COMMUNES if showcase is None else showcase)
    if showcase is None:
        chosen |= set(provincial.values())
    recent_us = now_us - recent_days * 24 * HOUR_US
    replayed = [s for s in plan.sims if _replayed(s, chosen, recent_us, now_us)]
    imported = [s for s in plan.sims if not _replayed(s, chosen, recent_us, now_us)]
    result.seconds["plan"] = time.perf_counter() - clock
    result.seconds["plan_cpu"] = time.process_time() - cpu

    _number_imported(replayed, imported)
    # One transaction: nothing is half-seeded, and SQLite syncs the file once, not after every
    # action. The replay goes first, so that the import's rebuild of the flows and snapshots
    # (its signal, over every dossier of its range) covers the replayed dossiers too.
    with transaction.atomic():
        clock, cpu = time.perf_counter(), time.process_time()
        replay = Replay(working_calendar(), versions, now_us, seed)
        codes = replay_all(replay, replayed)
        result.replayed = len(codes)
        result.replay_refused = replay.skipped
        result.refusals = replay.refusals
        result.officials_created = replay.officials_created
        result.seconds["replay"] = time.perf_counter() - clock
        result.seconds["replay_cpu"] = time.process_time() - cpu

        clock, cpu = time.perf_counter(), time.process_time()
        outcome = import_sims(imported, now_us)
        result.imported = outcome.imported
        if replayed and not outcome.imported:
            # Nothing imported, so no rebuild ran: the snapshots must see the replayed past.
            sweep.rebuild_range(from_us(min(s.submitted_us for s in replayed)), now, now)
        result.seconds["import"] = time.perf_counter() - clock
        result.seconds["import_cpu"] = time.process_time() - cpu
    result.states = Counter(Dossier.objects.values_list("state", flat=True))
    return result


__all__ = ["DEFAULT_SEED", "HistoryResult", "seed_history"]
