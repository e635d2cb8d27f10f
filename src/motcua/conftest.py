"""Shared pytest fixtures. Tests run on SQLite; on PostgreSQL too when DATABASE_URL points there
(``make test`` does that with MOTCUA_TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.conf import settings


def is_postgres() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def pytest_configure(config: pytest.Config) -> None:
    # Officials are created in many fixtures; PBKDF2's deliberate slowness is for production.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set MOTCUA_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_reference_caches() -> None:
    """Each test's database is rolled back, so the next may reuse ids with other content:
    the per-process caches of reference rows must not carry rows from one test to the next."""
    from motcua.dossiers import refs
    from motcua.identity.ratelimit import LOOKUPS

    refs.clear()
    # Likewise the lookups' counts kept in the process (their rows are rolled back).
    LOOKUPS.clear()


@pytest.fixture
def calendar(db: object) -> object:
    """The default working calendar, seeded from the holidays package (2015–2035)."""
    from motcua.clock.services import ensure_default_calendar, seed_holidays

    cal = ensure_default_calendar()
    if not cal.days.exists():
        seed_holidays(cal)
        cal.refresh_from_db()
    return cal
