"""Open dossiers at a local midnight, per key: computed exactly once, then read."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db import IntegrityError, transaction

from motcua.dossiers.models import Dossier

from .figures import annotate_open_state, classify_open, open_at_q
from .models import OpenSnapshot, SnapshotDone

Key = tuple[int, int, int, str]  # agency, procedure, field, channel


def compute_open(instant: datetime) -> dict[Key, Counter[str]]:
    rows = annotate_open_state(Dossier.objects.filter(open_at_q(instant)), instant).values_list(
        "competent_agency_id",
        "procedure_id",
        "procedure_version__field_id",
        "channel",
        "paused_then",
        "due_then",
    )
    counts: dict[Key, Counter[str]] = {}
    for agency, procedure, field, channel, paused_then, due_then in rows.iterator(chunk_size=5000):
        key = (agency, procedure, field, channel)
        counts.setdefault(key, Counter())[classify_open(paused_then, due_then, instant)] += 1
    return counts


def ensure_snapshot(instant: datetime) -> None:
    """Compute the snapshot at a midnight unless it exists. A midnight must be in the past:
    the state of the dossiers at a future instant is not known yet."""
    if SnapshotDone.objects.filter(at=instant).exists():
        return
    counts = compute_open(instant)
    try:
        with transaction.atomic():
            SnapshotDone.objects.create(at=instant)
            OpenSnapshot.objects.bulk_create(
                [
                    OpenSnapshot(
                        at=instant,
                        agency_id=a,
                        procedure_id=p,
                        field_id=f,
                        channel=c,
                        within=n["within_deadline"],
                        overdue=n["overdue"],
                        paused=n["paused"],
                    )
                    for (a, p, f, c), n in counts.items()
                ],
                batch_size=2000,
            )
    except IntegrityError:
        pass  # computed at the same moment by another process: same rows


def ensure_snapshots(instants: list[datetime]) -> None:
    """``ensure_snapshot`` of several midnights, with one query when all are computed."""
    done = set(SnapshotDone.objects.filter(at__in=instants).values_list("at", flat=True))
    for instant in dict.fromkeys(instants):
        if instant not in done:
            ensure_snapshot(instant)


def invalidate(since: datetime) -> int:
    """Forget snapshots from ``since`` on (after a history import changed the past)."""
    OpenSnapshot.objects.filter(at__gte=since).delete()
    deleted, _ = SnapshotDone.objects.filter(at__gte=since).delete()
    return deleted
