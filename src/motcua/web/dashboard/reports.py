"""``/dieu-hanh/bao-cao/``: the period report (form II.06a) for leaders, inspectors and
administrators — any period, an agency within their scope, a level, field, procedure or
channel, rows by any breakdown — with its Excel, PDF and JSON downloads (the API's
``/api/v1/reports/period…``, which accepts the session). Each figure links to its dossiers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from motcua.core.errors import ValidationFailed
from motcua.core.localtime import local_date
from motcua.stats.report import build_report
from motcua.stats.report_args import SCOPE_KEYS, for_official

from ..forms import add_domain_errors
from ..roles import me
from .forms import ReportForm, calendar_period
from .tables import report_table
from .units import reportable, require_dashboard_role

API = "/api/v1/reports/period"


@login_required
@require_safe
def reports(request: HttpRequest) -> HttpResponse:
    require_dashboard_role(me(request))
    choices = reportable(request.user)
    now = timezone.now()
    data: Any = request.GET
    if not data:
        month = calendar_period("month", local_date(now))
        data = {"from": month.first, "to": month.last, "breakdown": "field"}
    form = ReportForm(data, agencies=choices)
    context: dict[str, Any] = {"form": form, "has_agencies": bool(choices)}
    if form.is_valid():
        args = form.report_args()
        if "agency" not in args and choices:
            args["agency"] = choices[0].code
        try:
            scope_args = for_official(
                request.user, {key: args[key] for key in SCOPE_KEYS if key in args}
            )
            report = build_report(
                scope_args, args["from"], args["to"], args.get("as_of"), now, args.get("breakdown")
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            args["agency"] = scope_args["agency"]
            query = urlencode(args)
            context.update(
                report=report,
                rates=report.figures.rates(),
                table=report_table(report, args),
                downloads={
                    "xlsx": f"{API}.xlsx?{query}",
                    "pdf": f"{API}.pdf?{query}",
                    "json": f"{API}?{query}",
                },
            )
    return render(request, "web/dashboard/reports.html", context)
