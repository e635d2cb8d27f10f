"""Fault test: SIGKILL the server in the middle of a burst of counter intakes, then check that
nothing acknowledged was lost and nothing half-written remains.

    .venv/bin/python bench/kill_burst.py --database-url URL [--threads 8] [--after 300]

1. Starts ``motcua serve --workers 2``; ``--threads`` client threads send counter intakes
   (``POST /api/v1/dossiers``, action ``receive``, each with its own ``Idempotency-Key``) for two
   communes, so that concurrent intakes share each code counter (agency × local day).
2. After ``--after`` acknowledged intakes, SIGKILLs the master and every worker at once;
   requests in flight get no answer.
3. Checks, on the database:
   * every intake acknowledged with 201 exists, with its code, and has its ``receive`` event;
   * no dossier anywhere lacks its events (numbered 1..version), no received dossier lacks its
     ``receive`` event, no current step belongs to another dossier;
   * the codes of each agency × day touched are numbered 1..N without a gap or a duplicate, and
     the counter says N (a killed transaction rolls its number back with everything else);
   * each new dossier has its applicant notification queued (same transaction);
   * after a restart, re-sending every unanswered request with the same Idempotency-Key
     answers 200 with the dossier if its transaction had committed before the kill, or 201
     with a new one if not — never a duplicate; then new intakes continue the numbering.
Prints the figures; exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib import checks, pg, workloads
from lib.server import Server

LOCAL = "Asia/Ho_Chi_Minh"


@dataclass
class Outcome:
    key: str
    body: str
    token: str
    status: int | None = None  # None: no answer (in flight when the server died)
    code: str = ""


@dataclass
class Burst:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: int = 0
    stop: threading.Event = field(default_factory=threading.Event)


def send(conn: http.client.HTTPConnection, outcome: Outcome) -> None:
    headers = {
        "Authorization": f"Bearer {outcome.token}",
        "Content-Type": "application/json",
        "Idempotency-Key": outcome.key,
    }
    conn.request("POST", "/api/v1/dossiers", body=outcome.body.encode(), headers=headers)
    response = conn.getresponse()
    payload = response.read()
    outcome.status = response.status
    if response.status in (200, 201):
        outcome.code = json.loads(payload)["code"]


def client(port: int, burst: Burst, requests: list[tuple[str, str]], seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not burst.stop.is_set():
        token, body = rng.choice(requests)
        outcome = Outcome(str(uuid.uuid4()), body, token)
        with burst.lock:
            burst.outcomes.append(outcome)
        try:
            send(conn, outcome)
        except (OSError, http.client.HTTPException):
            return  # the server is gone: this request's fate is unknown
        if outcome.status == 201:
            with burst.lock:
                burst.acknowledged += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--after", type=int, default=300, help="acknowledged intakes, then kill")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--var-dir", type=Path)
    args = parser.parse_args()
    url = args.database_url
    var_dir = args.var_dir or pg.default_var_dir(url)
    pg.migrate(url, var_dir)
    pg.setup_django(url, var_dir)
    from motcua.cli.management.commands.serve import release_connections

    tokens = workloads.Tokens()
    rng = random.Random(args.seed)
    centres = workloads.counter_centres()[:2]
    requests = []
    for username, agency, procedures in centres:
        token = tokens.get(username)
        for _ in range(50):
            body = {
                "action": "receive",
                "procedure": rng.choice(procedures.split("|")),
                "agency": agency,
                "applicant": workloads._applicant(rng),
            }
            requests.append((token, json.dumps(body, ensure_ascii=False)))
    release_connections()
    with psycopg.connect(url) as db:
        row = db.execute("SELECT coalesce(max(id), 0) FROM dossiers_dossier").fetchone()
    start_id = int(row[0]) if row else 0

    problems: list[str] = []
    server = Server(url, var_dir, port=args.port)
    port = server.port
    server.start()
    burst = Burst()
    threads = [
        threading.Thread(target=client, args=(port, burst, requests, args.seed + i))
        for i in range(args.threads)
    ]
    began = time.perf_counter()
    for t in threads:
        t.start()
    while burst.acknowledged < args.after and time.perf_counter() - began < 60:
        time.sleep(0.005)
    killed = server.kill()
    elapsed = time.perf_counter() - began
    burst.stop.set()
    for t in threads:
        t.join(timeout=60)
    outcomes = burst.outcomes
    created = [o for o in outcomes if o.status == 201]
    unanswered = [o for o in outcomes if o.status is None]
    other = [o for o in outcomes if o.status not in (None, 201)]
    print(
        f"Burst: {len(outcomes)} intakes sent by {args.threads} threads in {elapsed:.1f} s; "
        f"SIGKILL to {len(killed)} server processes (pids {', '.join(map(str, killed))}) after "
        f"{len(created)} acknowledged; {len(unanswered)} unanswered, {len(other)} other answers."
    )
    if other:
        problems.append(
            f"{len(other)} intakes answered neither 201 nor nothing: "
            f"{sorted({o.status or 0 for o in other})}"
        )

    _wait_for_rollbacks(url)
    with psycopg.connect(url) as conn:
        problems += _check_burst(conn, start_id, created)
        problems += checks.structural(conn)
        problems += _check_numbering(conn, start_id)

    # Restart; replay the unanswered requests with their keys; new intakes continue the codes.
    server = Server(url, var_dir, port=port)
    server.start()
    replayed = {200: 0, 201: 0}
    try:
        http_conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for outcome in unanswered:
            outcome.status = None
            send(http_conn, outcome)
            status = outcome.status or 0
            if status in replayed:
                replayed[status] += 1
            else:
                problems.append(f"replay of {outcome.key} answered {outcome.status}")
        for token, text in requests[:: len(requests) // 10]:
            fresh = Outcome(str(uuid.uuid4()), text, token)
            send(http_conn, fresh)
            if fresh.status != 201:
                problems.append(f"an intake after the restart answered {fresh.status}")
    finally:
        server.stop()
    print(
        f"After restart: {replayed[200]} unanswered intakes had committed before the kill (replay "
        f"answered 200 with their dossier), {replayed[201]} had not (replay created them: 201)."
    )
    with psycopg.connect(url) as conn:
        problems += _check_numbering(conn, start_id)
        problems += _check_no_duplicates(conn, start_id, len(created) + len(unanswered) + 10)

    pg.setup_django(url, var_dir)
    tokens.revoke_all()
    for problem in problems:
        print(f"VIOLATION: {problem}")
    print(
        "OK: no acknowledged intake lost, no half-written dossier, codes gap-free."
        if not problems
        else f"{len(problems)} violation(s)."
    )
    return 1 if problems else 0


def _wait_for_rollbacks(url: str, timeout: float = 30) -> None:
    """The killed workers' transactions end when PostgreSQL notices their sockets closed."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'"
            ).fetchone()
            if row and row[0] == 0:
                return
            time.sleep(0.2)


