"""Rebuilding the aggregates after a history import: daily flows in bulk, open snapshots by a
vectorised sweep.

``rebuild_flows(first, last)`` recounts ``DailyFlow`` for a range of local days with one
``INSERT … SELECT … GROUP BY`` over the dossiers (what ``rollup`` maintains one change at a
time).

``sweep_snapshots(first, last)`` computes ``OpenSnapshot`` for every local midnight from
``first`` to ``last`` at once, exactly as ``snapshots.compute_open`` defines them one midnight
at a time: a dossier is open at midnight M when received before M and not resolved before M;
paused when a pause covers M (start ≤ M < end); otherwise overdue when the due time its events
had at M (the event with the highest ``seq`` among those at or before M) is before M. Dossiers
are read in chunks of ids; each dossier becomes the run of midnights its open interval spans
(numpy ``repeat``), pauses mark the midnights they cover, and each midnight finds its event by
one ``searchsorted`` — no per-dossier Python. Counts are merged across chunks and written in
bulk with one ``SnapshotDone`` row per midnight.

On PostgreSQL the dossiers, pauses and events are read with binary ``COPY`` into numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Max, Min
from django.dispatch import receiver
from django.utils import timezone

from motcua.catalog.models import ProcedureVersion
from motcua.clock.engine import from_us, to_us
from motcua.core.localtime import local_date, start_of_local_day
from motcua.dossiers.importing.signals import history_imported
from motcua.dossiers.importing.writer import Writer, columns_for
from motcua.dossiers.models import Dossier, DossierEvent, Pause

from . import monthly
from .figures import CHANNELS
from .models import COUNTERS, DailyFlow, OpenSnapshot, SnapshotDone
from .snapshots import invalidate

I64 = npt.NDArray[np.int64]
DAY_US = 86_400 * 1_000_000
INF = np.iinfo(np.int64).max  # "never": an open pause, an unresolved dossier, a NULL due time
CHUNK = 250_000  # dossiers read at once
WRITE_CHUNK = 500_000  # snapshot rows written at once
_PG_EPOCH_US = 946_684_800 * 1_000_000  # binary timestamptz counts from 2000-01-01 UTC


# ----- daily flows --------------------------------------------------------------------------
def _local_day_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
    return f"date({column}, '+7 hours')"


def rebuild_flows(first: date, last: date) -> None:
    """Recount the daily flows of the local days ``first``…``last`` from the dossiers, with one
    ``INSERT … SELECT … GROUP BY`` (the sums of ``rebuild.rebuild_flows``, without bringing
    them through Python: ten million dossiers make millions of rows).

    Every recounted row goes to shard 0. Shards only spread concurrent increments of one key
    over several rows, and the readers sum them; a recount has no concurrent increments, and
    one row per key instead of up to four halves what a report over history reads.

    On PostgreSQL the table is locked first: an engine transaction bumping a flow waits until
    this one commits, and every change committed before is in the recount."""
    q = connection.ops.quote_name
    flows = q(DailyFlow._meta.db_table)
    dossiers = q(Dossier._meta.db_table)
    versions = q(ProcedureVersion._meta.db_table)
    ops = connection.ops
    start = ops.adapt_datetimefield_value(start_of_local_day(first))
    end = ops.adapt_datetimefield_value(start_of_local_day(last + timedelta(days=1)))
    day_first, day_last = ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)
    key = "day, agency_id, procedure_id, field_id, channel, shard"
    select = (
        "SELECT {day} AS day, d.competent_agency_id AS agency_id, d.procedure_id, v.field_id, "  # noqa: S608
        "d.channel, 0 AS shard, {values} "
        f"FROM {dossiers} d JOIN {versions} v ON v.id = d.procedure_version_id "
        "WHERE {where}"
    )
    received = select.format(
        day=_local_day_sql("d.received_at"),
        values="1 AS received, 0 AS e, 0 AS o, 0 AS l",
        where="d.received_at >= %s AND d.received_at < %s",
    )
    resolved = select.format(
        day=_local_day_sql("d.resolved_at"),
        values=(
            "0 AS received, CASE WHEN d.timeliness = 'early' THEN 1 ELSE 0 END AS e, "
            "CASE WHEN d.timeliness = 'on_time' THEN 1 ELSE 0 END AS o, "
            "CASE WHEN d.timeliness = 'late' THEN 1 ELSE 0 END AS l"
        ),
        where="d.resolved_at >= %s AND d.resolved_at < %s AND d.received_at IS NOT NULL",
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {flows} IN EXCLUSIVE MODE")
        cursor.execute(
            f"DELETE FROM {flows} WHERE day >= %s AND day <= %s",  # noqa: S608
            [day_first, day_last],
        )
        cursor.execute(
            f"INSERT INTO {flows} ({key}, {', '.join(COUNTERS)}) "  # noqa: S608
            f"SELECT {key}, SUM(received), SUM(e), SUM(o), SUM(l) "
            f"FROM ({received} UNION ALL {resolved}) AS u "
            f"WHERE day >= %s AND day <= %s "
            f"GROUP BY {key} "
            # Day by day, as the roll-up appends them: a report's days are then a few pages,
            # not rows scattered over the table (measured: 45 ms → 11 ms for a month at 1M).
            f"ORDER BY {key}",
            [start, end, start, end, day_first, day_last],
        )
    monthly.forget(first, last)


# ----- reading columns of integers in bulk ---------------------------------------------------
def _us_sql(column: str, *, null_is_never: bool = False) -> str:
    """An instant column for ``_fetch``: binary timestamptz on PostgreSQL, µs since the epoch
    on SQLite; with ``null_is_never`` a NULL reads as ``INF``."""
    if connection.vendor == "postgresql":
        return f"COALESCE({column}, 'infinity'::timestamptz)" if null_is_never else column
    value = (
        f"(CAST(strftime('%%s', {column}) AS INTEGER) * 1000000 "
        f"+ CAST(substr({column}, 21, 6) AS INTEGER))"
    )
    return f"COALESCE({value}, {INF})" if null_is_never else value


def _fetch(sql: str, params: list[Any], ncols: int) -> I64:
    """Rows of ``ncols`` non-NULL bigint/timestamptz values as an (n, ncols) array of int64;
    instants become µs since the Unix epoch (PostgreSQL's infinity stays ``INF``)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return np.array(rows, dtype=np.int64).reshape(len(rows), ncols)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        data = bytearray()
        with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy:
            for block in copy:
                data += block
    body = memoryview(data)[19:-2]  # header (no extension), trailer
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for i in range(ncols):
        fields += [(f"l{i}", ">i4"), (f"v{i}", ">i8")]
    rows = np.frombuffer(body, dtype=np.dtype(fields))
    return np.stack([rows[f"v{i}"].astype(np.int64) for i in range(ncols)], axis=1).reshape(
        len(rows), ncols
    )


def _instants(values: I64) -> I64:
    """Binary timestamptz (µs since 2000) → µs since 1970, keeping infinity."""
    if connection.vendor != "postgresql":
        return values
    return np.where(values == INF, INF, values + _PG_EPOCH_US)


# ----- the sweep ------------------------------------------------------------------------------
@dataclass
class _Chunk:
    key: I64  # per dossier: index of its (agency, procedure, field, channel) key
    received: I64
    resolved: I64  # INF while open
    pause_of: I64  # per pause: index of its dossier in the chunk
    pause_start: I64
    pause_end: I64  # INF while open
    event_of: I64
    event_seq: I64
    event_at: I64
    event_due: I64  # INF for NULL


def open_counts(first: int, midnights: int, chunk: _Chunk) -> I64:
    """Codes ``(midnight index << 26 | key << 2 | class)`` of every (dossier, midnight) it is
    open at; class 0 within the deadline, 1 overdue, 2 paused. ``first`` is the first
    midnight in µs since the epoch."""
    n = len(chunk.received)
    lo = np.maximum(0, (chunk.received - first) // DAY_US + 1)
    hi = np.minimum(midnights - 1, (chunk.resolved - first) // DAY_US)
    count = np.maximum(0, hi - lo + 1)
    total = int(count.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    dossier = np.repeat(np.arange(n, dtype=np.int64), count)
    offsets = np.cumsum(count) - count
    m = lo[dossier] + (np.arange(total, dtype=np.int64) - offsets[dossier])
    at = first + m * DAY_US
    pair = dossier * midnights + m

    paused = np.zeros(total, dtype=bool)
    if len(chunk.pause_of):
        # A pause covers the midnights M with start ≤ M < end (ceilings of the offsets).
        p_lo = np.maximum(lo[chunk.pause_of], -((first - chunk.pause_start) // DAY_US))
        p_hi = np.minimum(hi[chunk.pause_of], -((first - chunk.pause_end) // DAY_US) - 1)
        p_count = np.maximum(0, p_hi - p_lo + 1)
        p_total = int(p_count.sum())
        if p_total:
            p_dossier = np.repeat(chunk.pause_of, p_count)
            p_offsets = np.cumsum(p_count) - p_count
            p_m = np.repeat(p_lo, p_count) + (
                np.arange(p_total, dtype=np.int64) - np.repeat(p_offsets, p_count)
            )
            paused = np.isin(pair, p_dossier * midnights + p_m)

    due = _due_then(chunk, dossier, m, first, midnights)
    overdue = ~paused & (due != INF) & (due < at)
    cls = np.where(paused, 2, np.where(overdue, 1, 0)).astype(np.int64)
    return (m << 26) | (chunk.key[dossier] << 2) | cls


def _due_then(chunk: _Chunk, dossier: I64, m: I64, first: int, midnights: int) -> I64:
    """For each (dossier, midnight): the due time of the dossier's event with the highest seq
    among those at or before the midnight; INF when there is none or it is NULL."""
    if len(chunk.event_of) == 0:
        return np.full(len(dossier), INF, dtype=np.int64)
    order = np.lexsort((chunk.event_seq, chunk.event_of))
    of, at, due = chunk.event_of[order], chunk.event_at[order], chunk.event_due[order]
    # The event answers for the midnights in [at, earliest `at` of any later-seq event): a
    # suffix minimum per dossier, by ranks so that dossier and rank fit one int64 key.
    ranks = np.unique(at, return_inverse=True)[1].astype(np.int64)
    width = int(ranks.max()) + 2
    rev = (of * width + ranks)[::-1]
    suffix = np.minimum.accumulate(rev)[::-1] - of * width  # min rank over this and later
    later = np.full(len(of), width - 1, dtype=np.int64)  # width - 1: no later event
    same = of[1:] == of[:-1]
    later[:-1] = np.where(same, suffix[1:], width - 1)
    keep = later > ranks  # events whose interval is not empty, ascending in `at` per dossier
    of, at, due = of[keep], at[keep], due[keep]
    # Seconds, rounded up: for a whole-second midnight M, at ≤ M ⟺ ceil(at) ≤ M.
    span = 1 << 30
    at_s = np.clip(-((first - at) // 1_000_000), -span + 1, span - 1)
    event_key = of * (2 * span) + at_s + span
    pair_key = dossier * (2 * span) + m * 86_400 + span
    idx = np.searchsorted(event_key, pair_key, side="right") - 1
    found = (idx >= 0) & (of[np.maximum(idx, 0)] == dossier)
    return np.where(found, due[np.maximum(idx, 0)], INF)


class _Keys:
    """(agency, procedure, field, channel) ↔ a small integer, across chunks."""

    def __init__(self) -> None:
        self.index: dict[tuple[int, int, int, int], int] = {}
        self.rows: list[tuple[int, int, int, int]] = []

    def of(self, columns: I64) -> I64:
        if len(columns) == 0:
            return np.empty(0, dtype=np.int64)
        unique, inverse = np.unique(columns, axis=0, return_inverse=True)
        mapped = np.empty(len(unique), dtype=np.int64)
        for i, row in enumerate(map(tuple, unique.tolist())):
            k = self.index.get(row)
            if k is None:
                k = self.index[row] = len(self.rows)
                self.rows.append(row)
            mapped[i] = k
        return mapped[inverse.reshape(-1)]


def _read_chunk(lo_id: int, hi_id: int, first_us: int, last_us: int, keys: _Keys) -> _Chunk:
    q = connection.ops.quote_name
    dossiers, versions = q(Dossier._meta.db_table), q(ProcedureVersion._meta.db_table)
    pauses, events = q(Pause._meta.db_table), q(DossierEvent._meta.db_table)
    channel = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CHANNELS))
    first, last = _instant_param(first_us), _instant_param(last_us)
    rows = _fetch(
        f"SELECT d.id, d.competent_agency_id, d.procedure_id, v.field_id, "  # noqa: S608
        f"CAST(CASE d.channel {channel} ELSE -1 END AS BIGINT), "
        f"{_us_sql('d.received_at')}, {_us_sql('d.resolved_at', null_is_never=True)} "
        f"FROM {dossiers} d JOIN {versions} v ON v.id = d.procedure_version_id "
        f"WHERE d.id >= %s AND d.id < %s AND d.received_at < %s "
        f"AND (d.resolved_at IS NULL OR d.resolved_at >= %s)",
        [lo_id, hi_id, last, first],
        7,
    )
    start, end, at = q("start"), q("end"), q("at")
    p = _fetch(
        f"SELECT dossier_id, {_us_sql(start)}, {_us_sql(end, null_is_never=True)} "  # noqa: S608
        f"FROM {pauses} WHERE dossier_id >= %s AND dossier_id < %s AND {start} <= %s "
        f"AND ({end} IS NULL OR {end} > %s)",
        [lo_id, hi_id, last, first],
        3,
    )
    e = _fetch(
        f"SELECT dossier_id, CAST(seq AS BIGINT), {_us_sql(at)}, "  # noqa: S608
        f"{_us_sql('due_at', null_is_never=True)} "
        f"FROM {events} WHERE dossier_id >= %s AND dossier_id < %s AND {at} <= %s",
        [lo_id, hi_id, last],
        4,
    )
    order = np.argsort(rows[:, 0], kind="stable")
    rows = rows[order]
    ids = rows[:, 0]
    p = p[np.isin(p[:, 0], ids)]
    e = e[np.isin(e[:, 0], ids)]
    return _Chunk(
        key=keys.of(rows[:, 1:5]),
        received=_instants(rows[:, 5]),
        resolved=_instants(rows[:, 6]),
        pause_of=np.searchsorted(ids, p[:, 0]),
        pause_start=_instants(p[:, 1]),
        pause_end=_instants(p[:, 2]),
        event_of=np.searchsorted(ids, e[:, 0]),
        event_seq=e[:, 1],
        event_at=_instants(e[:, 2]),
        event_due=_instants(e[:, 3]),
    )


def _instant_param(us: int) -> Any:
    return connection.ops.adapt_datetimefield_value(from_us(us))


def _merge(parts: list[tuple[I64, I64]]) -> tuple[I64, I64]:
    codes = np.concatenate([c for c, _n in parts])
    counts = np.concatenate([n for _c, n in parts])
    unique, inverse = np.unique(codes, return_inverse=True)
    return unique, np.bincount(inverse.reshape(-1), weights=counts, minlength=len(unique)).astype(
        np.int64
    )


def _lock_snapshots() -> None:
    """Until commit, a report computing a snapshot waits here rather than writing one from the
    history as it was before the import (PostgreSQL; SQLite has one writer anyway)."""
    if connection.vendor != "postgresql":
        return
    q = connection.ops.quote_name
    snaps, done = q(OpenSnapshot._meta.db_table), q(SnapshotDone._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {snaps}, {done} IN SHARE ROW EXCLUSIVE MODE")


def sweep_snapshots(first: datetime, last: datetime, *, chunk: int = CHUNK) -> int:
    """Compute (or recompute) the open snapshots at every local midnight from ``first`` to
    ``last`` (both midnights, inclusive); returns the number of snapshot rows written."""
    first_us, last_us = to_us(first), to_us(last)
    local = first_us + 7 * 3600 * 1_000_000
    if local % DAY_US or (last_us - first_us) % DAY_US or last_us < first_us:
        raise ValueError("first and last must be local midnights, first ≤ last")
    midnights = (last_us - first_us) // DAY_US + 1
    with transaction.atomic():
        _lock_snapshots()
        OpenSnapshot.objects.filter(at__gte=first, at__lte=last).delete()
        SnapshotDone.objects.filter(at__gte=first, at__lte=last).delete()
        bounds = Dossier.objects.aggregate(low=Min("pk"), high=Max("pk"))
        low, high = bounds["low"], bounds["high"]
        keys = _Keys()
        parts: list[tuple[I64, I64]] = []
        pending = 0
        if low is not None and high is not None:
            for lo_id in range(low, high + 1, chunk):
                data = _read_chunk(lo_id, lo_id + chunk, first_us, last_us, keys)
                codes, counts = np.unique(
                    open_counts(first_us, midnights, data), return_counts=True
                )
                parts.append((codes, counts.astype(np.int64)))
                pending += len(codes)
                if pending > 20_000_000:
                    parts = [_merge(parts)]
                    pending = len(parts[0][0])
        written = _write(first_us, midnights, keys, _merge(parts) if parts else None)
    return written


def _write(first_us: int, midnights: int, keys: _Keys, merged: tuple[I64, I64] | None) -> int:
    writer = Writer()
    now_us = _now_us()
    done_at = [first_us + i * DAY_US for i in range(midnights)]
    writer.write(SnapshotDone, columns_for(SnapshotDone, {"at": done_at}, midnights, now_us))
    writer.send()
    if merged is None or len(merged[0]) == 0:
        return 0
    codes, counts = merged
    rows, inverse = np.unique(codes >> 2, return_inverse=True)
    inverse = inverse.reshape(-1)
    table = np.zeros((len(rows), 3), dtype=np.int64)
    np.add.at(table, (inverse, codes & 3), counts)
    m = rows >> 24
    key = np.array(keys.rows, dtype=np.int64)[rows & ((1 << 24) - 1)]
    n = len(rows)
    for lo in range(0, n, WRITE_CHUNK):  # a bounded amount of text in memory at a time
        part = slice(lo, lo + WRITE_CHUNK)
        given: dict[str, Any] = {
            "at": (first_us + m[part] * DAY_US).tolist(),
            "agency_id": key[part, 0].tolist(),
            "procedure_id": key[part, 1].tolist(),
            "field_id": key[part, 2].tolist(),
            "channel": [CHANNELS[c] for c in key[part, 3].tolist()],
            "within": table[part, 0].tolist(),
            "overdue": table[part, 1].tolist(),
            "paused": table[part, 2].tolist(),
        }
        size = len(given["at"])
        writer.write(OpenSnapshot, columns_for(OpenSnapshot, given, size, now_us))
        writer.send()
    return n


def _now_us() -> int:
    return to_us(timezone.now())


# ----- after an import ------------------------------------------------------------------------
def rebuild_range(first_received: datetime, last_instant: datetime, now: datetime) -> None:
    """The flows of every local day from the first reception to the last instant imported, and
    the snapshots of every midnight from the first one after the first reception up to now
    (later snapshots are invalidated by the import, so they are recomputed too)."""
    first_day = local_date(first_received)
    rebuild_flows(first_day, max(local_date(last_instant), first_day))
    first = start_of_local_day(first_day + timedelta(days=1))
    last = start_of_local_day(local_date(now))
    _lock_snapshots()
    invalidate(first)  # the snapshots from the first midnight the import changes on
    if first <= last:
        sweep_snapshots(first, last)


@receiver(history_imported)
def _history_imported(
    sender: Any, first_received: datetime, last_instant: datetime, **kwargs: Any
) -> None:
    rebuild_range(first_received, last_instant, kwargs.get("now") or timezone.now())
