"""Rebuilding the aggregates from the dossier table, after history was written around the engine
(a bulk import from another system, a repair).

``rebuild_flows`` recomputes ``DailyFlow`` for a range of local days with two grouped queries
(received per day and key, resolved per day, key and timeliness) — the same keys and shards as
the incremental roll-up, so a rebuild of an untouched history changes nothing. ``rebuild`` adds
forgetting the open snapshots from the first day on: they are recomputed exactly when next read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Min, QuerySet
from django.db.models.functions import Mod, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import invalid
from motcua.core.localtime import LOCAL_TZ, local_date, start_of_local_day
from motcua.dossiers.models import Dossier

from . import monthly
from .models import COUNTERS, SHARDS, DailyFlow
from .snapshots import invalidate

Key = tuple[date, int, int, int, str, int]  # day, agency, procedure, field, channel, shard
_KEY_FIELDS = ("agency_id", "procedure_id", "field_id", "channel", "shard")


@dataclass(frozen=True)
class RebuildSummary:
    first: date | None
    last: date | None
    rows: int
    received: int
    resolved: int
    snapshots_forgotten: int


def _grouped(qs: QuerySet[Dossier], instant: str, *extra: str) -> QuerySet[Any]:
    return (
        qs.annotate(
            day=TruncDate(instant, tzinfo=LOCAL_TZ),
            shard=Mod(F("pk"), SHARDS),
            field_id=F("procedure_version__field_id"),
        )
        .values(
            "day", "competent_agency_id", "procedure_id", "field_id", "channel", "shard", *extra
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _key(row: dict[str, Any]) -> Key:
    day = row["day"]
    if isinstance(day, str):  # SQLite returns the truncated date as text
        day = date.fromisoformat(day)
    assert isinstance(day, date)
    return (
        day,
        int(row["competent_agency_id"]),
        int(row["procedure_id"]),
        int(row["field_id"]),
        str(row["channel"]),
        int(row["shard"]),  # SQLite computes MOD as a float
    )


@transaction.atomic
def rebuild_flows(first: date, last: date) -> tuple[int, int, int]:
    """Recompute the daily flows of the local days ``first``…``last`` from the dossiers.
    Returns (rows written, dossiers received, dossiers resolved) in the range."""
    if first > last:
        raise invalid("from", _("The range starts after it ends."))
    if connection.vendor == "postgresql":
        # Engine transactions bump flows as they commit; the lock makes them wait until the
        # rebuilt rows are in, and makes the reads below see every change committed before.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DailyFlow._meta.db_table} IN EXCLUSIVE MODE")
    since, until = start_of_local_day(first), start_of_local_day(last + timedelta(days=1))
    base = Dossier.objects.filter(received_at__isnull=False)
    counts: dict[Key, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    received = resolved = 0
    for row in _grouped(base.filter(received_at__gte=since, received_at__lt=until), "received_at"):
        counts[_key(row)][0] += row["n"]
        received += row["n"]
    done = base.filter(resolved_at__gte=since, resolved_at__lt=until).exclude(timeliness="")
    for row in _grouped(done, "resolved_at", "timeliness"):
        counts[_key(row)][COUNTERS.index(f"resolved_{row['timeliness']}")] += row["n"]
        resolved += row["n"]
    DailyFlow.objects.filter(day__gte=first, day__lte=last).delete()
    DailyFlow.objects.bulk_create(
        [
            DailyFlow(
                day=key[0],
                **dict(zip(_KEY_FIELDS, key[1:], strict=True)),
                **dict(zip(COUNTERS, values, strict=True)),
            )
            # Day by day, as the roll-up appends them: a report's days stay a few pages.
            for key, values in sorted(counts.items())
        ],
        batch_size=2000,
    )
    monthly.forget(first, last)
    return len(counts), received, resolved


@transaction.atomic
def rebuild(first: date | None = None, last: date | None = None) -> RebuildSummary:
    """Rebuild the flows from ``first`` (default: the first day any dossier was received) to
    ``last`` (default: today), and forget the snapshots from ``first`` on."""
    today = local_date(timezone.now())
    if first is None:
        earliest = Dossier.objects.aggregate(first=Min("received_at"))["first"]
        if earliest is None:
            return RebuildSummary(None, None, 0, 0, 0, invalidate(start_of_local_day(today)))
        first = local_date(earliest)
    last = last or max(today, first)
    rows, received, resolved = rebuild_flows(first, last)
    forgotten = invalidate(start_of_local_day(first))
    return RebuildSummary(first, last, rows, received, resolved, forgotten)
