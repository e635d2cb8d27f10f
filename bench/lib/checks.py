"""Consistency checks of dossier data, shared by the loader (``--verify``) and the fault script.

Each check returns a list of human-readable problems; an empty list means it holds.
"""

from __future__ import annotations

import random
from typing import Any

import psycopg

LOCAL = "Asia/Ho_Chi_Minh"


def structural(conn: psycopg.Connection) -> list[str]:
    """Whole-table invariants of the event history, in a few aggregate queries."""
    problems: list[str] = []
    row = conn.execute(
        """
        SELECT count(*) FILTER (WHERE e.n IS NULL),
               count(*) FILTER (WHERE e.n <> d.version OR e.top <> d.version),
               count(*) FILTER (WHERE d.received_at IS NOT NULL AND NOT e.has_receive),
               count(*) FILTER (WHERE d.received_at IS NULL AND e.has_receive)
        FROM dossiers_dossier d
        LEFT JOIN (
            SELECT dossier_id, count(*) AS n, max(seq) AS top,
                   bool_or(action = 'receive') AS has_receive
            FROM dossiers_dossierevent GROUP BY dossier_id
        ) e ON e.dossier_id = d.id
        """
    ).fetchone()
    assert row is not None
    labels = (
        "dossiers without any event",
        "dossiers whose events are not numbered 1..version",
        "received dossiers without a receive event",
        "dossiers with a receive event but no reception time",
    )
    problems += [f"{count:,} {label}" for count, label in zip(row, labels, strict=True) if count]
    row = conn.execute(
        """
        SELECT count(*) FROM dossiers_dossier d
        LEFT JOIN dossiers_dossierstep s ON s.id = d.current_step_id
        WHERE d.current_step_id IS NOT NULL AND (s.id IS NULL OR s.dossier_id <> d.id)
        """
    ).fetchone()
    if row and row[0]:
        problems.append(f"{row[0]:,} dossiers whose current step is not theirs")
    return problems


def counters(conn: psycopg.Connection) -> list[str]:
    """Every agency-day counter equals the number of codes of that agency and day, and the
    running numbers of the codes are 1..last without a gap."""
    row = conn.execute(
        f"""
        SELECT count(*) FROM dossiers_dossiercounter c
        FULL JOIN (
            SELECT competent_agency_id AS agency_id,
                   (created_at AT TIME ZONE '{LOCAL}')::date AS day,
                   count(*) AS n, max(split_part(code, '-', 3)::int) AS top
            FROM dossiers_dossier WHERE NOT imported GROUP BY 1, 2
        ) d ON d.agency_id = c.agency_id AND d.day = c.day
        WHERE c.last IS DISTINCT FROM d.n OR d.top IS DISTINCT FROM d.n
        """
    ).fetchone()
    if row and row[0]:
        return [f"{row[0]:,} agency-days whose counter disagrees with their codes"]
    return []


def due_times(sample: int, seed: int = 1) -> list[str]:
    """Recompute the due time of ``sample`` random dossiers with the engine's own functions
    (``motcua.dossiers.clockwork``) from what is stored; runs inside Django."""
    from motcua.dossiers.clockwork import calendar_for, classify, dossier_due
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.services.steps import intervals

    top = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    ids = {rng.randint(1, top) for _ in range(sample)}
    problems: list[str] = []
    checked = 0
    queryset = Dossier.objects.filter(pk__in=ids, received_at__isnull=False).select_related(
        "procedure_version", "competent_agency"
    )
    for d in queryset:
        assert d.received_at is not None
        pauses = intervals(d)
        due = dossier_due(
            calendar_for(d.competent_agency),
            d.procedure_version,
            d.received_at,
            pauses,
            d.restarted_at,
        )
        checked += 1
        expected: dict[str, Any] = {"due_at": due.due_at, "remaining_hours": due.remaining_hours}
        if d.resolved_at is not None:
            expected["timeliness"] = classify(d.resolved_at, due.due_at)
        for name, value in expected.items():
            if getattr(d, name) != value:
                problems.append(f"{d.code}: {name} {getattr(d, name)} != recomputed {value}")
    if not checked:
        problems.append("no received dossier in the sample")
    return problems[:20]
