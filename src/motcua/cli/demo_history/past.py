"""The bulk of the history through the import path: a dossier file written from the simulated
dossiers, loaded by ``motcua.dossiers.importing.import_history`` (checked line by line, due
times and timeliness derived by the importer, aggregates rebuilt by its signal)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

from motcua.clock.engine import from_us
from motcua.core.localtime import isoformat_local
from motcua.dossiers.importing.service import ImportResult, import_history

from .model import Sim

SOURCE_NAME = "demo-history.jsonl"


def _instant(us: int | None) -> str | None:
    return None if us is None else isoformat_local(from_us(us))


def line_of(sim: Sim, now_us: int) -> dict[str, object] | None:
    """The dossier file line of a simulated dossier as it stands at ``now``; None when it was
    not received yet (an online submission still waiting at the desk is not a dossier of the
    file format)."""
    if sim.received_us > now_us:
        return None
    resolved = sim.resolved_us <= now_us
    pauses = []
    if sim.pause is not None and sim.pause[1] <= now_us:
        kind, start, end = sim.pause
        pauses.append(
            {
                "start": _instant(start),
                "end": _instant(end) if end <= now_us else None,
                "kind": kind,
            }
        )
    returned = (
        sim.returned_us if resolved and sim.returned_us and sim.returned_us <= now_us else None
    )
    return {
        "code": sim.code,
        "procedure": sim.procedure,
        "agency": sim.agency,
        "channel": sim.channel,
        "received_at": _instant(sim.received_us),
        "outcome": sim.outcome if resolved else None,
        "resolved_at": _instant(sim.resolved_us) if resolved else None,
        "returned_at": _instant(returned),
        "pauses": pauses,
        "applicant": sim.applicant,
    }


def import_sims(sims: Iterable[Sim], now_us: int) -> ImportResult:
    """Write the dossier file to a temporary directory and import it in one transaction."""
    with tempfile.TemporaryDirectory(prefix="motcua-demo-") as folder:
        path = Path(folder) / SOURCE_NAME
        count = 0
        with path.open("w", encoding="utf-8") as out:
            for sim in sims:
                line = line_of(sim, now_us)
                if line is not None:
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
                    count += 1
        if not count:
            return ImportResult()
        return import_history(path, now=from_us(now_us))
