"""``/api/v1/reports``: the period report (Biểu II.06a) as JSON, Excel and PDF, and the dossiers
behind each figure.

Officials only (a bearer token or the session, ``motcua.identity.auth``), scoped: an official
reports only on an agency whose whole subtree is within its scope, and the drill-down lists
only the dossiers it may see (``dossiers.selectors.visible_dossiers``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from motcua.agencies.selectors import MAX_PAGE_SIZE
from motcua.core.localtime import isoformat_local
from motcua.core.problem import ERRORS, Problem
from motcua.dossiers.actor import Actor
from motcua.identity.auth import OFFICIAL_AUTH

from .report import build_report
from .report_args import for_official
from .report_drill import FIGURES, drill_down

router = Router(tags=["reports"], auth=OFFICIAL_AUTH)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
RESPONSES = {**ERRORS, 401: Problem, 403: Problem}


class ReportQuery(Schema):
    date_from: str = Field(
        ..., alias="from", description="First day, YYYY-MM-DD.", examples=["2024-01-01"]
    )
    date_to: str = Field(
        ..., alias="to", description="Last day (inclusive), YYYY-MM-DD.", examples=["2024-06-30"]
    )
    agency: str | None = Field(
        None,
        description="Agency code: the agency and every agency below it. Default: the agency "
        "whose subtree is the official's scope.",
    )
    level: str | None = Field(None, description="central, province, district or commune.")
    field: str | None = Field(None, description="Field code (lĩnh vực).")
    procedure: str | None = Field(None, description="Procedure code.")
    channel: str | None = Field(None, description="counter, online or postal.")
    as_of: str | None = Field(
        None,
        description="ISO 8601 instant. Default and latest: the end of the period (00:00 after "
        "its last day) or now, whichever is earlier.",
    )

    def scope_args(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "level": self.level,
            "field": self.field,
            "procedure": self.procedure,
            "channel": self.channel,
        }


class PeriodReportQuery(ReportQuery):
    breakdown: str | None = Field(
        None, description="agency (a tree), level, field, procedure, channel or month."
    )


class ExportQuery(ReportQuery):
    breakdown: str | None = Field(
        None,
        description="Rows of the form: agency, level, field (default, as on the form), "
        "procedure, channel or month.",
    )


class DrillQuery(ReportQuery):
    figure: str = Field(..., description="One of: " + ", ".join(FIGURES) + ".")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


# ----- response schemas (the JSON keys of interfaces.md) ------------------------------------
class PeriodOut(Schema):
    from_: str = Field(..., alias="from")
    to: str
    as_of: str = Field(..., description="The instant the figures are evaluated at.")
    live: bool | None = Field(None, description="True when as_of is now.")


class Named(Schema):
    code: str
    name: str


class ScopeAgency(Named):
    level: str


class ScopeOut(Schema):
    agency: ScopeAgency | None
    level: str | None
    field: Named | None
    procedure: Named | None
    channel: str | None


class Received(Schema):
    counter: int
    online: int
    postal: int
    total: int


class Resolved(Schema):
    early: int
    on_time: int
    late: int
    total: int


class InProgress(Schema):
    within_deadline: int
    overdue: int
    paused: int
    total: int


class Rates(Schema):
    on_time_rate: float | None = Field(..., description="(early + on time) / resolved, %.")
    online_rate: float | None = Field(..., description="online / received in the period, %.")
    on_time_rate_of_total: float | None = Field(..., description="(early + on time) / total, %.")
    online_share_of_total: float | None = Field(..., description="online / total, %.")


class FiguresOut(Schema):
    carried_over: int
    received: Received
    total: int
    resolved: Resolved
    in_progress: InProgress
    rates: Rates


class RowOut(FiguresOut):
    code: str
    name: str
    level: str | None = None
    period: PeriodOut | None = None
    own: FiguresOut | None = Field(None, description="Agency tree: the agency's own figures.")
    children: list[RowOut] | None = None


class BreakdownOut(Schema):
    by: str
    rows: list[RowOut]


class ReportOut(FiguresOut):
    period: PeriodOut
    scope: ScopeOut
    breakdown: BreakdownOut | None = None


class DossierRow(Schema):
    code: str
    procedure: Named
    agency: Named
    channel: str
    state: str
    received_at: datetime | None
    due_at: datetime | None
    resolved_at: datetime | None
    timeliness: str


class FigureDossierPage(Schema):
    figure: str
    as_of: str
    count: int
    page: int
    page_size: int
    items: list[DossierRow]


def _report(request: HttpRequest, query: ReportQuery, breakdown: str | None) -> Any:
    scope_args = for_official(request.auth, query.scope_args())  # type: ignore[attr-defined]
    return build_report(scope_args, query.date_from, query.date_to, query.as_of, None, breakdown)


def _binary(
    summary: str, content_type: str, description: str, errors: dict[int, Any] | None = None
) -> dict[str, Any]:
    """The OpenAPI of a file download: the file's media type, and problem details."""
    return {
        "summary": summary,
        "response": {200: None, **RESPONSES, **(errors or {})},
        "openapi_extra": {
            # The integer key, as ninja's own: "200" and 200 would be written as two equal
            # JSON keys, a document Swagger UI refuses.
            "responses": {
                200: {
                    "description": description,
                    "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
                }
            }
        },
    }


