"""Benchmark of the dossier engine through the production server, on a loaded database.

    .venv/bin/python bench/load_dossiers.py --database-url URL --count 1000000   # once
    .venv/bin/python bench/bench_engine.py --database-url URL [--seconds 30] [--profile]

Starts ``motcua serve --workers 2`` (gunicorn, threaded workers) on URL in a subprocess, creates
API tokens for the officials who will act, and drives the server from a second process, wrk
(one C thread), for fixed durations:

  intake   ``POST /api/v1/dossiers`` with action ``receive``: counter intakes by the receivers of
           the 102 commune centres, each for its commune (code counters per agency and day);
  actions  ``POST /api/v1/dossiers/{code}/actions/forward`` on distinct open dossiers by the
           official holding each one's current step, one in four a ``comment`` on another
           distinct dossier by a leader of its competent agency;
  lookup   ``GET /api/v1/public/dossiers/{code}`` on random existing codes from 1,000 client
           addresses (X-Forwarded-For behind one trusted proxy; the rate limit is raised by
           ``lib/bench_settings.py`` but still counted, as in production).

Then, with the server stopped, the ceiling: single-row INSERT transactions through psycopg from
as many connections, into a copy of the dossier table (same columns, indexes and rows). Prints a
markdown table with each budget, PASS/FAIL, the intake/ceiling ratio, and where the CPU went.
``--profile`` adds a py-spy profile of the server's workers during an extra intake run.

Both cores are shared: the server's two workers, PostgreSQL and wrk all run on them (wrk needs a
few % of one core at these rates). Exits 1 if a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import functools
import operator

from lib import cpu, load, pg, priority, profile, workloads
from lib.server import Server

OPERATION = {
    "intake": "intake",
    "actions": "actions",
    "lookup": "lookup",
    "floor": "floor: lookup of a missing code (404)",
}
BUDGETS = {
    "intake": ("≥ 250/s", lambda r: r.rate >= 250),
    "actions": ("≥ 300/s", lambda r: r.rate >= 300),
    "lookup": ("≥ 800/s, p99 ≤ 50 ms", lambda r: r.rate >= 800 and r.p99_ms <= 50),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=30, help="duration of each measurement")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per operation")
    parser.add_argument("--connections", type=int, default=16, help="client connections")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, help="threads per worker (motcua's default)")
    parser.add_argument("--lookup-clients", type=int, default=1000)
    parser.add_argument(
        "--only", choices=["intake", "actions", "lookup", "floor", "ceiling"], nargs="*"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy profile of intakes")
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        metavar="NICE",
        help="nice value for the server, this database's PostgreSQL backends and the ceiling's "
        "client (e.g. -10 when other work shares the machine); 0 leaves them alone",
    )
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--var-dir", type=Path)
    args = parser.parse_args()
    url = args.database_url
    var_dir = args.var_dir or pg.default_var_dir(url)
    only = set(args.only or ["intake", "actions", "lookup", "floor", "ceiling"])
    load.ensure_wrk()

    # Migrations added since the load (idempotent), then the requests, prepared beforehand.
    pg.migrate(url, var_dir)
    pg.setup_django(url, var_dir)
    from motcua.cli.management.commands.serve import release_connections
    from motcua.dossiers.models import Dossier

    dossiers_before = Dossier.objects.count()
    tokens = workloads.Tokens()
    per_run = args.seconds + args.warmup
    work = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    files = {
        "intake": workloads.intakes(tokens, 1500 * per_run, args.seed),
        "actions": workloads.actions(tokens, 1500 * per_run, args.seed),
        "lookup": workloads.lookups(4000 * per_run, args.seed, args.lookup_clients),
        "floor": workloads.misses(4000 * per_run, args.seed, args.lookup_clients),
    }
    paths = {}
    for name, lines in files.items():
        if not lines:
            raise SystemExit(f"no request could be prepared for {name}")
        warm = lines[: len(lines) // 10 if name == "actions" else 2000]
        main_lines = lines[len(warm) :] if name == "actions" else lines
        paths[name] = load.write_requests(work / f"{name}.txt", main_lines)
        paths[f"{name}-warm"] = load.write_requests(work / f"{name}-warm.txt", warm)
    template = _template()
    release_connections()
    if "ceiling" in only:
        load.prepare_ceiling(url)

    results: list[load.Result] = []
    cpu_rows: list[tuple[str, dict[str, float]]] = []
    balance: dict[str, str] = {}
    server = Server(url, var_dir, port=args.port, workers=args.workers, threads=args.threads)
    print(
        f"Database {pg.database_name(url)}: {dossiers_before:,} dossiers. Load average before: "
        f"{_loadavg()}. Server: {args.workers} workers; client: wrk, 1 thread, "
        f"{args.connections} connections, {args.seconds} s per operation.",
        flush=True,
    )
    try:
        server.start()
        for name in ("intake", "actions", "lookup", "floor"):
            if name not in only:
                continue
            load.wrk(
                f"{name} warm-up",
                server.base,
                paths[f"{name}-warm"],
                seconds=args.warmup,
                connections=args.connections,
            )
            # This database's backends only: the server's background writers also work for
            # every other database on it.
            groups = {
                "server (gunicorn)": server.pids(),
                "postgres": cpu.postgres_pids(url, background=False),
            }
            priority.renice(
                [os.getpid(), *groups["server (gunicorn)"], *groups["postgres"]], args.priority
            )
            before = cpu.snapshot(functools.reduce(operator.iadd, groups.values(), []))
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = load.wrk(
                OPERATION[name],
                server.base,
                paths[name],
                seconds=args.seconds,
                connections=args.connections,
                nice=args.priority,
                ok=frozenset({404}) if name == "floor" else frozenset({200, 201}),
            )
            backends = cpu.postgres_pids(url, background=False)
            groups["postgres"] = sorted(set(groups["postgres"]) | set(backends))
            after = cpu.snapshot(functools.reduce(operator.iadd, groups.values(), []))
            shares = cpu.split(before, after, groups)
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            wrk_cores = used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime
            shares = _move(shares, "wrk", wrk_cores / result.seconds)
            results.append(result)
            shares["ms per request (server + postgres)"] = (
                1000
                * (shares["server (gunicorn)"] + shares["postgres"])
                * result.seconds
                / max(1, result.requests)
            )
            cpu_rows.append((name, shares))
            balance[name] = _balance(before, after, groups["server (gunicorn)"])
            print(
                f"  {name}: {result.rate:,.0f}/s, p50 {result.p50_ms:.1f} ms, "
                f"p99 {result.p99_ms:.1f} ms, errors {result.errors} ({result.detail}); "
                f"server CPU by process {balance[name]} %",
                flush=True,
            )
        if args.profile:
            print(profile.intakes(server, paths["intake"], args.connections, work), flush=True)
    finally:
        server.stop()
        priority.restore_autogroups()
        shutil.rmtree(work, ignore_errors=True)
        pg.setup_django(url, var_dir)
        tokens.revoke_all()
        release_connections()

    if "ceiling" in only:
        priority.renice([os.getpid()], args.priority)
        result = load.ceiling(
            url,
            template,
            seconds=args.seconds,
            connections=args.connections,
            on_start=lambda: priority.renice(
                cpu.postgres_pids(url, background=False), args.priority
            ),
        )
        results.append(result)
        print(
            f"  ceiling: {result.rate:,.0f}/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms",
            flush=True,
        )
    priority.restore_autogroups()
    return report(results, cpu_rows, args, balance)


def _template() -> tuple[int, ...]:
    from motcua.dossiers.models import Dossier

    d = Dossier.objects.filter(channel="counter").exclude(reception_point=None).first()
    if d is None:
        raise SystemExit("no counter dossier to copy the shape of: load the database first")
    return (
        d.procedure_id,
        d.procedure_version_id,
        d.reception_point_id or 0,
        d.receiving_centre_id,
        d.competent_agency_id,
        d.created_by_id or 0,
    )


def _balance(before: cpu.Snapshot, after: cpu.Snapshot, pids: list[int]) -> str:
    """Each server process's share of the server's CPU, largest first ("51/48/1": two workers
    and the master). wrk's kept-alive connections stay with the worker that accepted them: a
    run where one worker holds most of them shows as "90/9/1", and its rate is that worker's."""
    used = sorted((after.ticks.get(p, 0) - before.ticks.get(p, 0) for p in pids), reverse=True)
    total = sum(used) or 1
    return "/".join(f"{100 * n / total:.0f}" for n in used)


