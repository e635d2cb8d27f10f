"""Published statistics (``/thong-ke/``): per agency, dossiers received and resolved and the
on-time and online rates of the period report (Biểu II.06a), for the current year or month.

The figures come from the report service (``stats.report.build_report``, breakdown by agency:
aggregates, never a scan of the dossiers), as the dashboard and ``motcua report`` compute them;
they are cached for a few minutes because anyone may ask for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from motcua.core.localtime import local_date
from motcua.stats.figures import Figures
from motcua.stats.report import Row, build_report

CACHE_SECONDS = 300
# Deep enough for province → department / commune → its units; deeper rows fold into these.
MAX_DEPTH = 3
PERIODS = ("year", "month")


@dataclass(frozen=True)
class Line:
    code: str
    name: str
    depth: int
    figures: Figures
    rates: dict[str, Any]


def _period(kind: str, today: date) -> tuple[date, date]:
    if kind == "month":
        return today.replace(day=1), today
    return today.replace(month=1, day=1), today


def _lines(rows: list[Row], depth: int = 0) -> list[Line]:
    out: list[Line] = []
    for row in rows:
        out.append(Line(row.code, row.name, depth, row.figures, row.figures.rates()))
        if depth + 1 < MAX_DEPTH:
            out += _lines(row.children, depth + 1)
    return out


def published_figures(kind: str, today: date) -> dict[str, Any]:
    key = f"web:stats:{kind}:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    first, last = _period(kind, today)
    report = build_report(None, first, last, breakdown="agency")
    data = {
        "first": first,
        "last": last,
        "as_of": report.as_of,
        "total": report.figures,
        "total_rates": report.figures.rates(),
        "lines": _lines(report.rows),
    }
    cache.set(key, data, CACHE_SECONDS)
    return data


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("ky", "year")
    if kind not in PERIODS:
        kind = "year"
    data = published_figures(kind, local_date(timezone.now()))
    return render(request, "web/stats/index.html", {**data, "kind": kind})
