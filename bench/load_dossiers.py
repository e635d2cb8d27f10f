"""Load a PostgreSQL database with the sample province and N realistic dossiers, fast.

    .venv/bin/python bench/load_dossiers.py --database-url postgres://postgres@127.0.0.1/bench_1m \\
        --count 1000000 [--recreate] [--jobs 2] [--days 365] [--seed 20261121]

1. ``motcua demo --no-serve --no-history`` on the database: migrations, calendar, the 34
   provinces, the sample province of Đồng Tháp (102 communes, 220 agencies, desks, officials)
   and the sample catalogue (34 procedures with their workflows). Then one receiver per desk
   and a specialist and a leader per agency (``bench.*`` accounts, through the officials
   service) and the portal account.
2. A plan for N dossiers, vectorised with numpy: procedure (skewed popularity), competent agency
   (skewed commune sizes), receiving centre (its own, 5% another centre of the province), channel
   (counter, online, postal as the procedure allows) and the instant each was created, over the
   last ``--days`` days (desk dossiers in office hours of working days, online ones at any hour).
   Ids follow creation time; the running number of every code counts per competent agency and
   local day in creation order, and ``DossierCounter`` gets the last number of each, so intakes
   made afterwards continue the sequences.
3. ``--jobs`` processes generate each dossier's life (``lib/simulate.py``: receive, forwards
   through the workflow, supplements, suspensions, refusals, withdrawals, apologies, results
   returned — each an event with the due time after it, steps with their own due times and
   timeliness, pauses) cut at the present, and COPY it into the engine's tables in batches.
   Secondary indexes and unique constraints are dropped first and rebuilt at the end; foreign keys
   are not checked during the COPY (``session_replication_role = replica``: the generator only
   writes ids it has just read or made).
4. ``stats_dailyflow`` is rebuilt from the dossiers (what ``motcua.stats.rollup`` would have
   maintained), the id sequences are moved past the loaded ids, and the tables are vacuumed and
   analysed so that the benchmark starts from a steady state.

Refuses to load into a database that already has dossiers unless ``--recreate`` (which drops and
creates the database first). A benchmark fixture: never point it at a real database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib import pg

TABLES = ("dossiers_dossier", "dossiers_dossierstep", "dossiers_dossierevent", "dossiers_pause")
CHANNELS = ("counter", "online", "postal")

# Shared with the forked workers (set before the pool starts).
_PLAN: dict[str, Any] = {}
_CONN: psycopg.Connection | None = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://… (created if missing)")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="dossiers created over these days")
    parser.add_argument("--jobs", type=int, default=2, help="generator processes")
    parser.add_argument("--batch", type=int, default=10_000, help="dossiers per COPY batch")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--recreate", action="store_true", help="drop and create the database")
    parser.add_argument("--var-dir", type=Path, help="MOTCUA_VAR_DIR (default /tmp/<db>-var)")
    parser.add_argument(
        "--verify",
        type=int,
        default=2000,
        metavar="N",
        help="afterwards, check the history invariants and recompute N due times with the engine",
    )
    args = parser.parse_args()
    url = args.database_url
    var_dir = args.var_dir or pg.default_var_dir(url)
    timings: list[tuple[str, float]] = []

    def phase(name: str, start: float) -> float:
        now = time.perf_counter()
        timings.append((name, now - start))
        print(f"  {name}: {now - start:.1f} s", flush=True)
        return now

    t0 = t = time.perf_counter()
    pg.create_database(url, drop=args.recreate)
    subprocess.run(
        # Without the demo's simulated months: the fixture is all this script's own dossiers.
        [pg.motcua_bin(), "demo", "--no-serve", "--no-history", "--verbosity", "0"],
        env=pg.motcua_env(url, var_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    t = phase("motcua demo --no-serve (schema, calendar, sample province and catalogue)", t)

    pg.setup_django(url, var_dir)
    from lib import world as world_mod
    from motcua.catalog.models import ProcedureVersion
    from motcua.cli.management.commands.serve import release_connections
    from motcua.dossiers.models import Dossier

    if Dossier.objects.exists():
        print("error: the database already has dossiers (use --recreate)", file=sys.stderr)
        return 2
    world_mod.ensure_officials(args.seed)
    world = world_mod.load_world()
    versions = {
        v.pk: v for v in ProcedureVersion.objects.filter(pk__in=[p.version_id for p in world.procs])
    }
    release_connections()
    t = phase(f"officials and reference data ({len(world.procs)} procedures)", t)

    now_us = int(datetime.now(UTC).timestamp() * 1_000_000)
    plan = make_plan(world, args.count, now_us, args.days, args.seed)
    t = phase("plan (numpy)", t)

    with psycopg.connect(url, autocommit=True) as conn:
        saved = drop_indexes(conn)
        copy_counters(conn, world, plan)
    t = phase(f"dropped {len(saved)} indexes and constraints; counters written", t)

    _PLAN.update(plan=plan, world=world, versions=versions, now=now_us, url=url, seed=args.seed)
    ranges = [(lo, min(lo + args.batch, args.count)) for lo in range(0, args.count, args.batch)]
    totals = np.zeros(4, dtype=np.int64)
    done = 0
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for counts in pool.imap_unordered(load_batch, ranges):
            totals += counts
            done += int(counts[0])
            if done % (args.batch * 20) < args.batch:
                rate = done / (time.perf_counter() - t)
                print(f"    {done:>9,} dossiers  ({rate:,.0f}/s)", flush=True)
    t = phase(
        f"generated and copied {totals[0]:,} dossiers, {totals[1]:,} steps, "
        f"{totals[2]:,} events, {totals[3]:,} pauses",
        t,
    )

    rebuild_indexes(url, saved, args.jobs)
    t = phase("indexes and unique constraints rebuilt", t)
    with psycopg.connect(url, autocommit=True) as conn:
        finish(conn)
    t = phase("sequences, stats_dailyflow", t)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in (*TABLES, "dossiers_dossiercounter", "stats_dailyflow"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
        # The small tables too (officials, agencies, procedure versions): too few rows changed
        # for autovacuum to analyse them soon, and without statistics the planner takes the
        # 354 officials for 30 and joins them to thousands of steps by a nested loop (the
        # workspace's "my work" measured 119 ms instead of 70).
        conn.execute("ANALYZE")
    t = phase("VACUUM (ANALYZE)", t)
    total = time.perf_counter() - t0
    print(f"Loaded {args.count:,} dossiers into {pg.database_name(url)} in {total:.0f} s.")
    with psycopg.connect(url) as conn:
        summary(conn)
    if args.verify:
        from lib import checks

        with psycopg.connect(url) as conn:
            problems = checks.structural(conn) + checks.counters(conn)
        problems += checks.due_times(args.verify)
        for problem in problems:
            print(f"PROBLEM: {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"verified: event histories, counters, {args.verify} due times recomputed")
    return 0


# -- the plan ------------------------------------------------------------------------------------
def make_plan(world: Any, count: int, now_us: int, days: int, seed: int) -> dict[str, Any]:
    from motcua.clock.engine import DAY_US, LOCAL_OFFSET_US, US
    from motcua.clock.selectors import working_calendar

    rng = np.random.default_rng(seed)
    procs = world.procs
    proc_weight = rng.lognormal(0.0, 1.0, len(procs))
    proc_idx = rng.choice(len(procs), size=count, p=proc_weight / proc_weight.sum())

    size = max(world.agency_code) + 1
    agency_weight = rng.lognormal(0.0, 0.6, size)
    comp = np.zeros(count, dtype=np.int64)
    for j, proc in enumerate(procs):
        where = np.flatnonzero(proc_idx == j)
        candidates = np.asarray(proc.competent, dtype=np.int64)
        w = agency_weight[candidates]
        comp[where] = rng.choice(candidates, size=len(where), p=w / w.sum())
    centre_lookup = np.zeros(size, dtype=np.int64)
    for agency, centre in world.centre_of.items():
        centre_lookup[agency] = centre
    centre = centre_lookup[comp]
    # Since 2025 any centre of the province accepts any procedure: a few go elsewhere.
    elsewhere = rng.random(count) < 0.05
    centre[elsewhere] = rng.choice(np.asarray(world.centres), size=int(elsewhere.sum()))

    online = np.asarray([p.online for p in procs])[proc_idx]
    postal = np.asarray([p.postal for p in procs])[proc_idx]
    u = rng.random(count)
    channel = np.zeros(count, dtype=np.int8)
    channel[online & (u < 0.35)] = 1
    channel[postal & (u >= 0.35) & (u < 0.40)] = 2

    cal = working_calendar()
    today = (now_us + LOCAL_OFFSET_US) // DAY_US
    first = today - days
    working = np.asarray([d for d in cal.working_days if first <= d <= today], dtype=np.int64)
    weekday_weight = np.where((working + 3) % 7 == 0, 1.3, 1.0)  # Mondays are busier
    desk_day = rng.choice(working, size=count, p=weekday_weight / weekday_weight.sum())
    periods = np.asarray(cal.periods_s, dtype=np.int64)
    lengths = (periods[:, 1] - periods[:, 0]).astype(float)
    lengths[0] *= 1.3  # mornings are busier
    period = rng.choice(len(periods), size=count, p=lengths / lengths.sum())
    desk_tod = periods[period, 0] + (rng.random(count) * (periods[period, 1] - periods[period, 0]))
    any_day = rng.integers(first, today + 1, size=count)
    any_tod = rng.integers(6 * 3600, 23 * 3600, size=count)
    is_online = channel == 1
    day = np.where(is_online, any_day, desk_day)
    tod = np.where(is_online, any_tod, desk_tod.astype(np.int64))
    created = day * DAY_US + tod * US - LOCAL_OFFSET_US
    late = created > now_us - 60 * US
    created[late] = now_us - rng.integers(60, 6 * 3600, size=int(late.sum())) * US

    order = np.argsort(created, kind="stable")
    proc_idx, comp, centre = proc_idx[order], comp[order], centre[order]
    channel, created = channel[order], created[order]
    local_day = (created + LOCAL_OFFSET_US) // DAY_US
    key = comp * 1_000_000 + local_day
    by_key = np.argsort(key, kind="stable")  # creation order inside each agency-day
    sorted_key = key[by_key]
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    start_index = np.maximum.accumulate(np.where(starts, np.arange(count), 0))
    number = np.empty(count, dtype=np.int64)
    number[by_key] = np.arange(count) - start_index + 1
    return {
        "proc_idx": proc_idx,
        "comp": comp,
        "centre": centre,
        "channel": channel,
        "created": created,
        "local_day": local_day,
        "number": number,
    }


def copy_counters(conn: psycopg.Connection, world: Any, plan: dict[str, Any]) -> None:
    from lib.simulate import day_text

    key = plan["comp"] * 1_000_000 + plan["local_day"]
    keys, last = np.unique(key, return_counts=True)
    lines = [
        f"{int(k) // 1_000_000}\t{day_text(int(k) % 1_000_000)}\t{int(n)}"
        for k, n in zip(keys, last, strict=True)
    ]
    with (
        conn.cursor() as cur,
        cur.copy("COPY dossiers_dossiercounter (agency_id, day, last) FROM STDIN") as copy,
    ):
        copy.write("\n".join(lines) + "\n")


# -- the workers ---------------------------------------------------------------------------------
def _connection() -> psycopg.Connection:
    global _CONN
    if _CONN is None:
        _CONN = psycopg.connect(_PLAN["url"])
        _CONN.execute("SET session_replication_role = replica")
        _CONN.execute("SET synchronous_commit = off")
        _CONN.commit()
    return _CONN


def load_batch(bounds: tuple[int, int]) -> np.ndarray:
    from lib.scenarios import Generator
    from lib.simulate import (
        DOSSIER_COLUMNS,
        EVENT_COLUMNS,
        PAUSE_COLUMNS,
        STEP_COLUMNS,
        Rows,
        day_text,
    )

    lo, hi = bounds
    plan, world = _PLAN["plan"], _PLAN["world"]
    gen = Generator(world, _PLAN["versions"], _PLAN["now"], _PLAN["seed"] * 7919 + lo)
    rows = Rows()
    procs, codes = world.procs, world.agency_code
    proc_idx, comp, centre = plan["proc_idx"], plan["comp"], plan["centre"]
    channel, created, local_day, number = (
        plan["channel"],
        plan["created"],
        plan["local_day"],
        plan["number"],
    )
    for i in range(lo, hi):
        agency = int(comp[i])
        day = day_text(int(local_day[i]))
        code = f"{codes[agency]}-{day[2:4]}{day[5:7]}{day[8:10]}-{int(number[i]):04d}"
        gen.dossier(
            rows,
            i + 1,
            code,
            procs[proc_idx[i]],
            agency,
            int(centre[i]),
            CHANNELS[channel[i]],
            int(created[i]),
        )
    conn = _connection()
    with conn.cursor() as cur:
        for table, columns, lines in (
            ("dossiers_dossier", DOSSIER_COLUMNS, rows.dossiers),
            ("dossiers_dossierstep", STEP_COLUMNS, rows.steps),
            ("dossiers_dossierevent", EVENT_COLUMNS, rows.events),
            ("dossiers_pause", PAUSE_COLUMNS, rows.pauses),
        ):
            if lines:
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write("\n".join(lines) + "\n")
    conn.commit()
    return np.asarray([len(rows.dossiers), len(rows.steps), len(rows.events), len(rows.pauses)])


# -- indexes -------------------------------------------------------------------------------------
def drop_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop every index but the primary keys of the loaded tables; return how to rebuild them."""
    rebuild: list[str] = []
    tables = list(TABLES)
    for table, name, definition in conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
        [tables],
    ).fetchall():
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, definition in conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [tables],
    ).fetchall():
        rebuild.append(definition)
        conn.execute(f'DROP INDEX "{name}"')
    return rebuild


