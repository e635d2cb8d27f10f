from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation

from motcua.agencies.models import Agency, ReceptionPoint
from motcua.agencies.services import (
    SampleProvince,
    load_provinces,
    load_sample_province,
    upsert_agencies,
    upsert_reception_points,
)


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # PBKDF2 at production strength costs ~0.4 s an account; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted in English (the msgids); the default locale is vi.
    with translation.override("en"):
        yield


@pytest.fixture
def provinces(db: None) -> None:
    load_provinces()


@pytest.fixture
def sample(db: None) -> SampleProvince:
    return load_sample_province(password="demo-test-Passw0rd")


@pytest.fixture
def agency(db: None) -> Callable[..., Agency]:
    """Build an agency through the service: ``agency("000.00.02.H99", parent=..., ...)``."""

    def make(
        code: str,
        name: str | None = None,
        kind: str = "department",
        level: str = "province",
        parent: Agency | str | None = None,
        **extra: Any,
    ) -> Agency:
        parent_code = parent.code if isinstance(parent, Agency) else parent
        row = {
            "code": code,
            "name": name or f"Agency {code}",
            "kind": kind,
            "level": level,
            "parent": parent_code,
            **extra,
        }
        upsert_agencies([row])
        return Agency.objects.get(code=code)

    return make


@pytest.fixture
def tree(agency: Callable[..., Agency]) -> dict[str, Agency]:
    """A small province (H99) with a department, its sub-office, a centre and a commune."""
    ubnd = agency("000.00.00.H99", kind="people_committee")
    centre = agency("000.00.01.H99", kind="service_centre", parent=ubnd)
    justice = agency("000.00.02.H99", parent=ubnd)
    land = agency("000.00.04.H99", parent=ubnd)
    registry = agency("000.01.04.H99", kind="other", parent=land)
    commune = agency("001.50.00.H99", kind="people_committee", level="commune", parent=ubnd)
    commune_centre = agency("001.51.00.H99", kind="service_centre", level="commune", parent=commune)
    other_ubnd = agency("000.00.00.H98", kind="people_committee")
    upsert_reception_points(
        [
            {"agency": centre.code, "code": "Q1", "name": "Quầy 1"},
            {"agency": centre.code, "code": "Q2", "name": "Quầy 2"},
            {"agency": centre.code, "code": "Q9", "name": "Quầy cũ", "is_active": False},
            {"agency": commune_centre.code, "code": "Q1", "name": "Quầy xã"},
        ]
    )
    return {
        "ubnd": ubnd,
        "centre": centre,
        "justice": justice,
        "land": land,
        "registry": registry,
        "commune": commune,
        "commune_centre": commune_centre,
        "other_ubnd": other_ubnd,
    }


@pytest.fixture
def desk() -> Callable[[Agency, str], ReceptionPoint]:
    def get(agency: Agency, code: str) -> ReceptionPoint:
        return ReceptionPoint.objects.get(agency=agency, code=code)

    return get