def _check_burst(conn: psycopg.Connection, start_id: int, created: list[Outcome]) -> list[str]:
    problems = []
    codes = [o.code for o in created]
    found: dict[str, int] = dict(
        conn.execute(
            "SELECT d.code, count(e.id) FILTER (WHERE e.action = 'receive') "
            "FROM dossiers_dossier d LEFT JOIN dossiers_dossierevent e ON e.dossier_id = d.id "
            "WHERE d.code = ANY(%s) GROUP BY d.code",
            [codes],
        ).fetchall()
    )
    missing = [c for c in codes if c not in found]
    no_event = [c for c, n in found.items() if n != 1]
    if missing:
        problems.append(f"{len(missing)} acknowledged intakes missing, e.g. {missing[:3]}")
    if no_event:
        problems.append(f"{len(no_event)} acknowledged intakes without one receive event")
    row = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE n.id IS NULL AND d.applicant_phone <> '') "
        "FROM dossiers_dossier d LEFT JOIN notifications_notification n "
        "ON n.subject_type = 'dossier' AND n.subject_id = d.id AND n.template = 'received' "
        "WHERE d.id > %s",
        [start_id],
    ).fetchone()
    assert row is not None
    print(
        f"Database after the kill: {row[0]} dossiers created by the burst "
        f"({row[0] - len(created)} committed without the client hearing of it)."
    )
    if row[1]:
        problems.append(f"{row[1]} new dossiers without their receipt notification")
    return problems


def _check_numbering(conn: psycopg.Connection, start_id: int) -> list[str]:
    """Running numbers of every agency-day the burst touched: 1..N, no gap, counter = N."""
    problems = []
    rows = conn.execute(
        f"""
        WITH touched AS (
            SELECT DISTINCT competent_agency_id AS agency_id,
                   (created_at AT TIME ZONE '{LOCAL}')::date AS day
            FROM dossiers_dossier WHERE id > %s
        )
        SELECT a.code, t.day, c.last, count(d.id),
               count(DISTINCT split_part(d.code, '-', 3)::int),
               min(split_part(d.code, '-', 3)::int), max(split_part(d.code, '-', 3)::int)
        FROM touched t
        JOIN agencies_agency a ON a.id = t.agency_id
        LEFT JOIN dossiers_dossiercounter c ON c.agency_id = t.agency_id AND c.day = t.day
        LEFT JOIN dossiers_dossier d ON d.competent_agency_id = t.agency_id
             AND (d.created_at AT TIME ZONE '{LOCAL}')::date = t.day
        GROUP BY a.code, t.day, c.last
        """,
        [start_id],
    ).fetchall()
    for code, day, last, count, distinct, low, high in rows:
        status = "gap-free" if (count == distinct == high == last and low == 1) else "BROKEN"
        print(
            f"  codes of {code} on {day}: {count} dossiers, numbers {low}..{high}, "
            f"counter {last}: {status}"
        )
        if status != "gap-free":
            problems.append(
                f"{code} {day}: {count} codes, {distinct} distinct numbers "
                f"{low}..{high}, counter {last}"
            )
    return problems


def _check_no_duplicates(conn: psycopg.Connection, start_id: int, expected: int) -> list[str]:
    row = conn.execute(
        "SELECT count(*), count(DISTINCT k.key) FROM dossiers_dossier d "
        "JOIN dossiers_idempotencykey k ON k.dossier_id = d.id WHERE d.id > %s",
        [start_id],
    ).fetchone()
    assert row is not None
    total = conn.execute(
        "SELECT count(*) FROM dossiers_dossier WHERE id > %s", [start_id]
    ).fetchone()
    problems = []
    if row[0] != row[1]:
        problems.append(f"{row[0] - row[1]} dossiers share an Idempotency-Key")
    if total and total[0] != expected:
        problems.append(f"{total[0]} dossiers since the burst, expected {expected}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