def _move(shares: dict[str, float], name: str, cores: float) -> dict[str, float]:
    """Take the load generator's own CPU out of 'other processes'."""
    shares = dict(shares)
    shares["other processes"] = max(0.0, shares["other processes"] - cores)
    shares[name] = cores
    return shares


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(
    results: list[load.Result],
    cpu_rows: list,
    args: argparse.Namespace,
    balance: dict[str, str],
) -> int:
    failed = False
    print("\n| operation | requests | errors | rate/s | p50 ms | p99 ms | budget | result |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        budget, check = BUDGETS.get(r.operation, ("—", None))
        verdict = "—" if check is None else ("PASS" if check(r) and not r.errors else "FAIL")
        failed |= verdict == "FAIL"
        print(
            f"| {r.operation} | {r.requests:,} | {r.errors:,} | {r.rate:,.0f} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {budget} | {verdict} |"
        )
    by_name = {r.operation: r for r in results}
    if "intake" in by_name and "bare INSERT (ceiling)" in by_name:
        ratio = by_name["intake"].rate / by_name["bare INSERT (ceiling)"].rate
        print(
            f"\nintake / ceiling: {ratio:.1%} (a counter intake writes the dossier, its first "
            "step, its receive event, the code counter, the daily flow and the notifications "
            "in one transaction, plus the request's token and scope reads)"
        )
    if cpu_rows:
        names = list(cpu_rows[0][1])
        cores = os.cpu_count() or 1
        print(
            f"\nCPU in cores ({cores} on this machine) averaged over each run; CPU time per "
            "request of the server and PostgreSQL together, and the rate that would give with "
            "every core to them (no other work, no client):\n"
        )
        print("| operation | " + " | ".join(names) + " | rate with all cores |")
        print("|---|" + "---:|" * (len(names) + 1))
        for op, shares in cpu_rows:
            per_request = shares[names[-1]]
            bound = 1000 * cores / per_request if per_request else 0
            values = " | ".join(f"{shares[n]:.2f}" for n in names[:-1])
            print(f"| {op} | {values} | {per_request:.1f} | {bound:,.0f}/s |")
        print(
            "\nServer CPU by process, % (workers and master, largest first): "
            + "; ".join(f"{op} {split}" for op, split in balance.items())
        )
    print(
        f"\nLoad average after: {_loadavg()}; {args.connections} connections; "
        f"{args.seconds} s per operation after {args.warmup} s of warm-up."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
