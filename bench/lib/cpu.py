"""Where the two cores went during a phase: the server (gunicorn master and workers), this
database's PostgreSQL processes (its backends and the server's background writers), the load
generator, and everything else on the machine (other users' work disturbs the figures)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")


def _proc_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _machine() -> tuple[int, int]:
    """(busy, total) ticks of all CPUs."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def postgres_pids(url: str, *, background: bool = True) -> list[int]:
    """This database's backends, and the server's background processes (WAL writer,
    checkpointer…) unless ``background`` is false."""
    extra = "OR datname IS NULL" if background else ""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT pid FROM pg_stat_activity WHERE (datname = current_database() {extra}) "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [r[0] for r in rows]


@dataclass
class Snapshot:
    machine: tuple[int, int]
    ticks: dict[int, int]


def snapshot(pids: list[int]) -> Snapshot:
    return Snapshot(_machine(), {pid: _proc_ticks(pid) for pid in pids})


def split(before: Snapshot, after: Snapshot, groups: dict[str, list[int]]) -> dict[str, float]:
    """Cores used on average by each group, by everything else, and left idle."""
    busy = after.machine[0] - before.machine[0]
    total = after.machine[1] - before.machine[1]
    cores = os.cpu_count() or 1
    seconds = total / TICKS / cores
    shares: dict[str, float] = {}
    accounted = 0
    for name, pids in groups.items():
        used = sum(after.ticks.get(p, 0) - before.ticks.get(p, 0) for p in set(pids))
        accounted += used
        shares[name] = used / TICKS / seconds if seconds else 0.0
    shares["other processes"] = max(0, busy - accounted) / TICKS / seconds if seconds else 0.0
    shares["idle"] = (total - busy) / TICKS / seconds if seconds else 0.0
    return shares
