"""Public reads of agencies (``/api/v1/agencies``) and administrative divisions
(``/api/v1/divisions``). Officials are never exposed here."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from motcua.core.problem import ERRORS

from . import selectors
from .models import Agency, AgencyKind, Division, DivisionKind, Level
from .selectors import MAX_PAGE_SIZE

router = Router(tags=["agencies"])
divisions_router = Router(tags=["divisions"])


class Ref(Schema):
    code: str
    name: str


class AgencyItem(Schema):
    code: str
    name: str
    short_name: str
    kind: AgencyKind
    level: Level
    parent: str | None
    division: str | None
    valid_from: date | None
    valid_to: date | None


class AgencyPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AgencyItem]


class ReceptionPointOut(Schema):
    code: str
    name: str
    address: str


class AgencyDetail(Schema):
    code: str
    name: str
    short_name: str
    kind: AgencyKind
    level: Level
    parent: Ref | None
    successor: Ref | None
    division: Ref | None
    valid_from: date | None
    valid_to: date | None
    children: list[AgencyItem]
    reception_points: list[ReceptionPointOut]


class DivisionItem(Schema):
    code: str
    name: str
    kind: DivisionKind
    level: Level
    parent: str | None
    valid_from: date | None
    valid_to: date | None


class DivisionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DivisionItem]


class DivisionDetail(Schema):
    code: str
    name: str
    kind: DivisionKind
    level: Level
    parent: Ref | None
    valid_from: date | None
    valid_to: date | None
    children: list[DivisionItem]


class AgencyFilters(Schema):
    q: str | None = None
    kind: AgencyKind | None = None
    level: Level | None = None
    parent: str | None = None
    division: str | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class DivisionFilters(Schema):
    q: str | None = None
    kind: DivisionKind | None = None
    parent: str | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def _ref(obj: Agency | Division | None) -> Ref | None:
    return Ref(code=obj.code, name=obj.name) if obj is not None else None


def _agency_item(agency: Agency) -> AgencyItem:
    return AgencyItem(
        code=agency.code,
        name=agency.name,
        short_name=agency.short_name,
        kind=AgencyKind(agency.kind),
        level=Level(agency.level),
        parent=agency.parent.code if agency.parent_id and agency.parent else None,
        division=agency.division.code if agency.division_id and agency.division else None,
        valid_from=agency.valid_from,
        valid_to=agency.valid_to,
    )


def _division_item(division: Division) -> DivisionItem:
    return DivisionItem(
        code=division.code,
        name=division.name,
        kind=DivisionKind(division.kind),
        level=Level(division.level),
        parent=division.parent.code if division.parent_id and division.parent else None,
        valid_from=division.valid_from,
        valid_to=division.valid_to,
    )


@router.get(
    "",
    response={200: AgencyPage, **ERRORS},
    summary="List agencies",
    description=(
        "Agencies, ordered as a tree. `q` searches code, name and short name without regard "
        'to accents ("my tho" finds "Mỹ Tho"); `parent` and `division` are codes.'
    ),
)
def list_agencies(request: HttpRequest, filters: Query[AgencyFilters]) -> AgencyPage:
    page = selectors.list_agencies(
        q=filters.q,
        kind=filters.kind,
        level=filters.level,
        parent=filters.parent,
        division=filters.division,
        page=filters.page,
        page_size=filters.page_size,
    )
    return AgencyPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[_agency_item(a) for a in page.items],
    )


@router.get(
    "/{code}",
    response={200: AgencyDetail, **ERRORS},
    summary="One agency",
    description="An agency by its code, with its parent, successor, children and active desks.",
)
def get_agency(request: HttpRequest, code: str) -> AgencyDetail:
    agency = selectors.get_agency(code)
    return AgencyDetail(
        code=agency.code,
        name=agency.name,
        short_name=agency.short_name,
        kind=AgencyKind(agency.kind),
        level=Level(agency.level),
        parent=_ref(agency.parent),
        successor=_ref(agency.successor),
        division=_ref(agency.division),
        valid_from=agency.valid_from,
        valid_to=agency.valid_to,
        children=[_agency_item(c) for c in selectors.agency_children(agency)],
        reception_points=[
            ReceptionPointOut(code=p.code, name=p.name, address=p.address)
            for p in selectors.active_reception_points(agency)
        ],
    )


@divisions_router.get(
    "",
    response={200: DivisionPage, **ERRORS},
    summary="List administrative divisions",
    description=(
        "Provinces, cities, communes, wards and special zones by statistics-office code. "
        "`q` searches code and name without regard to accents; `parent` is a division code."
    ),
)
def list_divisions(request: HttpRequest, filters: Query[DivisionFilters]) -> DivisionPage:
    page = selectors.list_divisions(
        q=filters.q,
        kind=filters.kind,
        parent=filters.parent,
        page=filters.page,
        page_size=filters.page_size,
    )
    return DivisionPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[_division_item(d) for d in page.items],
    )


@divisions_router.get(
    "/{code}",
    response={200: DivisionDetail, **ERRORS},
    summary="One administrative division",
    description="A division by its code, with its parent and the divisions directly below it.",
)
def get_division(request: HttpRequest, code: str) -> DivisionDetail:
    division = selectors.get_division(code)
    return DivisionDetail(
        code=division.code,
        name=division.name,
        kind=DivisionKind(division.kind),
        level=Level(division.level),
        parent=_ref(division.parent),
        valid_from=division.valid_from,
        valid_to=division.valid_to,
        children=[_division_item(d) for d in selectors.division_children(division)],
    )
