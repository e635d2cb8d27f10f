"""Response schemas of the catalogue API (they document the OpenAPI 3.1 document)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class FieldRef(Schema):
    code: str
    name: str


class ProcessingTime(Schema):
    value: int | float
    unit: str


class ProcedureSummary(Schema):
    code: str
    name: str
    field: FieldRef
    levels: list[str]
    status: str
    version: int
    online_level: str
    postal: bool
    processing_time: ProcessingTime
    sample: bool


class ProcedurePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProcedureSummary]


class Method(Schema):
    channels: list[str]
    online_level: str
    postal: bool


class AgencyRef(Schema):
    code: str
    name: str


class ImplementingAgencies(Schema):
    scope: str
    items: list[AgencyRef]


class ProcessingTimeDetail(Schema):
    value: int | float
    unit: str
    hours: int | float


class FeeOut(Schema):
    name: str
    amount_vnd: int
    note: str


class DocumentOut(Schema):
    name: str
    originals: int
    copies: int
    required: bool
    template: str
    reusable_type: str


class ResultOut(Schema):
    name: str
    kind: str


class WorkflowStepOut(Schema):
    position: int
    code: str
    name: str
    role: str
    hours: int | float
    agency_mode: str
    agency: str | None
    agency_name: str | None
    agency_kind: str | None


class MandatoryParts(Schema):
    name: bool
    sequence: bool
    method: bool
    documents: bool
    processing_time: bool
    target_groups: bool
    agencies: bool
    complete: bool


class VersionRef(Schema):
    version: int
    status: str
    published_at: datetime | None


class ProcedureDetail(Schema):
    code: str
    name: str
    version: int
    status: str
    published_at: datetime | None
    field: FieldRef
    levels: list[str]
    legal_basis: str
    effective_from: str | None
    effective_to: str | None
    sequence: str
    method: Method
    target_groups: list[str]
    agencies: ImplementingAgencies
    processing_time: ProcessingTimeDetail
    cutoff: str | None
    supplement_policy: str
    supplement_limit_days: int
    fees: list[FeeOut]
    documents: list[DocumentOut]
    result: ResultOut | None
    workflow: list[WorkflowStepOut]
    sample: bool
    note: str
    mandatory_parts: MandatoryParts
    versions: list[VersionRef]


class FieldOut(Schema):
    code: str
    name: str
    procedures: int


class LevelCount(Schema):
    level: str
    procedures: int
    fields: int


class FieldCount(Schema):
    code: str
    name: str
    procedures: int
    by_level: dict[str, int]
    online: int


class OnlineCount(Schema):
    full: int
    partial: int
    none: int
    full_share: float | None
    partial_share: float | None
    online_share: float | None


class CatalogueStatistics(Schema):
    total: int
    by_level: list[LevelCount]
    by_field: list[FieldCount]
    online: OnlineCount
