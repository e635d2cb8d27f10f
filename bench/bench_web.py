"""Benchmark of the web pages on a loaded database (issue 5: server time and page weight).

    .venv/bin/python bench/load_dossiers.py --database-url URL --count 1000000   # once
    .venv/bin/python bench/bench_web.py --database-url URL [--requests 40] [--priority -10]

Server time: starts ``motcua serve --workers 2`` (the production server, as ``bench_engine.py``)
and asks it for the officials' pages as real officials of the fixture, one request at a time
over a kept-alive connection (so the time is the server's, not a queue's): the receiver's desk
(home with its counts, the queues) at the busiest centre, the workspace of the busiest agency
("my work" for its specialist; its agency's queue for its leader, plain, with a due-state filter
and with a name search), the dossier page of one of its dossiers with the longest history, the
role home, and the dashboard of the busiest provincial department (its leader) and of the
province (the provincial inspector), with the sections the dashboard fetches once shown
(bottlenecks, service index) asked as htmx asks. The bottlenecks of a large scope are computed
by the worker and kept (ADR 0004): the script computes them first as the worker would, timed.
Sessions are made by Django's ``login`` on the database (the same row a password +
authenticator login leaves), so no second factor is typed. Each page gets ``--warmup``
unmeasured requests, then ``--requests`` measured ones: p50/p95/max wall time, and the server's
and this database's PostgreSQL backends' CPU per request.
Budget: p95 ≤ 150 ms.

Queries: each page once more in this process through Django's test client, counting the SQL
statements and their time (what ``django-debug-toolbar`` would show) — where to look when a page
is slow.

Page weight: the public pages (home, catalogue search, a procedure, a lookup result, the
statistics) as a visitor's browser fetches them: the HTML and every stylesheet, script, icon,
image and font it references (and the stylesheets' ``url()``), with ``Accept-Encoding: gzip,
br``. The bytes counted are those on the wire; the table says whether the server compressed
them. Budget: ≤ 300 KB per page.

Runs ``motcua init`` first (migrations added since the load). Prints two markdown tables with
PASS/FAIL and exits 1 if a budget is missed. Reads only (the sessions it creates are deleted at
the end).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import sys
import time
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib import cpu, pg, priority
from lib.server import Server

TIME_BUDGET_MS = 150.0
WEIGHT_BUDGET = 300 * 1024
PROVINCE_ROOT = "000.00.00.H20"  # the sample province (Đồng Tháp)
PROVINCE_INSPECTOR = "tinh.thanhtra"  # the sample province's inspector (agencies sample data)


@dataclass
class Page:
    name: str
    username: str
    path: str
    times_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cpu_ms: float = 0.0
    bytes: int = 0
    queries: int | None = None
    sql_ms: float | None = None
    htmx: bool = False  # asked as the dashboard's htmx does (the section alone)

    def pct(self, q: float) -> float:
        ordered = sorted(self.times_ms)
        if not ordered:
            return float("nan")
        # Nearest rank: with 40 requests p95 is the 38th, the 3rd slowest.
        rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
        return ordered[rank - 1]

    @property
    def verdict(self) -> str:
        return "PASS" if not self.errors and self.pct(0.95) <= TIME_BUDGET_MS else "FAIL"


# Choosing the pages from the fixture --------------------------------------------------------


def _busiest(queryset: Any, field_name: str) -> int:
    from django.db.models import Count

    row = queryset.values(field_name).annotate(n=Count("pk")).order_by("-n").first()
    if row is None:
        raise SystemExit("no dossier to choose from: load the fixture first")
    return int(row[field_name])


def official_pages() -> list[Page]:
    """The pages and who asks for them, chosen from the fixture's busiest places."""
    from django.db.models import Count

    from motcua.agencies.models import Agency, Level, RoleAssignment
    from motcua.dossiers.models import Dossier, DossierEvent
    from motcua.dossiers.states import OPEN

    open_dossiers = Dossier.objects.filter(state__in=OPEN)
    # The agency with the most open dossiers at a specialist step (a big commune, usually).
    agency_id = _busiest(
        open_dossiers.filter(current_step__role="specialist", current_step__ended_at=None),
        "current_step__agency_id",
    )
    centre_id = _busiest(open_dossiers, "receiving_centre_id")
    receiver = (
        RoleAssignment.objects.filter(
            agency_id=centre_id,
            role="receiver",
            is_active=True,
            official__username__startswith="bench.",
        )
        .order_by("pk")
        .values_list("official__username", flat=True)
        .first()
    )
    if receiver is None:
        raise SystemExit(f"no bench receiver at centre {centre_id}: load the fixture first")
    root = Agency.objects.get(code=PROVINCE_ROOT)
    department_id = _busiest(
        Dossier.objects.filter(
            competent_agency__level=Level.PROVINCE, competent_agency__parent_id=root.pk
        ),
        "competent_agency_id",
    )
    department = Agency.objects.get(pk=department_id)
    # A dossier with a long history, open at the busy agency: the page its leader opens. (By
    # its current step, not its competent agency: after the engine benchmark's forwards the
    # busiest agency can be one that only holds other agencies' dossiers, e.g. a tax office.)
    recent = open_dossiers.filter(current_step__agency_id=agency_id).order_by("-pk")[:2000]
    busy = (
        DossierEvent.objects.filter(dossier_id__in=list(recent.values_list("pk", flat=True)))
        .values("dossier_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if busy is None:
        raise SystemExit("no open dossier at the busiest agency")
    code = Dossier.objects.get(pk=busy["dossier_id"]).code
    name = Dossier.objects.get(pk=busy["dossier_id"]).applicant_name.split()
    search = " ".join(name[:2])  # "Nguyễn Văn": a common prefix, many matches
    specialist, leader = f"bench.s{agency_id}", f"bench.l{agency_id}"
    agency = Agency.objects.get(pk=agency_id)
    print(
        f"Pages: receiver {receiver} (centre {Agency.objects.get(pk=centre_id).code}); "
        f"{specialist} / {leader} ({agency.code} {agency.name}); dossier {code}; department "
        f"{department.code} {department.name} (bench.l{department_id}); province "
        f"{PROVINCE_ROOT} ({PROVINCE_INSPECTOR}).",
        flush=True,
    )
    dashboard = "/dieu-hanh/?" + urlencode({"period": "year", "agency": department.code})
    return [
        Page("desk: home and counts (receiver)", receiver, "/mot-cua/"),
        Page("desk: queue to check (receiver)", receiver, "/mot-cua/cho-tiep-nhan/"),
        Page("desk: queue to return (receiver)", receiver, "/mot-cua/tra-ket-qua/"),
        Page("role home (leader)", leader, "/"),
        Page("workspace: my work (specialist)", specialist, "/ho-so/?queue=mine"),
        Page("workspace: agency queue (leader)", leader, "/ho-so/?queue=agency"),
        Page("workspace: agency queue, overdue", leader, "/ho-so/?queue=agency&due=overdue"),
        Page(
            "workspace: agency queue, name search",
            leader,
            "/ho-so/?" + urlencode({"queue": "agency", "q": search}),
        ),
        Page(
            "workspace: search all, by name",
            leader,
            "/ho-so/?" + urlencode({"queue": "all", "q": search}),
        ),
        Page("dossier page (leader)", leader, f"/ho-so/{code}/"),
        Page("dashboard: provincial department", f"bench.l{department_id}", dashboard),
        Page(
            "dashboard: province",
            PROVINCE_INSPECTOR,
            "/dieu-hanh/?" + urlencode({"period": "year", "agency": PROVINCE_ROOT}),
        ),
        # The sections the dashboard fetches once shown (htmx), as the page asks for them.
        *(
            Page(f"dashboard section: {label}, {who}", user, f"{path}?{query}", htmx=True)
            for label, path in (
                ("bottlenecks", "/dieu-hanh/diem-nghen/"),
                ("service index", "/dieu-hanh/chi-so/"),
            )
            for who, user, query in (
                ("department", f"bench.l{department_id}", dashboard.split("?")[1]),
                (
                    "province",
                    PROVINCE_INSPECTOR,
                    urlencode({"period": "year", "agency": PROVINCE_ROOT}),
                ),
            )
        ),
    ]


def stored_bottlenecks(pages: list[Page]) -> list[tuple[str, float, int]]:
    """The bottlenecks the dashboard's sections show for a large scope are computed by the
    worker and kept (ADR 0004): compute them as the worker would, timed, before the sections
    are measured — (agency, seconds, steps read) each."""
    from urllib.parse import parse_qs

    from django.utils import timezone

    from motcua.agencies.models import Agency
    from motcua.stats.models import BottleneckResult
    from motcua.stats.scope import Period
    from motcua.stats.stored_bottlenecks import (
        INLINE_DOSSIERS,
        compute_bottlenecks,
        dossier_estimate,
    )

    today = timezone.localdate()
    period = Period(today.replace(month=1, day=1), today.replace(month=12, day=31))
    out = []
    for page in pages:
        if "bottlenecks" not in page.name:
            continue
        code = parse_qs(page.path.split("?")[1])["agency"][0]
        agency = Agency.objects.get(code=code)
        if dossier_estimate(agency, period, period.as_of(timezone.now())) <= INLINE_DOSSIERS:
            continue  # computed on the page: that is what is measured
        row, _new = BottleneckResult.objects.get_or_create(
            agency=agency, first=period.first, last=period.last
        )
        started = time.perf_counter()
        steps = compute_bottlenecks.call(row.pk)
        out.append((code, time.perf_counter() - started, steps))
        print(
            f"  bottlenecks of {code} computed as the worker would: "
            f"{out[-1][1]:.1f} s, {steps:,} steps",
            flush=True,
        )
    return out


def public_pages() -> list[tuple[str, str]]:
    from motcua.catalog.models import Procedure
    from motcua.dossiers.models import Dossier

    procedure = Procedure.objects.filter(current__isnull=False).order_by("code").first()
    dossier = Dossier.objects.filter(returned_at__isnull=False).order_by("-pk").first()
    if procedure is None or dossier is None:
        raise SystemExit("no procedure or returned dossier: load the fixture first")
    return [
        ("home", "/"),
        ("catalogue search", "/thu-tuc/?" + urlencode({"q": "dang ky khai sinh"})),
        ("procedure detail", f"/thu-tuc/{procedure.code}/"),
        ("lookup result", f"/tra-cuu/{dossier.code}/"),
        ("public statistics", "/thong-ke/"),
    ]


def sessions(usernames: set[str]) -> dict[str, str]:
    """A logged-in session per official, made by Django's ``login`` (the row the two-factor
    login leaves behind once the code is accepted)."""
    from django.test import Client

    from motcua.identity.models import User

    cookies = {}
    for username in sorted(usernames):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise SystemExit(f"no active official {username!r} in the fixture")
        client = Client()
        client.force_login(user)
        cookies[username] = client.cookies["sessionid"].value
    return cookies


def count_queries(pages: list[Page], cookies: dict[str, str]) -> None:
    """Each page once (after a warm-up) in this process, counting its SQL statements."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = Client()
        client.cookies["sessionid"] = cookies[page.username]
        extra = {"HTTP_HX_REQUEST": "true"} if page.htmx else {}
        client.get(page.path, **extra)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path, **extra)
        if response.status_code != 200:
            print(f"  {page.name}: HTTP {response.status_code} in process", flush=True)
        page.queries = len(captured.captured_queries)
        page.sql_ms = 1000 * sum(float(q["time"]) for q in captured.captured_queries)


# Measuring through the server ----------------------------------------------------------------


def measure(
    server: Server, url: str, page: Page, cookie: str, warmup: int, n: int, budget_s: float
) -> None:
    """``n`` requests, or as many as fit in ``budget_s`` seconds (a pathologically slow page
    must not hold the run for an hour: its p95 is obvious after a few)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    headers = {"Cookie": f"sessionid={cookie}", "Accept-Encoding": "gzip, br"}
    if page.htmx:
        headers["HX-Request"] = "true"

    def get() -> tuple[int, int]:
        conn.request("GET", page.path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body)

    for _ in range(warmup):
        start = time.monotonic()
        get()
        if time.monotonic() - start > budget_s / 10:
            break  # warm enough: it is the page that is slow
    groups = {"server": server.pids(), "postgres": cpu.postgres_pids(url, background=False)}
    pids = groups["server"] + groups["postgres"]
    before = cpu.snapshot(pids)
    deadline = time.monotonic() + budget_s
    for _ in range(n):
        if page.times_ms and time.monotonic() > deadline:
            break
        start = time.perf_counter()
        status, size = get()
        page.times_ms.append(1000 * (time.perf_counter() - start))
        page.bytes = size
        if status != 200:
            page.errors += 1
    after = cpu.snapshot(pids)
    ticks = sum(after.ticks.get(p, 0) - before.ticks.get(p, 0) for p in pids)
    page.cpu_ms = 1000 * ticks / cpu.TICKS / len(page.times_ms)
    conn.close()


class _Refs(HTMLParser):
    """What a browser fetches to show the page: stylesheets, scripts, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower().split()
            if {"stylesheet", "icon", "preload", "modulepreload"} & set(rel):
                self.urls.append(a["href"] or "")
        elif tag in ("script", "img", "source", "input") and a.get("src"):
            self.urls.append(a["src"] or "")


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # only if the server sends br

        return bytes(brotli.decompress(body))
    return body


@dataclass
class Weight:
    name: str
    path: str
    html: int = 0
    assets: int = 0
    files: int = 0
    raw: int = 0  # uncompressed total
    encodings: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html + self.assets


def page_weight(server: Server, name: str, path: str) -> Weight:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    weight = Weight(name, path)

    def fetch(target: str) -> tuple[int, bytes, bytes, str]:
        conn.request("GET", target, headers={"Accept-Encoding": "gzip, br"})
        response = conn.getresponse()
        body = response.read()
        encoding = (response.getheader("Content-Encoding") or "identity").lower()
        weight.encodings.add(encoding)
        return (
            response.status,
            body,
            _decode(body, encoding),
            response.getheader("Content-Type", ""),
        )

    status, wire, html, _ = fetch(path)
    if status != 200:
        weight.missing.append(f"{path}: HTTP {status}")
    weight.html, weight.raw = len(wire), len(html)
    parser = _Refs()
    parser.feed(html.decode("utf-8", "replace"))
    queue = [urljoin(path, u) for u in parser.urls]
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or url in seen:
            if parts.netloc:
                weight.missing.append(f"{url}: another site")
            continue
        seen.add(url)
        status, wire, body, kind = fetch(url)
        if status != 200:
            weight.missing.append(f"{url}: HTTP {status}")
            continue
        weight.assets += len(wire)
        weight.raw += len(body)
        weight.files += 1
        if "css" in kind:
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", body.decode("utf-8", "replace")):
                if not ref.startswith("data:"):
                    queue.append(urljoin(url, ref))
    conn.close()
    return weight


# Report ---------------------------------------------------------------------------------------


def report(
    pages: list[Page],
    weights: list[Weight],
    load_before: str,
    background: list[tuple[str, float, int]],
) -> bool:
    failed = False
    if background:
        print("\n| bottlenecks computed by the worker (ADR 0004) | seconds | steps read |")
        print("|---|---:|---:|")
        for code, seconds, steps in background:
            print(f"| {code}, this year | {seconds:.1f} | {steps:,} |")
    print(f"\nLoad average before: {load_before}; after: {priority.loadavg()}.")
    print(
        "\n| page | requests | p50 ms | p95 ms | max ms | CPU ms/req (server + PG) | queries "
        "| SQL ms | KB | budget | result |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for p in pages:
        failed |= p.verdict == "FAIL"
        errors = f" ({p.errors} errors)" if p.errors else ""
        queries = "—" if p.queries is None else str(p.queries)
        sql_ms = "—" if p.sql_ms is None else f"{p.sql_ms:.1f}"
        print(
            f"| {p.name} | {len(p.times_ms)}{errors} | {p.pct(0.5):.1f} | {p.pct(0.95):.1f} | "
            f"{max(p.times_ms):.1f} | {p.cpu_ms:.1f} | {queries} | {sql_ms} | {p.bytes / 1024:.1f} "
            f"| p95 ≤ {TIME_BUDGET_MS:.0f} ms | {p.verdict} |"
        )
    print(
        "\n| public page | HTML KB | assets (files) KB | total KB | uncompressed KB | encoding "
        "| budget | result |"
    )
    print("|---|---:|---:|---:|---:|---|---|---|")
    for w in weights:
        ok = w.total <= WEIGHT_BUDGET and not w.missing
        failed |= not ok
        print(
            f"| {w.name} | {w.html / 1024:.1f} | {w.assets / 1024:.1f} ({w.files}) | "
            f"{w.total / 1024:.1f} | {w.raw / 1024:.1f} | {', '.join(sorted(w.encodings))} | "
            f"≤ {WEIGHT_BUDGET // 1024} KB | {'PASS' if ok else 'FAIL'} |"
        )
        for problem in w.missing:
            print(f"    {w.name}: {problem}")
    return not failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests per page")
    parser.add_argument(
        "--page-seconds", type=float, default=60, help="stop measuring a page after this long"
    )
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        metavar="NICE",
        help="nice value for the server, this database's backends and this client (e.g. -10 "
        "when other work shares the machine); 0 leaves them alone",
    )
    parser.add_argument("--only", nargs="*", help="pages whose name contains one of these words")
    parser.add_argument("--no-queries", action="store_true", help="skip the in-process SQL count")
    parser.add_argument("--var-dir", type=Path)
    args = parser.parse_args()
    url = args.database_url
    var_dir = args.var_dir or pg.default_var_dir(url)

    # Migrations added since the load (idempotent), as bench_engine.py.
    pg.migrate(url, var_dir)
    # The test client (sessions, query counts) asks as host "testserver".
    os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1,testserver"
    pg.setup_django(url, var_dir)
    from django.contrib.sessions.models import Session

    from motcua.cli.management.commands.serve import release_connections

    pages = official_pages()
    if args.only:
        pages = [p for p in pages if any(word in p.name for word in args.only)]
    public = public_pages()
    cookies = sessions({p.username for p in pages})
    background = stored_bottlenecks(pages)
    if not args.no_queries:
        count_queries(pages, cookies)
    release_connections()

    load_before = priority.loadavg()
    server = Server(url, var_dir, port=args.port, workers=args.workers)
    weights = []
    try:
        server.start()
        priority.renice([os.getpid(), *server.pids()], args.priority)
        for page in pages:
            priority.renice(cpu.postgres_pids(url, background=False), args.priority)
            measure(
                server,
                url,
                page,
                cookies[page.username],
                args.warmup,
                args.requests,
                args.page_seconds,
            )
            print(
                f"  {page.name}: p50 {page.pct(0.5):.1f} ms, p95 {page.pct(0.95):.1f} ms, "
                f"{page.queries} queries",
                flush=True,
            )
        weights = [page_weight(server, name, path) for name, path in public]
    finally:
        server.stop()
        priority.restore_autogroups()
        Session.objects.filter(session_key__in=list(cookies.values())).delete()
        release_connections()
    return 0 if report(pages, weights, load_before, background) else 1


if __name__ == "__main__":
    sys.exit(main())
