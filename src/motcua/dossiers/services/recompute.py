"""Recomputing the due times of open dossiers after a calendar change, vectorised.

A calendar amendment (a day off announced, a Saturday worked) moves the due time of every open
dossier whose remaining time spans it. The bulk path of the clock computes them all at once;
only the dossiers whose due time actually moved are written, each with a ``due_changed`` event.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import SupplementPolicy
from motcua.clock.engine import HOUR_US, NO_PAUSE, from_us, parse_hhmm, to_us

from ..clockwork import calendar_for
from ..models import Dossier, Pause
from ..states import OPEN, PauseKind
from .engine import record_due_change

CHUNK = 20_000


def recompute_open(now: datetime | None = None, calendar_id: int | None = None) -> int:
    """Recompute every open dossier (optionally only those on one calendar); returns how many
    due times moved."""
    now = now or timezone.now()
    open_ids = Dossier.objects.filter(state__in=OPEN, received_at__isnull=False)
    if calendar_id is not None:
        open_ids = open_ids.filter(competent_agency__calendar_id=calendar_id)
    ids = list(open_ids.order_by("pk").values_list("pk", flat=True))
    moved = 0
    for i in range(0, len(ids), CHUNK):
        with transaction.atomic():
            moved += _chunk(ids[i : i + CHUNK], now)
    return moved


def _chunk(ids: list[int], now: datetime) -> int:
    dossiers = list(
        Dossier.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, state__in=OPEN)
        .select_related("procedure_version", "competent_agency")
    )
    pauses: dict[int, list[Pause]] = defaultdict(list)
    for pause in Pause.objects.filter(dossier_id__in=[d.pk for d in dossiers]):
        pauses[pause.dossier_id].append(pause)
    by_calendar: dict[int | None, list[Dossier]] = defaultdict(list)
    for d in dossiers:
        by_calendar[d.competent_agency.calendar_id].append(d)
    moved = 0
    for group in by_calendar.values():
        calendar = calendar_for(group[0].competent_agency)
        width = max([len(pauses[d.pk]) for d in group] + [1])
        n = len(group)
        starts = np.empty(n, dtype=np.int64)
        amounts = np.empty(n, dtype=np.int64)
        cutoffs = np.full(n, -1, dtype=np.int64)
        p_start = np.full((n, width), NO_PAUSE, dtype=np.int64)
        p_end = np.full((n, width), NO_PAUSE, dtype=np.int64)
        for row, d in enumerate(group):
            version = d.procedure_version
            restart = version.supplement_policy == SupplementPolicy.RESTART
            begin = d.restarted_at if restart and d.restarted_at else d.received_at
            assert begin is not None
            starts[row] = to_us(begin)
            amounts[row] = int(version.processing_hours * HOUR_US)
            if version.cutoff:
                cutoffs[row] = parse_hhmm(version.cutoff.strftime("%H:%M"))
            col = 0
            for p in pauses[d.pk]:
                # Same rule as clockwork.dossier_due: under `restart` a completed supplement
                # restarts the clock rather than pausing it.
                if restart and p.kind == PauseKind.SUPPLEMENT and p.end is not None:
                    continue
                p_start[row, col] = to_us(p.start)
                p_end[row, col] = NO_PAUSE if p.end is None else to_us(p.end)
                col += 1
        due = calendar.due_bulk(starts, amounts, cutoffs, p_start, p_end)
        for row, d in enumerate(group):
            new = None if due[row] == NO_PAUSE else from_us(int(due[row]))
            if new != d.due_at:
                old = d.due_at
                d.due_at = new
                Dossier.objects.filter(pk=d.pk).update(due_at=new)
                record_due_change(d, old, new, now, reason="calendar")
                moved += 1
    return moved
