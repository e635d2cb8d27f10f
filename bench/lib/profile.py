"""Where a server's time goes during intakes: py-spy samples the gunicorn workers (busy threads
only) while wrk sends counter intakes, and the stacks are summed per function (inclusive).

py-spy is a tool, not a dependency of motcua: ``pip install py-spy`` into any environment, or
point ``PY_SPY`` at its binary. Without it the profile is skipped with a note.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from . import load
from .server import Server

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:]*):?(?P<line>\d*)\)$")


def find_py_spy() -> str | None:
    for candidate in (
        os.environ.get("PY_SPY"),
        shutil.which("py-spy"),
        str(Path(sys.executable).with_name("py-spy")),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _label(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    for marker in ("/motcua/", "/site-packages/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


# Leaf frames that mean "waiting for PostgreSQL" rather than running Python.
_DB_WAIT = (".wait (psycopg/connection.py)", "._execute_send (psycopg/", "._exec_command (psycopg/")


def summarise(raw: Path, top: int = 30) -> str:
    """Samples of threads handling a request, per function (inclusive), and the share of them
    spent waiting for PostgreSQL."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = waiting = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit() or "WSGIHandler.__call__" not in stack:
            continue
        count = int(count_text)
        total += count
        # py-spy roots each stack at its process ("process 123:…"): not a function.
        frames = [_label(f) for f in stack.split(";") if not f.startswith("process ")]
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
        if any(marker in frames[-1] for marker in _DB_WAIT):
            waiting += count
    if not total:
        return "py-spy recorded no sample of a request being handled."
    lines = [
        f"\nProfile of the server's request threads during intakes ({total:,} samples; "
        f"{waiting / total:.0%} waiting for PostgreSQL, the rest running Python or waiting "
        "for the CPU).\n",
        "| inclusive | function |\n|---:|---|",
    ]
    start = False
    shown = 0
    for frame, count in inclusive.most_common():
        start = start or "create_dossier" in frame
        if start and shown < top:
            lines.append(f"| {count / total:.0%} | `{frame}` |")
            shown += 1
    lines.append("\n| self | function |\n|---:|---|")
    for frame, count in own.most_common(15):
        lines.append(f"| {count / total:.0%} | `{frame}` |")
    return "\n".join(lines)


def intakes(server: Server, requests_file: Path, connections: int, work: Path) -> str:
    spy = find_py_spy()
    if spy is None:
        return "(no profile: py-spy not found; pip install py-spy, or set PY_SPY)"
    assert server.proc is not None
    raw = work / "intake-profile.txt"
    seconds = 15
    recorder = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(server.proc.pid),
            "--subprocesses",
            "--rate",
            "250",
            "--duration",
            str(seconds + 2),
            "--format",
            "raw",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        result = load.wrk(
            "intake (profiled)",
            server.base,
            requests_file,
            seconds=seconds,
            connections=connections,
        )
    finally:
        recorder.wait(timeout=120)
    head = f"\nProfiled intake run: {result.rate:,.0f}/s (sampling slows the server)."
    return head + summarise(raw) if raw.exists() else head + "\n(py-spy wrote nothing)"
