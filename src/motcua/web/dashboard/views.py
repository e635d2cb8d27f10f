"""``/dieu-hanh/``: the leader's dashboard — the period report of its agency and the agencies
below it (form II.06a, every figure a link to its dossiers), charts, the overdue dossiers, the
bottlenecks and the service index.

Figures come from the aggregates through ``stats.report.build_report`` (never a scan of the
dossier table); the overdue list is one query on the queue index (competent agency × state ×
due time). The bottlenecks and the service index cost more, so the page fetches them once it is
shown (htmx, with a plain link when script is off): the figures appear at once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from motcua.agencies.selectors import official_scope
from motcua.core.errors import ValidationFailed
from motcua.stats.index import service_index
from motcua.stats.report import build_report, month_flows
from motcua.stats.scope import Period
from motcua.stats.stored_bottlenecks import dashboard_bottlenecks

from .charts import month_charts, on_time_chart
from .overdue import overdue_dossiers, overdue_rows
from .request import Ask, parse
from .tables import report_table

OVERDUE_SHOWN = 10
OVERDUE_PAGE = 50
BOTTLENECK_ROWS = 10
RANKING_ROWS = 10
REPORT_API = "/api/v1/reports/period"
SECTIONS = ("index", "bottlenecks", "service_index", "overdue", "reports")


def _links(ask: Ask) -> dict[str, str]:
    query = urlencode(ask.query())
    return {name: f"{reverse(f'web:dashboard:{name}')}?{query}" for name in SECTIONS}


def _section(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The section alone for htmx (the dashboard fetches it), the full page otherwise."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        template += "#section"
    return render(request, template, context)


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    ask = parse(request)
    context: dict[str, Any] = {"ask": ask, "form": ask.form}
    if ask.ok:
        try:
            context.update(_figures(ask))
        except ValidationFailed as exc:
            ask.fail(exc)
    return render(request, "web/dashboard/index.html", context)


def _figures(ask: Ask) -> dict[str, Any]:
    assert ask.dates is not None and ask.agency is not None
    first, last = ask.dates.first, ask.dates.last
    report = build_report(ask.scope_args, first, last, now=ask.now, breakdown="agency")
    # Received and resolved by month (the chart and its table): no open-dossier figures.
    months = month_flows(ask.scope_args, first, last, ask.now, total=report)
    children = report.rows[0].children if report.rows else []
    overdue = overdue_dossiers(ask.actor, ask.agency, ask.now)
    others = urlencode({k: v for k, v in ask.query().items() if k != "agency"})
    return {
        "report": report,
        "rates": report.figures.rates(),
        "agency_base": f"{reverse('web:dashboard:index')}?{others}&agency=",
        "table": report_table(report, ask.report_args(), max_depth=1),
        "months": months,
        "children": children,
        "charts": {**month_charts(months), "on_time": on_time_chart(children)},
        "overdue": overdue_rows(overdue[:OVERDUE_SHOWN], ask.now),
        "overdue_count": overdue.count(),
        "links": _links(ask),
        "downloads": _downloads(ask),
    }


def _downloads(ask: Ask) -> dict[str, str]:
    """Form II.06a of the period by field, as the official form has it: the stats API's
    exports, which accept the session and scope exactly as this page does."""
    query = urlencode({**ask.report_args(), "breakdown": "field"})
    return {kind: f"{REPORT_API}.{kind}?{query}" for kind in ("xlsx", "pdf")}


@login_required
@require_safe
def bottleneck_section(request: HttpRequest) -> HttpResponse:
    ask = parse(request)
    context: dict[str, Any] = {"ask": ask, "form": ask.form}
    if ask.ok:
        assert ask.dates is not None and ask.agency is not None
        period = Period(ask.dates.first, ask.dates.last)
        try:
            answer = dashboard_bottlenecks(ask.agency, period, ask.now)
        except ValidationFailed as exc:
            ask.fail(exc)
        else:
            result = answer.result
            context.update(
                result=result,
                answer=answer,
                steps=result.steps[:BOTTLENECK_ROWS] if result else [],
                agencies=result.agencies[:BOTTLENECK_ROWS] if result else [],
                links=_links(ask),
            )
    return _section(request, "web/dashboard/bottlenecks.html", context)


@login_required
@require_safe
def index_section(request: HttpRequest) -> HttpResponse:
    ask = parse(request)
    context: dict[str, Any] = {"ask": ask, "form": ask.form}
    if ask.ok:
        assert ask.dates is not None and ask.agency is not None
        label = ask.dates.index_label
        if label is not None:
            try:
                index = service_index(
                    label,
                    ask.agency,
                    now=ask.now,
                    rank_within=official_scope(request.user).agency_ids(),
                )
            except ValidationFailed as exc:
                ask.fail(exc)
            else:
                data = index.as_dict()
                context.update(
                    index=data,
                    index_as_of=index.as_of,
                    ranking=data["ranking"][:RANKING_ROWS],
                    ranking_more=max(0, len(data["ranking"]) - RANKING_ROWS),
                    links=_links(ask),
                )
    return _section(request, "web/dashboard/service_index.html", context)


@login_required
@require_safe
def overdue_list(request: HttpRequest) -> HttpResponse:
    ask = parse(request)
    context: dict[str, Any] = {"ask": ask, "form": ask.form}
    if ask.ok:
        assert ask.agency is not None
        rows = overdue_dossiers(ask.actor, ask.agency, ask.now)
        page = Paginator(rows, OVERDUE_PAGE).get_page(page_number(request.GET.get("page")))
        query = ask.query()
        context.update(
            page=page,
            rows=overdue_rows(page.object_list, ask.now),
            links=_links(ask),
            previous=_page_link(query, page.previous_page_number())
            if page.has_previous()
            else None,
            next=_page_link(query, page.next_page_number()) if page.has_next() else None,
        )
    return render(request, "web/dashboard/overdue.html", context)


def page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _page_link(query: dict[str, str], number: int) -> str:
    return "?" + urlencode({**query, "page": number})
