"""The sample province of the demo (Đồng Tháp): its communes, agencies, desks and officials.

Everything here is sample data, loaded through the same services as real data; loading twice
changes nothing (upserts by code, officials by login).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core.errors import FieldError, ValidationFailed
from motcua.identity.models import User
from motcua.identity.services import ensure_totp

from ..models import Agency, ReceptionPoint
from .agencies import UpsertResult, upsert_agencies
from .divisions import data_text, import_divisions_csv, load_provinces
from .officials import RoleSpec, assign_role, create_official
from .points import upsert_reception_points

SAMPLE_COMMUNES_FILE = "sample_dong_thap_communes.csv"
SAMPLE_AGENCIES_FILE = "sample_agencies.json"
SAMPLE_POINTS_FILE = "sample_reception_points.json"
SAMPLE_OFFICIALS_FILE = "sample_officials.json"
SAMPLE_PROVINCE_CODE = "82"


@dataclass(frozen=True)
class SampleLogin:
    username: str
    full_name: str
    role: str
    agency_code: str
    agency_name: str
    reception_point: str


@dataclass
class SampleProvince:
    divisions: UpsertResult
    agencies: UpsertResult
    reception_points: UpsertResult
    officials_created: list[str] = field(default_factory=list)
    logins: list[SampleLogin] = field(default_factory=list)


def _json(name: str) -> dict[str, Any]:
    data = json.loads(data_text(name))
    if not isinstance(data, dict):
        raise ValidationFailed(_("%(file)s is not a JSON object.") % {"file": name})
    return data


def _role_specs(official: dict[str, Any], where: str) -> list[RoleSpec]:
    specs = []
    for i, role in enumerate(official.get("roles", [])):
        agency = Agency.objects.filter(code=role["agency"]).first()
        if agency is None:
            raise ValidationFailed(
                _("The sample officials are not valid."),
                [FieldError(f"{where}.roles[{i}].agency", _("No such agency."))],
            )
        point = None
        if role.get("reception_point"):
            point = ReceptionPoint.objects.filter(
                agency=agency, code=role["reception_point"]
            ).first()
            if point is None:
                raise ValidationFailed(
                    _("The sample officials are not valid."),
                    [FieldError(f"{where}.roles[{i}].reception_point", _("No such desk."))],
                )
        specs.append(RoleSpec(agency, role["role"], point))
    return specs


def _load_officials(
    password: str | None, reset_passwords: bool
) -> tuple[list[str], list[SampleLogin]]:
    created: list[str] = []
    logins: list[SampleLogin] = []
    for i, official in enumerate(_json(SAMPLE_OFFICIALS_FILE)["officials"]):
        where = f"{SAMPLE_OFFICIALS_FILE}: officials[{i}]"
        specs = _role_specs(official, where)
        user = User.objects.filter(username=official["username"]).first()
        if user is None:
            user = create_official(
                official["username"], official["full_name"], password=password, roles=specs
            )
            created.append(user.username)
        else:
            for spec in specs:
                assign_role(user, spec.agency, spec.role, spec.reception_point)
            # Hashing costs ~0.4 s an account, so existing accounts keep their password unless
            # asked (the demo asks when it has just generated a new one).
            if password is not None and reset_passwords:
                user.set_password(password)
                user.save(update_fields=["password"])
        ensure_totp(user)  # demo logins take their code from ``motcua totp-code``
        for spec in specs:
            logins.append(
                SampleLogin(
                    username=user.username,
                    full_name=user.full_name,
                    role=spec.role,
                    agency_code=spec.agency.code,
                    agency_name=spec.agency.name,
                    reception_point=spec.reception_point.name if spec.reception_point else "",
                )
            )
    return created, logins


@transaction.atomic
def load_sample_province(
    password: str | None = None, *, reset_passwords: bool = False
) -> SampleProvince:
    """Load the sample province: provinces, its 102 communes, its 220 agencies, their reception
    points and the demo officials.

    New officials get ``password`` (an unusable one when None); existing ones keep theirs
    unless ``reset_passwords``.
    """
    load_provinces()
    divisions = import_divisions_csv(data_text(SAMPLE_COMMUNES_FILE))
    agencies = upsert_agencies(
        _json(SAMPLE_AGENCIES_FILE)["agencies"], prefix=f"{SAMPLE_AGENCIES_FILE}: agencies"
    )
    points = upsert_reception_points(
        _json(SAMPLE_POINTS_FILE)["reception_points"],
        prefix=f"{SAMPLE_POINTS_FILE}: reception_points",
    )
    created, logins = _load_officials(password, reset_passwords)
    return SampleProvince(divisions, agencies, points, created, logins)
