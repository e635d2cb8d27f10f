"""A small world for the engine's tests: one province, its service centre, a department that
resolves a 4-day procedure, a tax office for inter-agency steps, and officials in each role.

Set-up data is written with the ORM directly (the catalogue importer is tested on its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from motcua.agencies.models import Agency, ReceptionPoint, RoleAssignment
from motcua.agencies.services import upsert_agencies
from motcua.catalog.models import (
    Field,
    Procedure,
    ProcedureVersion,
    ResultKind,
    Status,
    StepAgency,
    WorkflowStep,
)
from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers.actor import Actor
from motcua.identity.models import User

AGENCIES = [
    {
        "code": "000.00.00.H99",
        "name": "UBND tỉnh Thử Nghiệm",
        "kind": "people_committee",
        "level": "province",
    },
    {
        "code": "000.00.01.H99",
        "name": "Trung tâm PVHCC tỉnh",
        "kind": "service_centre",
        "level": "province",
        "parent": "000.00.00.H99",
    },
    {
        "code": "000.00.02.H99",
        "name": "Sở Tư pháp",
        "kind": "department",
        "level": "province",
        "parent": "000.00.00.H99",
    },
    {
        "code": "000.00.03.H99",
        "name": "Sở Xây dựng",
        "kind": "department",
        "level": "province",
        "parent": "000.00.00.H99",
    },
    {
        "code": "000.00.30.H99",
        "name": "Thuế tỉnh",
        "kind": "vertical",
        "level": "province",
        "parent": "000.00.00.H99",
    },
]


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


@dataclass
class World:
    centre: Agency
    justice: Agency
    building: Agency
    tax: Agency
    point: ReceptionPoint
    version: ProcedureVersion
    restart_version: ProcedureVersion
    land_version: ProcedureVersion
    users: dict[str, User]

    def actor(self, name: str) -> Actor:
        return Actor.for_user(self.users[name])

    def counter_data(self, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "procedure": self.version.procedure.code,
            "agency": self.justice.code,
            "applicant": {
                "name": "Nguyễn Văn An",
                "national_id": "082090001234",
                "phone": "0912345678",
            },
        }
        data.update(extra)
        return data


def _version(
    code: str,
    name: str,
    field: Field,
    steps: list[tuple[str, str, str, str, int]],
    days: int,
    **extra: Any,
) -> ProcedureVersion:
    procedure = Procedure.objects.create(code=code)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        version=1,
        name=name,
        field=field,
        levels=["province"],
        status=Status.PUBLISHED,
        processing_value=Decimal(days),
        processing_unit="working_days",
        online_level="full",
        postal=True,
        sequence="…",
        target_groups=["citizen"],
        result_name="Kết quả",
        result_kind=ResultKind.BOTH,
        **extra,
    )
    for i, (step_code, step_name, role, mode, hours) in enumerate(steps, start=1):
        WorkflowStep.objects.create(
            version=version,
            position=i,
            code=step_code,
            name=step_name,
            role=role,
            agency_mode=mode,
            agency_kind="vertical" if mode == StepAgency.KIND else "",
            hours=Decimal(hours),
        )
    procedure.current = version
    procedure.save()
    return version


@pytest.fixture
def world(calendar: Any) -> World:
    upsert_agencies(AGENCIES)
    by_code = {a.code: a for a in Agency.objects.all()}
    centre, justice = by_code["000.00.01.H99"], by_code["000.00.02.H99"]
    point = ReceptionPoint.objects.create(agency=centre, code="Q1", name="Quầy 1")
    field = Field.objects.create(code="HT", name="Hộ tịch")
    standard = [
        ("TN", "Tiếp nhận", "receiver", StepAgency.RECEIVING_CENTRE, 4),
        ("XL", "Thẩm định", "specialist", StepAgency.COMPETENT, 16),
        ("PD", "Phê duyệt", "leader", StepAgency.COMPETENT, 8),
        ("TKQ", "Trả kết quả", "receiver", StepAgency.RECEIVING_CENTRE, 4),
    ]
    version = _version("1.000001", "Thủ tục thử nghiệm", field, standard, 4)
    restart_version = _version(
        "1.000002", "Thủ tục tính lại", field, standard, 4, supplement_policy="restart"
    )
    land = [
        ("TN", "Tiếp nhận", "receiver", StepAgency.RECEIVING_CENTRE, 4),
        ("XL", "Thẩm định", "specialist", StepAgency.COMPETENT, 12),
        ("THUE", "Xác định nghĩa vụ tài chính", "specialist", StepAgency.KIND, 16),
        ("PD", "Phê duyệt", "leader", StepAgency.COMPETENT, 4),
        ("TKQ", "Trả kết quả", "receiver", StepAgency.RECEIVING_CENTRE, 4),
    ]
    land_version = _version("1.000003", "Đăng ký biến động đất đai", field, land, 5)
    users: dict[str, User] = {}
    for username, agency, role in [
        ("receiver", centre, "receiver"),
        ("specialist", justice, "specialist"),
        ("specialist2", justice, "specialist"),
        ("leader", justice, "leader"),
        ("leader2", justice, "leader"),
        ("builder", by_code["000.00.03.H99"], "specialist"),
        ("builder_leader", by_code["000.00.03.H99"], "leader"),
        ("tax", by_code["000.00.30.H99"], "specialist"),
        ("inspector", by_code["000.00.00.H99"], "inspector"),
    ]:
        user = users.get(username) or User.objects.create_user(
            username, password="x", full_name=username.title()
        )
        users[username] = user
        RoleAssignment.objects.create(
            official=user,
            agency=agency,
            role=role,
            reception_point=point if role == "receiver" else None,
        )
    return World(
        centre=centre,
        justice=justice,
        building=by_code["000.00.03.H99"],
        tax=by_code["000.00.30.H99"],
        point=point,
        version=version,
        restart_version=restart_version,
        land_version=land_version,
        users=users,
    )
