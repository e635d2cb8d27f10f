"""``GET /api/v1/service-index`` (Decision 766) and ``GET /api/v1/bottlenecks``: for officials,
on agencies within their scope, exactly as the period report (``report_args.for_official``)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from motcua.agencies.models import Agency
from motcua.agencies.selectors import agency_subtree, official_scope
from motcua.catalog.models import Procedure
from motcua.core.errors import FieldError, ValidationFailed, invalid
from motcua.core.problem import ERRORS, Problem
from motcua.identity.auth import OFFICIAL_AUTH

from .bottlenecks import bottlenecks
from .index import service_index
from .report_args import for_official, parse_date
from .scope import Period

router = Router(tags=["statistics"], auth=OFFICIAL_AUTH)
RESPONSES: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem}
MAX_ROWS = 1000


class IndexNamed(Schema):
    code: str
    name: str


class IndexPeriodOut(Schema):
    label: str
    kind: Literal["year", "quarter", "month"]
    from_: date = Field(alias="from")
    to: date


class IndexMetricOut(Schema):
    key: str
    name: str
    status: Literal["available", "no_data", "not_available"]
    numerator: int | None
    denominator: int | None
    numerator_label: str
    denominator_label: str
    value: float | None = Field(description="numerator / denominator, in percent")
    weight: float
    target: float
    formula: str
    score: float | None
    reason: str | None = Field(description="why the metric scores nothing")


class IndexGroupOut(Schema):
    key: str
    name: str
    weight: float
    score: float
    available_max: float
    percent: float | None
    metrics: list[IndexMetricOut]


class IndexReceivedOut(Schema):
    counter: int
    online: int
    postal: int
    total: int


class IndexResolvedOut(Schema):
    early: int
    on_time: int
    late: int
    total: int


class IndexInProgressOut(Schema):
    within_deadline: int
    overdue: int
    paused: int
    total: int


class IndexRatesOut(Schema):
    on_time_rate: float | None
    online_rate: float | None
    on_time_rate_of_total: float | None
    online_share_of_total: float | None


class IndexFiguresOut(Schema):
    carried_over: int
    received: IndexReceivedOut
    total: int
    resolved: IndexResolvedOut
    in_progress: IndexInProgressOut
    rates: IndexRatesOut


class IndexRankingOut(Schema):
    rank: int | None
    agency: IndexNamed
    score: float
    available_max: float
    max: float
    percent: float | None
    dossiers: int
    not_ranked_reason: str | None


class IndexScopeOut(Schema):
    agency: IndexNamed | None


class ServiceIndexOut(Schema):
    period: IndexPeriodOut
    as_of: str = Field(description="ISO 8601, local time")
    scope: IndexScopeOut
    config_version: str
    score: float = Field(description="points scored over the metrics that could be measured")
    available_max: float = Field(description="the points those metrics are worth")
    max: float = Field(description="the points of every metric, measurable or not")
    percent: float | None = Field(description="score / available_max, in percent")
    groups: list[IndexGroupOut]
    figures: IndexFiguresOut
    ranking: list[IndexRankingOut]


class IndexQuery(Schema):
    period: str = Field(description="2026 (year), 2026-Q1 (quarter) or 2026-03 (month)")
    agency: str | None = Field(None, description="agency code (default: your scope's top)")


class BottleneckHeldOut(Schema):
    median: float
    p90: float


class BottleneckStepOut(Schema):
    procedure: IndexNamed
    step: IndexNamed
    agency: IndexNamed
    inter_agency: bool
    handled: int
    late: int
    late_share: float | None
    held_hours: BottleneckHeldOut
    allotted_hours: float
    caused_late_dossiers: int


class BottleneckAgencyOut(Schema):
    agency: IndexNamed
    handled: int
    late: int
    late_share: float | None
    held_hours: BottleneckHeldOut
    allotted_hours: float
    caused_late_dossiers: int


class BottleneckPeriodOut(Schema):
    from_: date = Field(alias="from")
    to: date


class BottleneckScopeOut(Schema):
    agency: IndexNamed
    procedure: IndexNamed | None


class BottlenecksOut(Schema):
    period: BottleneckPeriodOut
    as_of: str
    scope: BottleneckScopeOut
    steps_handled: int
    late_dossiers: int
    step_count: int = Field(description="rows before the limit")
    steps: list[BottleneckStepOut]
    agencies: list[BottleneckAgencyOut]


class BottleneckQuery(Schema):
    from_: str = Field(alias="from", description="first day, YYYY-MM-DD")
    to: str = Field(description="last day (inclusive), YYYY-MM-DD")
    agency: str | None = Field(None, description="agency code (default: your scope's top)")
    procedure: str | None = None
    limit: int = Field(100, ge=1, le=MAX_ROWS, description="rows of each list")


def _official(request: HttpRequest) -> Any:
    """Who the authentication classes identified (token or session)."""
    return getattr(request, "auth", None)


def _agency(user: Any, code: str | None) -> Agency:
    """The agency an official asks about: within its scope with everything under it."""
    args = for_official(user, {"agency": code} if code else {})
    agency = Agency.objects.filter(code=args["agency"]).first()
    if agency is None:
        raise invalid("agency", _("No agency has code %(code)r.") % {"code": args["agency"]})
    return agency


@router.get("/service-index", response={200: ServiceIndexOut, **RESPONSES}, by_alias=True)
def get_service_index(request: HttpRequest, query: Query[IndexQuery]) -> Any:
    """The service index of Decision 766 for an agency and everything below it, over a month,
    quarter or year, with the ranking of the agencies directly below it. Metrics motcua cannot
    compute yet are `not_available` (never 0 or full marks): the total is a score over
    `available_max`, not over 100."""
    agency = _agency(_official(request), query.agency)
    index = service_index(
        query.period, agency, rank_within=official_scope(_official(request)).agency_ids()
    )
    return index.as_dict()


@router.get("/bottlenecks", response={200: BottlenecksOut, **RESPONSES}, by_alias=True)
def get_bottlenecks(request: HttpRequest, query: Query[BottleneckQuery]) -> Any:
    """Which workflow step of which procedure, at which agency, makes dossiers late: steps
    ended in the period, share late, working hours held against allotted, dossiers made late.
    Covers the steps held by the agency (and those below it) and every step of the dossiers
    they resolve, wherever it was held."""
    errors: list[FieldError] = []
    first = parse_date(query.from_, "from", errors)
    last = parse_date(query.to, "to", errors)
    if first and last and first > last:
        errors.append(FieldError("from", _("The period starts after it ends.")))
    procedure = None
    if query.procedure:
        procedure = Procedure.objects.select_related("current").filter(code=query.procedure).first()
        if procedure is None:
            errors.append(
                FieldError(
                    "procedure", _("No procedure has code %(code)r.") % {"code": query.procedure}
                )
            )
    if errors or first is None or last is None:
        raise ValidationFailed(_("The arguments are not valid."), errors)
    agency = _agency(_official(request), query.agency)
    period = Period(first, last)
    now = timezone.now()
    if period.start > now:
        raise invalid("from", _("The period has not started yet."))
    as_of = period.as_of(now)
    subtree = agency_subtree(agency).values("pk")
    result = bottlenecks(period, as_of, subtree, procedure.pk if procedure else None)
    body = result.as_dict(limit=query.limit)
    body["scope"] = {
        "agency": {"code": agency.code, "name": agency.name},
        "procedure": (
            {
                "code": procedure.code,
                "name": procedure.current.name if procedure.current else procedure.code,
            }
            if procedure
            else None
        ),
    }
    return body
