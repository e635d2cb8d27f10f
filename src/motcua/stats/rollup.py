"""Maintaining ``DailyFlow`` in the transaction of each dossier change."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.dispatch import receiver
from django.utils import timezone

from motcua.core.localtime import local_date
from motcua.dossiers.models import Dossier
from motcua.dossiers.signals import dossier_changed

from . import monthly
from .models import COUNTERS, SHARDS, DailyFlow

_TABLE = DailyFlow._meta.db_table
_KEY = "day, agency_id, procedure_id, field_id, channel, shard"


def bump(key: tuple[date, int, int, int, str, int], column: str, by: int = 1) -> None:
    """Add ``by`` to one counter of a key: one upsert, no read first."""
    if column not in COUNTERS:
        raise ValueError(column)
    values = [by if c == column else 0 for c in COUNTERS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} ({_KEY}, {', '.join(COUNTERS)}) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT ({_KEY}) DO UPDATE SET {column} = {_TABLE}.{column} + %s",
            [*key, *values, by],
        )
    # A day of a closed month (an action dated in the past): its monthly sums are stale.
    if key[0] < monthly.month_of(local_date(timezone.now())):
        monthly.forget(key[0], key[0])


def key_of(dossier: Dossier, day: date) -> tuple[date, int, int, int, str, int]:
    return (
        day,
        dossier.competent_agency_id,
        dossier.procedure_id,
        dossier.procedure_version.field_id,
        dossier.channel,
        dossier.pk % SHARDS,
    )


@receiver(dossier_changed)
def _on_change(sender: Any, dossier: Dossier, before: dict[str, Any], **kwargs: Any) -> None:
    if before.get("received_at") is None and dossier.received_at is not None:
        bump(key_of(dossier, local_date(dossier.received_at)), "received")
    resolved_at = dossier.resolved_at
    if before.get("resolved_at") is None and resolved_at and dossier.received_at is not None:
        bump(key_of(dossier, local_date(resolved_at)), f"resolved_{dossier.timeliness}")
