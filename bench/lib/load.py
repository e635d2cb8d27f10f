"""Driving the server: wrk (C, one event-loop thread, a few % of a core at these rates) replaying
prepared requests, and the bare-INSERT ceiling through psycopg for comparison."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg

LUA = Path(__file__).with_name("requests.lua")


@dataclass
class Result:
    operation: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    detail: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing it (apt-get install -y wrk)", flush=True)
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(install, check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def write_requests(path: Path, lines: list[tuple[str, str, str, str, str]]) -> Path:
    """Lines of (method, path, token, client address, JSON body) for ``requests.lua``."""
    with path.open("w", encoding="utf-8") as out:
        for fields in lines:
            if any("\t" in f or "\n" in f for f in fields):
                raise ValueError(f"a request field contains a tab or a newline: {fields!r}")
            out.write("\t".join(fields) + "\n")
    return path


def wrk(
    operation: str,
    base: str,
    requests_file: Path,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    ok: frozenset[int] = frozenset({200, 201}),
    nice: int = 0,
) -> Result:
    command = ["nice", "-n", str(nice)] if nice else []
    command += [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base,
        "--",
        str(requests_file),
        str(threads),
    ]
    run = subprocess.run(command, check=True, capture_output=True, text=True)
    line = next((x for x in run.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{run.stdout}\n{run.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    statuses = {int(k): v for k, v in data["statuses"].items()}
    failed = sum(v for k, v in statuses.items() if k not in ok)
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    if socket_errors:
        detail += f"; socket errors {socket_errors}"
    if data["wrapped"]:
        detail += f"; {data['wrapped']} requests replayed (file too short)"
    return Result(
        operation,
        data["requests"],
        failed + socket_errors,
        data["duration_us"] / 1e6,
        data["p50"] / 1000,
        data["p99"] / 1000,
        detail,
    )


# -- the ceiling ---------------------------------------------------------------------------------
CEILING_TABLE = "bench_ceiling"


def prepare_ceiling(url: str) -> None:
    """A table shaped like ``dossiers_dossier`` (same columns, defaults, indexes and unique
    constraints; no foreign keys), holding a copy of the loaded dossiers so that its indexes are
    as deep as the real ones. Made once and reused."""
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [CEILING_TABLE]).fetchone()
        if exists and exists[0]:
            return
        conn.execute(
            f"CREATE TABLE {CEILING_TABLE} (LIKE dossiers_dossier INCLUDING DEFAULTS "
            "INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
        )
        conn.execute(f"INSERT INTO {CEILING_TABLE} SELECT * FROM dossiers_dossier")
        for (definition,) in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'dossiers_dossier'"
        ).fetchall():
            name = definition.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
            conn.execute(
                definition.replace(f" {name} ON ", f" {name}_ceil ON ").replace(
                    "public.dossiers_dossier ", f"public.{CEILING_TABLE} "
                )
            )
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{CEILING_TABLE}', 'id'), "
            f"(SELECT max(id) + 1 FROM {CEILING_TABLE}), false)"
        )
        conn.execute(f"VACUUM (ANALYZE) {CEILING_TABLE}")


_INSERT = (
    f"INSERT INTO {CEILING_TABLE} (code, procedure_id, procedure_version_id, channel, state, "
    "reception_point_id, receiving_centre_id, competent_agency_id, applicant_kind, "
    "applicant_name, applicant_folded, applicant_national_id, applicant_phone, applicant_email, "
    "applicant_address, submitter_name, subject, submitted_at, received_at, due_at, "
    "return_method, outcome, timeliness, supplement_requests, completion_requests, version, "
    "imported, created_by_id, created_at) VALUES (%s, %s, %s, 'counter', 'received', %s, %s, "
    "%s, 'citizen', %s, 'nguyen van an', '082090001234', '0912345678', '', '', '', '', now(), "
    "now(), now() + interval '3 days', '', '', '', 0, 0, 1, false, %s, now())"
)


def ceiling(
    url: str,
    template: tuple[int, ...],
    *,
    seconds: int,
    connections: int,
    on_start: Callable[[], None] | None = None,
) -> Result:
    """Single-row INSERT transactions (autocommit: one commit, one WAL flush each) from
    ``connections`` threads for ``seconds``: the most any intake could do on this server."""
    latencies: list[list[int]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def worker(i: int) -> None:
        prefix = f"CEIL-{uuid.uuid4().hex[:8]}-{i}"
        with psycopg.connect(url, autocommit=True) as conn:
            start.wait()
            n = 0
            clock = time.perf_counter_ns
            while time.perf_counter() < stop_at[0]:
                n += 1
                t0 = clock()
                try:
                    conn.execute(
                        _INSERT, [f"{prefix}-{n}", *template[:5], "Nguyễn Văn An", template[5]]
                    )
                except psycopg.Error:
                    errors[i] += 1
                    continue
                latencies[i].append(clock() - t0)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the connections are open
    if on_start is not None:
        on_start()
    stop_at[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    samples = np.concatenate([np.asarray(x, dtype=np.int64) for x in latencies])
    p50, p99 = (np.percentile(samples, [50, 99]) / 1e6).tolist() if len(samples) else (0, 0)
    return Result("bare INSERT (ceiling)", len(samples), sum(errors), elapsed, p50, p99)