@router.get(
    "/period",
    response={200: ReportOut, **RESPONSES},
    by_alias=True,
    summary="The period report (Biểu II.06a)",
    description=(
        "Dossiers carried over, received (by channel), resolved (early, on time, late) and in "
        "progress (within the deadline, overdue, paused) for a period and scope, with the "
        "on-time and online rates (two decimals, null when the denominator is 0). Same JSON as "
        "`motcua report`; `breakdown` adds rows by agency (a tree), level, field, procedure, "
        "channel or month."
    ),
)
def period(request: HttpRequest, query: Query[PeriodReportQuery]) -> Any:
    return _report(request, query, query.breakdown).as_dict()


@router.get(
    "/period.xlsx",
    **_binary("The period report as Excel (form II.06a)", XLSX, "The workbook."),
)
def period_xlsx(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    from .report_xlsx import render_xlsx

    report = _report(request, query, query.breakdown or "field")
    return _download(render_xlsx(report), XLSX, report, "xlsx")


@router.get(
    "/period.pdf",
    **_binary(
        "The period report as PDF (form II.06a, A4 landscape)",
        PDF,
        "The document; 503 when the server lacks the pango library WeasyPrint needs.",
        {503: Problem},
    ),
)
def period_pdf(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    from .report_pdf import render_pdf

    report = _report(request, query, query.breakdown or "field")
    return _download(render_pdf(report), PDF, report, "pdf")


def _download(content: bytes, content_type: str, report: Any, extension: str) -> HttpResponse:
    name = f"bao-cao-II06a_{report.period.first}_{report.period.last}.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "/period/dossiers",
    response={200: FigureDossierPage, **RESPONSES},
    summary="The dossiers behind one figure of the period report",
    description=(
        "The dossiers a figure counts (e.g. `received.online`, `resolved.late`, "
        "`in_progress.overdue`, `carried_over`), among those the official may see; oldest "
        "reception first, paginated."
    ),
)
def period_dossiers(request: HttpRequest, query: Query[DrillQuery]) -> Any:
    scope_args = for_official(request.auth, query.scope_args())  # type: ignore[attr-defined]
    as_of, page = drill_down(
        scope_args,
        query.date_from,
        query.date_to,
        query.figure,
        as_of=query.as_of,
        actor=Actor.for_user(request.auth),  # type: ignore[attr-defined]
        page=query.page,
        page_size=query.page_size,
    )
    return {
        "figure": query.figure,
        "as_of": isoformat_local(as_of),
        "count": page.count,
        "page": page.page,
        "page_size": page.page_size,
        "items": [
            {
                "code": d.code,
                "procedure": {"code": d.procedure.code, "name": d.procedure_version.name},
                "agency": {"code": d.competent_agency.code, "name": d.competent_agency.name},
                "channel": d.channel,
                "state": d.state,
                "received_at": d.received_at,
                "due_at": d.due_at,
                "resolved_at": d.resolved_at,
                "timeliness": d.timeliness,
            }
            for d in page.items
        ],
    }
