"""The desk's world: the dossier engine's small province (reused), with a checklist and fees on
its procedure, a commune procedure, two communes with their divisions, and a commune service
centre with its own receiver (another desk, for scoping)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from motcua.agencies.models import Agency, Division, ReceptionPoint, RoleAssignment
from motcua.agencies.services import upsert_agencies
from motcua.catalog.models import DocumentRequirement, Fee, ProcedureVersion, StepAgency
from motcua.catalog.writing import refresh_search
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import intake
from motcua.dossiers.tests.conftest import World, _version, local, world  # noqa: F401
from motcua.identity.models import User
from motcua.web.tests.conftest import (  # noqa: F401
    _fresh_cache,
    as_official,
    client_en,
    english,
    html,
    log_in,
)

# Sample citizens of the bundled population data (motcua/integrations/data).
CITIZEN_ID = "087090004211"  # Nguyễn Văn Hùng, phường Cao Lãnh
MY_THO_CITIZEN_ID = "082078001526"  # Lê Văn Tài, phường Mỹ Tho
UNKNOWN_ID = "087090999999"  # plausible, held by nobody in the sample
DOCS = [
    ("Tờ khai theo mẫu", 1, 0, True),
    ("Giấy chứng sinh", 1, 0, True),
    ("Giấy tờ chứng minh nơi cư trú", 0, 1, False),
]
FEES = [("Lệ phí", 50000), ("Phí cấp bản sao", 0)]


@dataclass
class Desk:
    world: World
    version: ProcedureVersion  # 1.000001: 3 documents (2 required), a 50.000 đ fee
    commune_version: ProcedureVersion  # 1.000009: resolved by the commune of residence
    my_tho: Agency  # UBND phường Mỹ Tho (commune level)
    an_hoa: Agency  # UBND xã An Hòa
    commune_centre: Agency  # the ward's service centre, with its own receiver
    commune_receiver: User

    @property
    def code(self) -> str:
        return self.version.procedure.code


def _commune_version(world: World) -> ProcedureVersion:  # noqa: F811
    standard = [
        ("TN", "Tiếp nhận", "receiver", StepAgency.RECEIVING_CENTRE, 4),
        ("XL", "Thẩm định", "specialist", StepAgency.COMPETENT, 8),
        ("PD", "Phê duyệt", "leader", StepAgency.COMPETENT, 4),
        ("TKQ", "Trả kết quả", "receiver", StepAgency.RECEIVING_CENTRE, 4),
    ]
    version = _version(
        "1.000009", "Đăng ký khai sinh (thử nghiệm cấp xã)", world.version.field, standard, 3
    )
    ProcedureVersion.objects.filter(pk=version.pk).update(levels=["commune"])
    DocumentRequirement.objects.create(
        version=version, position=1, name="Tờ khai đăng ký khai sinh", originals=1
    )
    version.refresh_from_db()
    return version


@pytest.fixture
def desk(world: World) -> Desk:  # noqa: F811
    for position, (name, originals, copies, required) in enumerate(DOCS, start=1):
        DocumentRequirement.objects.create(
            version=world.version,
            position=position,
            name=name,
            originals=originals,
            copies=copies,
            required=required,
        )
    for position, (name, amount) in enumerate(FEES, start=1):
        Fee.objects.create(version=world.version, position=position, name=name, amount_vnd=amount)
    Division.objects.create(code="99", name="Tỉnh Thử Nghiệm", kind="province")
    Division.objects.create(code="99001", name="Phường Mỹ Tho", kind="ward")
    Division.objects.create(code="99002", name="Xã An Hòa", kind="commune")
    province = "000.00.00.H99"
    upsert_agencies(
        [
            {
                "code": "001.50.00.H99",
                "name": "UBND phường Mỹ Tho",
                "kind": "people_committee",
                "level": "commune",
                "parent": province,
                "division": "99001",
            },
            {
                "code": "001.51.00.H99",
                "name": "Trung tâm PVHCC phường Mỹ Tho",
                "kind": "service_centre",
                "level": "commune",
                "parent": "001.50.00.H99",
                "division": "99001",
            },
            {
                "code": "002.50.00.H99",
                "name": "UBND xã An Hòa",
                "kind": "people_committee",
                "level": "commune",
                "parent": province,
                "division": "99002",
            },
        ]
    )
    agencies = {a.code: a for a in Agency.objects.all()}
    centre = agencies["001.51.00.H99"]
    ReceptionPoint.objects.create(agency=centre, code="Q1", name="Quầy tiếp nhận")
    user = User.objects.create_user("commune_receiver", password="x", full_name="Commune")
    RoleAssignment.objects.create(official=user, agency=centre, role="receiver")
    world.users["commune_receiver"] = user
    commune_version = _commune_version(world)
    refresh_search(ProcedureVersion.objects.all())
    return Desk(
        world=world,
        version=world.version,
        commune_version=commune_version,
        my_tho=agencies["001.50.00.H99"],
        an_hoa=agencies["002.50.00.H99"],
        commune_centre=centre,
        commune_receiver=user,
    )


@pytest.fixture
def receiver(desk: Desk, as_official: Any) -> Client:  # noqa: F811
    client: Client = as_official("receiver")
    return client


def hidden(page: str, name: str) -> str:
    """The value of a hidden input of a page."""
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert match is not None, name
    return match.group(1)


def intake_fields(client: Client, code: str, **fields: Any) -> dict[str, Any]:
    """What the intake page posts: its hidden fields, then a complete applicant and choices."""
    page = html(client.get(f"/mot-cua/tiep-nhan/{code}/"))
    data: dict[str, Any] = {
        "token": hidden(page, "token"),
        "version": hidden(page, "version"),
        "desk": hidden(page, "desk"),
        "agency": "000.00.02.H99",
        "applicant_kind": "citizen",
        "national_id": "082090001234",
        "applicant_name": "Nguyễn Văn An",
        "phone": "0912345678",
        "address": "12 Lê Lợi, phường Mỹ Tho",
        "doc": ["1", "2"],
    }
    data.update(fields)
    return data


def counts(client: Client) -> dict[str, int]:
    """The figures of the desk's home, by queue (``data-count``)."""
    page = html(client.get("/mot-cua/"))
    found = re.findall(r'data-count="(\w+)">([\d.]+)<', page)
    return {key: int(value.replace(".", "")) for key, value in found}


def only_dossier() -> Dossier:
    dossiers = list(Dossier.objects.all())
    assert len(dossiers) == 1
    return dossiers[0]


def received(desk: Desk, **extra: Any) -> Dossier:
    """A dossier received through the engine (set-up for the desk's later actions)."""
    dossier, _ = intake("receive", desk.world.actor("receiver"), desk.world.counter_data(**extra))
    return dossier
