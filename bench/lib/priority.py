"""Favouring the benchmark's own processes over other work on a shared machine (``--priority``).

With the kernel's session autogroups every session gets an equal share of the CPU whatever its
processes' nice values, so the autogroups of the server and of PostgreSQL are given the nice
value too (``restore_autogroups`` puts them back); PostgreSQL's is shared with whatever else uses
that server during the run."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_AUTOGROUPS: dict[str, tuple[Path, str]] = {}


def renice(pids: list[int], nice: int) -> None:
    if not nice:
        return
    for pid in pids:
        path = Path(f"/proc/{pid}/autogroup")
        with contextlib.suppress(OSError):
            current = path.read_text().split()
            if current[0] not in _AUTOGROUPS:
                _AUTOGROUPS[current[0]] = (path, current[-1])
                path.write_text(str(nice))
    for pid in pids:
        # Niceness belongs to each thread on Linux: the workers' threads exist already.
        tasks = Path(f"/proc/{pid}/task")
        for tid in [int(t.name) for t in tasks.iterdir()] if tasks.exists() else [pid]:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, tid, nice)


def restore_autogroups() -> None:
    for path, nice in _AUTOGROUPS.values():
        with contextlib.suppress(OSError):
            path.write_text(nice)
    _AUTOGROUPS.clear()


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
