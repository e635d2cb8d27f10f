"""Catalogue search latency: 2,000 procedures loaded through the import service, then a mix of
realistic queries through ``search_procedures``. Budget: p95 ≤ 50 ms per query.

    python bench/bench_catalog_search.py                      # a temporary SQLite database
    python bench/bench_catalog_search.py --database-url postgres://postgres@127.0.0.1:5432/x

With ``--database-url`` the script works in a scratch database ``test_<name>`` that it creates
and drops (Django's test database machinery), never in ``<name>`` itself.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "motcua" / "catalog" / "data" / "sample_catalog.json"
BUDGET_MS = 50.0

# The agencies the sample catalogue names (sample_province.md), so that it imports anywhere.
AGENCIES = [
    ("000.00.00.H20", "UBND tỉnh Đồng Tháp", "people_committee", None),
    ("000.00.04.H20", "Sở Nông nghiệp và Môi trường", "department", "000.00.00.H20"),
    ("000.00.05.H20", "Sở Tài chính", "department", "000.00.00.H20"),
    ("000.00.08.H20", "Sở Công Thương", "department", "000.00.00.H20"),
    ("000.01.04.H20", "Văn phòng Đăng ký đất đai tỉnh Đồng Tháp", "other", "000.00.04.H20"),
    ("000.00.30.H20", "Thuế tỉnh Đồng Tháp", "vertical", "000.00.00.H20"),
    ("000.00.31.H20", "Công an tỉnh Đồng Tháp", "vertical", "000.00.00.H20"),
    ("001.50.00.H20", "UBND Phường An Bình", "people_committee", "000.00.00.H20"),
]
# Words a real catalogue adds to names: variants for other target groups and situations.
SUFFIXES = [
    "",
    "có yếu tố nước ngoài",
    "tại khu vực biên giới",
    "lưu động",
    "cho người Việt Nam định cư ở nước ngoài",
    "(cấp lại)",
    "trong trường hợp đặc biệt",
    "đối với tổ chức",
]
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("dang ky khai sinh", {}),
    ("Đăng ký kết hôn", {}),
    ("chứng thực", {}),
    ("chung thuc ban sao", {"level": "commune"}),
    ("hộ kinh doanh", {}),
    ("giay phep xay dung", {}),
    ("đất đai", {"online_level": "partial"}),
    ("tro cap xa hoi hang thang", {}),
    ("ly lich tu phap", {}),
    ("1.001193", {}),
    ("an toàn thực phẩm", {"level": "province"}),
    ("khai", {"page": 3}),
    ("", {"field": "HT"}),
    ("", {"agency": "001.50.00.H20", "page": 2}),
    ("", {}),
]


def setup(database_url: str | None) -> tuple[str, Any]:
    scratch = tempfile.mkdtemp(prefix="motcua-bench-")
    os.environ["MOTCUA_VAR_DIR"] = scratch
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return "SQLite", None
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return f"PostgreSQL {connection.pg_version // 10000}", old_name


def teardown(old_name: Any) -> None:
    from django.db import connection

    if old_name is not None:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def generate(count: int) -> list[dict[str, Any]]:
    """``count`` procedures: variants of the sample with distinct codes and names."""
    base = json.loads(SAMPLE.read_text(encoding="utf-8"))["procedures"]
    rows = []
    for i in range(count):
        row = copy.deepcopy(base[i % len(base)])
        variant = i // len(base)
        if variant:
            suffix = SUFFIXES[variant % len(SUFFIXES)]
            row["code"] = f"{row['code']}.V{variant:03d}"
            row["name"] = f"{row['name']} {suffix} ({variant})".replace("  ", " ")
        rows.append(row)
    return rows


def load(count: int) -> float:
    from motcua.agencies.services import upsert_agencies
    from motcua.catalog.services import import_catalog

    upsert_agencies(
        [
            {
                "code": code,
                "name": name,
                "kind": kind,
                "level": "province" if code.startswith("000.") else "commune",
                "parent": parent,
            }
            for code, name, kind, parent in AGENCIES
        ]
    )
    rows = generate(count)
    started = time.perf_counter()
    for start in range(0, len(rows), 500):
        import_catalog({"procedures": rows[start : start + 500]})
    elapsed = time.perf_counter() - started
    from django.db import connection

    if connection.vendor == "postgresql":
        # Fresh planner statistics, as autovacuum would gather after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return elapsed


def measure(repeats: int) -> list[tuple[str, str, int, float, float]]:
    from motcua.catalog.selectors import search_procedures

    results = []
    for q, filters in QUERIES:
        search_procedures(q or None, **filters)  # warm the caches and the plan
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            page = search_procedures(q or None, **filters)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
        label = ", ".join(f"{k}={v}" for k, v in filters.items())
        results.append((q, label, page.count, p50, p95))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (a scratch test_ database is used)")
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    database, old_name = setup(args.database_url)
    try:
        load_seconds = load(args.procedures)
        results = measure(args.repeats)
    finally:
        teardown(old_name)

    print(
        f"## Catalogue search — {database}, {args.procedures} procedures "
        f"(imported in {load_seconds:.1f} s), {args.repeats} runs per query\n"
    )
    print("| query | filters | results | p50 ms | p95 ms | budget |")
    print("|---|---|---:|---:|---:|---|")
    failed = False
    for q, label, count, p50, p95 in results:
        ok = p95 <= BUDGET_MS
        failed |= not ok
        verdict = "PASS" if ok else "FAIL"
        print(f"| `{q}` | {label} | {count} | {p50:.2f} | {p95:.2f} | {verdict} |")
    worst = max(r[4] for r in results)
    verdict = "FAIL" if failed else "PASS"
    print(f"\nWorst p95: {worst:.2f} ms (budget {BUDGET_MS:.0f} ms): {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
