"""The public catalogue API (``/api/v1/procedures``): search, detail, fields, statistics.

Anyone may read it, so it shows published (and, on request, retired) procedures only; drafts
are work in progress of the agencies and stay in the admin.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from motcua.core.problem import ERRORS

from . import selectors
from .schemas import CatalogueStatistics, FieldOut, ProcedureDetail, ProcedurePage

router = Router(tags=["catalog"])


class SearchFilters(Schema):
    q: str | None = None
    field: str | None = None
    level: str | None = None
    agency: str | None = None
    online_level: str | None = None
    status: str = "published"
    page: int = 1
    page_size: int = 20


@router.get(
    "",
    response={200: ProcedurePage, **ERRORS},
    summary="Search the procedure catalogue",
    description=(
        "Accent-insensitive search: every word of `q` must occur in the code, name or field "
        "of the procedure (`dang ky khai sinh` finds `Đăng ký khai sinh`); procedures whose "
        "name matches come first. Filters: `field` (field code), `level` (central, province, "
        "district, commune), `agency` (an agency code: procedures it implements), "
        "`online_level` (full, partial, none), `status` (published, retired). Pages of "
        "`page_size` (1–100) items."
    ),
)
def search(request: HttpRequest, filters: Query[SearchFilters]) -> Any:
    result = selectors.search_procedures(
        q=filters.q,
        field=filters.field,
        level=filters.level,
        agency=filters.agency,
        online_level=filters.online_level,
        status=filters.status,
        page=filters.page,
        page_size=filters.page_size,
        allowed_statuses=selectors.PUBLIC_STATUSES,
    )
    return {
        "count": result.count,
        "page": result.page,
        "page_size": result.page_size,
        "items": result.items,
    }


@router.get(
    "/fields",
    response={200: list[FieldOut], **ERRORS},
    summary="Fields (lĩnh vực) with their number of published procedures",
)
def fields(request: HttpRequest) -> Any:
    return selectors.list_fields()


@router.get(
    "/statistics",
    response={200: CatalogueStatistics, **ERRORS},
    summary="Published procedures per level and field, and the share offered online",
    description=(
        "A procedure of several levels counts once in each. Shares are percentages with two "
        "decimals (half up), null when there are no procedures."
    ),
)
def statistics(request: HttpRequest) -> Any:
    return selectors.catalogue_statistics()


@router.get(
    "/{code}",
    response={200: ProcedureDetail, **ERRORS},
    summary="A procedure in full: the 7 mandatory parts, fees, documents, workflow",
)
def detail(request: HttpRequest, code: str) -> Any:
    return selectors.procedure_detail(code, allowed_statuses=selectors.PUBLIC_STATUSES)
