"""The database settings derived from ``DATABASE_URL``."""

from __future__ import annotations

import pytest
from django.db import connection

from motcua import settings


def test_postgres_url_keeps_its_query_options_and_turns_jit_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "DATABASE_URL",
        "postgres://u@db.example:5432/motcua?sslmode=require&options=-c%20statement_timeout%3D5000",
    )
    options = settings._databases()["default"]["OPTIONS"]
    assert options["sslmode"] == "require"
    assert options["pool"]["max_size"] >= 1
    # motcua's default first, the URL's own after it (the later -c wins in PostgreSQL).
    assert options["options"] == "-c jit=off -c statement_timeout=5000"


def test_postgres_url_without_options_gets_jit_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/motcua")
    assert settings._databases()["default"]["OPTIONS"]["options"] == "-c jit=off"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_running_postgres_session_has_jit_off() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