def rebuild_indexes(url: str, statements: list[str], jobs: int) -> None:
    def run(statement: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(statement)

    # The biggest tables first, so that the two builders finish together.
    order = sorted(statements, key=lambda s: ("dossierevent" not in s, "dossierstep" not in s))
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        list(pool.map(run, order))


# -- finishing -----------------------------------------------------------------------------------
def finish(conn: psycopg.Connection) -> None:
    for table in (*TABLES, "dossiers_dossiercounter"):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    # What motcua.stats.rollup would have maintained: received per local day of reception,
    # resolved per local day of resolution and timeliness; spread over the same shards.
    conn.execute("SET work_mem = '256MB'")
    conn.execute("DELETE FROM stats_dailyflow")
    # Their monthly sums are computed from the daily flows when first read (stats.monthly).
    conn.execute("DELETE FROM stats_monthlyflow")
    conn.execute("DELETE FROM stats_monthdone")
    conn.execute(
        """
        INSERT INTO stats_dailyflow (day, agency_id, procedure_id, field_id, channel, shard,
                                     received, resolved_early, resolved_on_time, resolved_late)
        SELECT day, agency_id, procedure_id, field_id, channel, shard,
               sum(received), sum(early), sum(on_time), sum(late)
        FROM (
            SELECT (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,
                   d.competent_agency_id AS agency_id, d.procedure_id, v.field_id, d.channel,
                   d.id % 4 AS shard, 1 AS received, 0 AS early, 0 AS on_time, 0 AS late
            FROM dossiers_dossier d
            JOIN catalog_procedureversion v ON v.id = d.procedure_version_id
            WHERE d.received_at IS NOT NULL
            UNION ALL
            SELECT (d.resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
                   d.competent_agency_id, d.procedure_id, v.field_id, d.channel, d.id % 4, 0,
                   (d.timeliness = 'early')::int, (d.timeliness = 'on_time')::int,
                   (d.timeliness = 'late')::int
            FROM dossiers_dossier d
            JOIN catalog_procedureversion v ON v.id = d.procedure_version_id
            WHERE d.resolved_at IS NOT NULL AND d.received_at IS NOT NULL
        ) flows
        GROUP BY day, agency_id, procedure_id, field_id, channel, shard
        -- day by day, as the roll-up appends them in production (stats.sweep does the same)
        ORDER BY day, agency_id, procedure_id, field_id, channel, shard
        """
    )


def summary(conn: psycopg.Connection) -> None:
    print("\n| state | dossiers |\n|---|---:|")
    for state, count in conn.execute(
        "SELECT state, count(*) FROM dossiers_dossier GROUP BY 1 ORDER BY 2 DESC"
    ):
        print(f"| {state} | {count:,} |")
    print("\n| table | rows | size |\n|---|---:|---:|")
    for table in (*TABLES, "dossiers_dossiercounter", "stats_dailyflow"):
        rows, size = conn.execute(
            f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}"
        ).fetchone() or (0, "")
        print(f"| {table} | {rows:,} | {size} |")
    late = conn.execute(
        "SELECT timeliness, count(*) FROM dossiers_dossier WHERE resolved_at IS NOT NULL "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    print("\nresolved by timeliness: " + ", ".join(f"{k} {v:,}" for k, v in late))


if __name__ == "__main__":
    sys.exit(main())
