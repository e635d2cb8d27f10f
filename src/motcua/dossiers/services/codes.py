"""Dossier codes: ``{competent agency code}-{YYMMDD}-{NNNN}`` (Circular 03/2025, Art. 13).

The running number comes from one counter row per agency and local day, incremented by a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` inside the intake transaction: the row stays
locked until commit, so concurrent intakes queue on it, and a rolled-back intake rolls its
number back too — the sequence has no gaps and no duplicates.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from motcua.agencies.models import Agency

from ..models import DossierCounter

_TABLE = DossierCounter._meta.db_table


def next_number(agency_id: int, day: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (agency_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {_TABLE}.last + 1 "
            "RETURNING last",
            [agency_id, day],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def format_code(agency: Agency, day: date, number: int) -> str:
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"


def new_code(agency: Agency, day: date) -> str:
    return format_code(agency, day, next_number(agency.pk, day))
