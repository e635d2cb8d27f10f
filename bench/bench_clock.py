"""Benchmark of the working-time engine (calendar.md, "Speed").

Standalone: sets Django up on a temporary SQLite database under a temporary MOTCUA_VAR_DIR, runs
``motcua init`` so that the calendar is the real seeded one, then measures

* the single path, ``WorkingCalendar.due`` with a datetime in and out, on many random starts;
* the bulk path, ``WorkingCalendar.due_bulk`` on 1,000,000 random starts and amounts, against
  bare ``numpy.busday_offset`` on the same start dates (weekmask '1111111', the same
  non-working dates, roll='backward') as the floor of what any day arithmetic can cost;
* the bulk path with one closed pause per dossier.

Prints a markdown table with each budget and PASS/FAIL; exits 1 if a budget is missed.
Run: ``.venv/bin/python bench/bench_clock.py [--seed N] [--single N] [--bulk N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def setup_django(var_dir: Path) -> None:
    os.environ["MOTCUA_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("init", verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20260310)
    parser.add_argument("--single", type=int, default=50_000, help="single-path calls")
    parser.add_argument("--bulk", type=int, default=1_000_000, help="bulk batch size")
    parser.add_argument("--repeat", type=int, default=3, help="bulk runs; the best is kept")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        setup_django(Path(tmp))
        return run(args)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from motcua.clock.engine import HOUR_US, LOCAL_OFFSET_US, US, WORKING_DAY_HOURS, from_us, to_us
    from motcua.clock.selectors import working_calendar
    from motcua.core.localtime import LOCAL_TZ

    cal = working_calendar()
    rng = np.random.default_rng(args.seed)
    minute = 60 * US
    first = to_us(datetime(2020, 1, 1, tzinfo=LOCAL_TZ)) // minute
    last = to_us(datetime(2030, 12, 1, tzinfo=LOCAL_TZ)) // minute

    # ---- single path: datetime in, datetime out, every call a different start ----------
    starts_single = [from_us(int(m) * minute) for m in rng.integers(first, last, args.single)]
    hours_single = (rng.integers(1, 30 * WORKING_DAY_HOURS * 4, args.single) / 4).tolist()
    for s, h in zip(starts_single[:2000], hours_single[:2000], strict=True):  # warm-up
        cal.due(s, hours=h)
    clock = time.perf_counter_ns
    samples = []
    for s, h in zip(starts_single, hours_single, strict=True):
        t0 = clock()
        cal.due(s, hours=h)
        samples.append(clock() - t0)
    single_median_us = statistics.median(samples) / 1000
    single_p95_us = statistics.quantiles(samples, n=20)[-1] / 1000

    # ---- bulk path ---------------------------------------------------------------------
    n = args.bulk
    starts = rng.integers(first, last, n, dtype=np.int64) * minute
    days = rng.integers(1, 31, n, dtype=np.int64)  # 1–30 working days
    extra = rng.integers(0, WORKING_DAY_HOURS * 4, n, dtype=np.int64) * (HOUR_US // 4)
    amounts = days * WORKING_DAY_HOURS * HOUR_US + extra

    def best(fn):  # type: ignore[no-untyped-def]
        times, result = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        return min(times), result

    bulk_s, bulk = best(lambda: cal.due_bulk(starts, amounts))

    start_dates = ((starts + LOCAL_OFFSET_US) // (86_400 * US)).astype("datetime64[D]")
    baseline_cal = np.busdaycalendar(
        weekmask="1111111",
        holidays=np.array(sorted(cal.non_working), dtype="datetime64[D]"),
    )
    base_s, _ = best(
        lambda: np.busday_offset(start_dates, days, roll="backward", busdaycal=baseline_cal)
    )

    pause_start = starts + rng.integers(0, 10 * 24 * 60, n, dtype=np.int64) * minute
    pause_end = pause_start + rng.integers(0, 5 * 24 * 60, n, dtype=np.int64) * minute
    paused_s, paused = best(
        lambda: cal.due_bulk(starts, amounts, None, pause_start[:, None], pause_end[:, None])
    )

    # Spot-check that the timed results are the single path's.
    check = rng.integers(0, n, 2000)
    for i in check.tolist():
        s, a = int(starts[i]), int(amounts[i])
        assert bulk[i] == cal.due_us(s, a), i
        assert paused[i] == cal.due_us(s, a, None, [(int(pause_start[i]), int(pause_end[i]))]), i

    rows = [
        (
            f"single due time (`WorkingCalendar.due`, datetime in/out), median of "
            f"{args.single:,} random starts",
            f"{single_median_us:.2f} µs (p95 {single_p95_us:.2f} µs)",
            "≤ 20 µs",
            single_median_us <= 20,
        ),
        (f"bulk `due_bulk`, {n:,} due times", f"{bulk_s:.3f} s", "≤ 1 s", bulk_s <= 1.0),
        (
            f"baseline: bare `numpy.busday_offset`, same {n:,} start dates",
            f"{base_s:.3f} s",
            "—",
            None,
        ),
        ("ratio bulk / baseline", f"{bulk_s / base_s:.1f}×", "—", None),
        (
            f"bulk `due_bulk`, {n:,} due times with one closed pause each",
            f"{paused_s:.3f} s",
            "≤ 1 s",
            paused_s <= 1.0,
        ),
    ]
    print("| measure | result | budget | verdict |")
    print("|---|---|---|---|")
    for label, value, budget, ok in rows:
        verdict = "—" if ok is None else ("PASS" if ok else "FAIL")
        print(f"| {label} | {value} | {budget} | {verdict} |")
    import numpy

    print(
        f"\nPython {sys.version.split()[0]}, numpy {numpy.__version__}, "
        f"calendar {cal.first_day.year}–{cal.last_day.year} "
        f"({len(cal.non_working)} non-working dates), best of {args.repeat} bulk runs, "
        f"seed {args.seed}."
    )
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
