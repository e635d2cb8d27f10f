"""Importing dossiers from another system (interfaces.md, "Dossier file (JSON Lines)").

One transaction. The file is read in batches: each line is parsed and checked on its own
(``lines``), then per batch the codes are checked against the batch and the database, the due
times are computed in bulk (``timing``) and the valid dossiers, their events, pauses and steps
are written in bulk (``writer``). Dossiers of earlier batches are already in the transaction,
so a code repeated anywhere in the file is caught by the same database lookup.

All or nothing by default: if any line is invalid, the transaction is rolled back and every
invalid line is reported: every problem of every line to ``on_error`` as it is found (the
command prints them), the first ``MAX_LISTED`` lines' in the error, all of them counted. With
``skip_invalid`` the valid lines are imported and the invalid ones written verbatim to the
rejects file (itself a dossier file: fixed, it can be imported as it is); their reasons go to
``on_error`` and, for the first ``MAX_LISTED``, to ``ImportResult.errors``, named by their line
in the original file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from motcua.clock.engine import from_us, to_us
from motcua.core.errors import FieldError, ValidationFailed
from motcua.core.text import fold

from ..models import Dossier, DossierCounter, DossierEvent, DossierStep, Pause
from ..states import Action, PauseKind, State
from . import lookups as lookups_module
from .lines import Line, check, decode
from .lookups import Lookups
from .signals import history_imported
from .timing import derive, open_step_due
from .writer import Writer, columns_for

BATCH = 20_000
MAX_LISTED = 100  # invalid lines listed in the error; all of them are counted
Progress = Callable[[int, int, int], None]  # lines read, imported, invalid
OnError = Callable[[FieldError], None]  # one problem of an invalid line: "line N: field"


@dataclass
class ImportResult:
    imported: int = 0
    invalid_lines: int = 0
    errors: list[FieldError] = field(default_factory=list)  # the first MAX_LISTED lines' errors
    rejects_path: Path | None = None
    first_received: datetime | None = None
    last_instant: datetime | None = None
    import_seconds: float = 0.0  # reading, checking and writing the dossiers
    aggregate_seconds: float = 0.0  # rebuilding the statistics for the imported range

    @property
    def rate(self) -> float:
        """Dossiers imported per second (writing and checking, aggregates excluded)."""
        return self.imported / self.import_seconds if self.import_seconds else 0.0


def rejects_path_for(path: Path) -> Path:
    """``history.jsonl`` → ``history.rejected.jsonl``."""
    stem = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.name
    return path.with_name(f"{stem}.rejected.jsonl")


def _open(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except FileNotFoundError as exc:
        raise ValidationFailed(_("No such file: %(path)s") % {"path": path}) from exc
    except OSError as exc:
        raise ValidationFailed(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
        ) from exc


def import_history(
    path: Path | str,
    *,
    skip_invalid: bool = False,
    now: datetime | None = None,
    batch_size: int = BATCH,
    progress: Progress | None = None,
    on_error: OnError | None = None,
) -> ImportResult:
    """Import a dossier file; see the module docstring. Raises ``ValidationFailed`` (nothing
    written) when a line is invalid and ``skip_invalid`` is off."""
    path = Path(path)
    handle = _open(path)
    rejects = None
    result = ImportResult()
    try:
        if skip_invalid:
            result.rejects_path = rejects_path_for(path)
            rejects = result.rejects_path.open("wb")
        with transaction.atomic():
            run = _Run(path.name, now or timezone.now(), result, rejects, on_error)
            started = time.perf_counter()
            try:
                for batch in _batches(handle, batch_size):
                    run.batch(batch)
                    if progress is not None:
                        progress(run.lines_read, result.imported, result.invalid_lines)
            finally:
                run.writer.close()  # the last COPY is in: before a commit or a rollback
            if result.invalid_lines and not skip_invalid:
                raise _refusal(result, listed_all=on_error is not None)
            run.raise_counters()
            run.analyze()
            result.import_seconds = time.perf_counter() - started
            if result.imported:
                started = time.perf_counter()
                history_imported.send(
                    sender=Dossier,
                    first_received=result.first_received,
                    last_instant=result.last_instant,
                    count=result.imported,
                    now=from_us(run.now_us),
                )
                result.aggregate_seconds = time.perf_counter() - started
    finally:
        handle.close()
        if rejects is not None:
            rejects.close()
    return result


def _refusal(result: ImportResult, *, listed_all: bool) -> ValidationFailed:
    detail = ngettext(
        "%(n)s line of the file is invalid: nothing was imported.",
        "%(n)s lines of the file are invalid: nothing was imported.",
        result.invalid_lines,
    ) % {"n": f"{result.invalid_lines:,}"}
    if result.invalid_lines > MAX_LISTED and not listed_all:
        detail += " " + _("The first %(n)s are listed.") % {"n": MAX_LISTED}
    return ValidationFailed(detail, list(result.errors))


def _batches(handle: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte-order mark some editors write
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue  # blank lines (a trailing newline, spacing) carry no dossier
        batch.append((number, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Run:
    """The state of one import across batches."""

    def __init__(
        self,
        source: str,
        now: datetime,
        result: ImportResult,
        rejects: IO[bytes] | None,
        on_error: OnError | None,
    ) -> None:
        self.source = source
        self.now_us = to_us(now)
        self.result = result
        self.rejects = rejects
        self.on_error = on_error
        self.lookups: Lookups = lookups_module.load()
        self.writer = Writer(background=True)
        if self.writer.postgres:
            # Each statement's foreign keys are checked as it ends, batch by batch: deferred to
            # the commit, millions of pending checks would queue in the server's memory (and
            # could not overlap the reading of the next batch).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.lines_read = 0
        self.listed_lines = 0
        # Ids written so far and their lines, per batch (ascending), to name the line a
        # repeated code was first used on.
        self.written: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        self.counters: dict[tuple[int, date], int] = {}
        self.first_us: int | None = None
        self.last_us: int | None = None

    # ----- rejects ------------------------------------------------------------------------
    def reject(self, number: int, raw: bytes, errors: list[FieldError]) -> None:
        result = self.result
        result.invalid_lines += 1
        named = [FieldError(f"line {number}: {e.field}", e.message) for e in errors]
        if self.on_error is not None:
            for error in named:
                self.on_error(error)
        if self.listed_lines < MAX_LISTED:
            self.listed_lines += 1
            result.errors.extend(named)
        if self.rejects is not None:
            # The line as it was, bytes included: the rejects file is a dossier file again.
            self.rejects.write(raw + b"\n")

    # ----- one batch ----------------------------------------------------------------------
    def batch(self, batch: list[tuple[int, bytes]]) -> None:
        self.lines_read = batch[-1][0]
        raws = dict(batch)
        valid: list[Line] = []
        for number, raw in batch:
            obj, errors = decode(number, raw)
            if obj is not None:
                checked = check(number, obj, self.lookups, self.now_us)
                if isinstance(checked, Line):
                    valid.append(checked)
                    continue
                errors = checked
            self.reject(number, raw, errors)
        valid = self._unique(valid, raws)
        for line, errors in derive(valid, self.lookups):
            self.reject(line.line, raws[line.line], errors)
        valid = [line for line in valid if line.state]
        if valid:
            self._write(valid)

    def _first_line_of(self, pk: int) -> int | None:
        for ids, numbers in self.written:
            if len(ids) and ids[0] <= pk <= ids[-1]:
                i = int(np.searchsorted(ids, pk))
                if i < len(ids) and ids[i] == pk:
                    return int(numbers[i])
        return None

    def _unique(self, valid: list[Line], raws: dict[int, bytes]) -> list[Line]:
        seen: dict[str, int] = {}
        keep: list[Line] = []
        for line in valid:
            first = seen.get(line.code)
            if first is not None:
                self._repeated(line, raws, first)
            else:
                seen[line.code] = line.line
                keep.append(line)
        if not seen:
            return keep
        existing = self.writer.existing(Dossier, "code", list(seen))
        if not existing:
            return keep
        out = []
        for line in keep:
            pk = existing.get(line.code)
            if pk is None:
                out.append(line)
                continue
            first = self._first_line_of(pk)
            if first is not None:
                self._repeated(line, raws, first)
            else:
                message = _("A dossier with this code already exists.")
                self.reject(line.line, raws[line.line], [FieldError("code", message)])
        return out

    def _repeated(self, line: Line, raws: dict[int, bytes], first: int) -> None:
        message = _("The code is already used on line %(line)s.") % {"line": first}
        self.reject(line.line, raws[line.line], [FieldError("code", message)])

    # ----- writing ------------------------------------------------------------------------
    def _write(self, lines: list[Line]) -> None:
        writer = self.writer
        n = len(lines)
        ids = writer.reserve_ids(Dossier, n)
        self.written.append(
            (np.array(ids, dtype=np.int64), np.array([x.line for x in lines], dtype=np.int64))
        )
        placed = [
            (pk, line)
            for pk, line in zip(ids, lines, strict=True)
            if not line.outcome and self.lookups.steps.get(line.version.id) is not None
        ]
        step_ids = writer.reserve_ids(DossierStep, len(placed))
        waiting = [
            (pk, line) for pk, line in zip(ids, lines, strict=True) if line.state in _WAITING
        ]
        events_of = {pk: 2 for pk, _line in waiting}
        now_us = self.now_us
        dossiers: dict[str, list[Any]] = {
            "id": ids,
            "code": [x.code for x in lines],
            "procedure_id": [x.version.procedure_id for x in lines],
            "procedure_version_id": [x.version.id for x in lines],
            "channel": [x.channel for x in lines],
            "state": [x.state for x in lines],
            "receiving_centre_id": [x.agency.centre_id for x in lines],
            "competent_agency_id": [x.agency.id for x in lines],
            "submitted_at": [x.received_us for x in lines],
            "received_at": [x.received_us for x in lines],
            "due_at": [x.dossier_due_us for x in lines],
            "remaining_hours": [x.remaining_hours for x in lines],
            "resolved_at": [x.resolved_us for x in lines],
            "returned_at": [x.returned_us for x in lines],
            "outcome": [x.outcome for x in lines],
            "timeliness": [x.timeliness for x in lines],
            "supplement_requests": [
                sum(1 for p in x.pauses if p[0] == PauseKind.SUPPLEMENT) for x in lines
            ],
            "restarted_at": [x.restarted_us for x in lines],
            "supplement_due_at": [x.supplement_due_us for x in lines],
            "version": [events_of.get(pk, 1) for pk in ids],
            "imported": [True] * n,
        }
        for name in ("kind", "name", "national_id", "phone", "email", "address"):
            key = f"applicant_{name}"
            dossiers[key] = [x.applicant[key] for x in lines]
        # COPY bypasses ``Dossier.save``, which keeps the folded name of the engine's dossiers.
        dossiers["applicant_folded"] = [fold(name) for name in dossiers["applicant_name"]]
        writer.write(Dossier, columns_for(Dossier, dossiers, n, now_us))
        self._write_events(ids, lines, waiting)
        self._write_pauses(ids, lines)
        self._write_steps(placed, step_ids)
        writer.set_references(Dossier, "current_step_id", [pk for pk, _l in placed], step_ids)
        writer.send()
        self._track(lines)

    def _write_events(
        self, ids: list[int], lines: list[Line], waiting: list[tuple[int, Line]]
    ) -> None:
        source = json.dumps(self.source, ensure_ascii=False)
        events: dict[str, list[Any]] = {
            "dossier_id": list(ids),
            "seq": [1] * len(ids),
            "action": [Action.IMPORT.value] * len(ids),
            "from_state": [""] * len(ids),
            "to_state": [State.IN_PROGRESS if x.state in _WAITING else x.state for x in lines],
            "actor_name": ["motcua"] * len(ids),
            "at": [x.received_us for x in lines],
            "note": [""] * len(ids),
            "payload": [f'{{"source": {source}, "line": {x.line}}}' for x in lines],
            # The due time as it stood before an open pause held the clock: the as-of
            # definition of the statistics reads it for every instant before the pause.
            "due_at": [x.event_due_us for x in lines],
        }
        for pk, line in waiting:
            kind, start, _end = line.pauses[-1]
            action = Action.REQUEST_SUPPLEMENT if kind == PauseKind.SUPPLEMENT else Action.SUSPEND
            events["dossier_id"].append(pk)
            events["seq"].append(2)
            events["action"].append(action.value)
            events["from_state"].append(State.IN_PROGRESS.value)
            events["to_state"].append(line.state)
            events["actor_name"].append("motcua")
            events["at"].append(start)
            events["note"].append("")
            events["payload"].append(f'{{"source": {source}, "line": {line.line}}}')
            events["due_at"].append(line.dossier_due_us)
        n = len(events["dossier_id"])
        self.writer.write(DossierEvent, columns_for(DossierEvent, events, n, self.now_us))

    def _write_pauses(self, ids: list[int], lines: list[Line]) -> None:
        pauses: dict[str, list[Any]] = {
            "dossier_id": [],
            "kind": [],
            "start": [],
            "end": [],
            "resume_state": [],
        }
        for pk, line in zip(ids, lines, strict=True):
            for kind, start, end in line.pauses:
                pauses["dossier_id"].append(pk)
                pauses["kind"].append(kind)
                pauses["start"].append(start)
                pauses["end"].append(end)
                pauses["resume_state"].append(State.IN_PROGRESS.value)
        n = len(pauses["dossier_id"])
        if n:
            self.writer.write(Pause, columns_for(Pause, pauses, n, self.now_us))

    def _write_steps(self, placed: list[tuple[int, Line]], step_ids: list[int]) -> None:
        """Open dossiers wait at their version's first processing step at the competent
        agency, started when received: officials continue them through the engine."""
        if not placed:
            return
        steps = [self.lookups.steps[line.version.id] for _pk, line in placed]
        assert all(steps)
        chosen = [s for s in steps if s is not None]
        rows: dict[str, list[Any]] = {
            "id": step_ids,
            "dossier_id": [pk for pk, _line in placed],
            "position": [1] * len(placed),
            "workflow_step_id": [s.workflow_step_id for s in chosen],
            "code": [s.code for s in chosen],
            "name": [s.name for s in chosen],
            "role": [s.role for s in chosen],
            "agency_id": [line.agency.id for _pk, line in placed],
            "hours": [s.hours for s in chosen],
            "transfer": [False] * len(placed),
            "started_at": [line.received_us for _pk, line in placed],
            "due_at": [open_step_due(line, self.lookups) for _pk, line in placed],
        }
        n = len(placed)
        self.writer.write(DossierStep, columns_for(DossierStep, rows, n, self.now_us))

    def _track(self, lines: list[Line]) -> None:
        result = self.result
        result.imported += len(lines)
        first = min(x.received_us for x in lines)
        last = max(max(x.received_us, x.resolved_us or 0, x.returned_us or 0) for x in lines)
        self.first_us = first if self.first_us is None else min(self.first_us, first)
        self.last_us = last if self.last_us is None else max(self.last_us, last)
        result.first_received = from_us(self.first_us)
        result.last_instant = from_us(self.last_us)
        for line in lines:
            agency = self.lookups.agencies.get(line.code_agency)
            if agency is not None:
                key = (agency.id, line.code_day)
                if self.counters.get(key, 0) < line.code_number:
                    self.counters[key] = line.code_number

    def analyze(self) -> None:
        """Fresh planner statistics before the aggregates read what was just written (the
        tables may have grown from nothing to millions of rows in this transaction)."""
        if not self.writer.postgres or not self.result.imported:
            return
        tables = ", ".join(
            connection.ops.quote_name(m._meta.db_table) for m in (Dossier, DossierEvent, Pause)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    def raise_counters(self) -> None:
        """New intakes of an agency and day continue after the highest imported number."""
        if not self.counters:
            return
        table = connection.ops.quote_name(DossierCounter._meta.db_table)
        agencies = [agency for agency, _day in self.counters]
        days = [day for _agency, day in self.counters]
        lasts = list(self.counters.values())
        with connection.cursor() as cursor:
            if self.writer.postgres:
                cursor.execute(
                    f"INSERT INTO {table} (agency_id, day, last) "  # noqa: S608
                    "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
                    "ON CONFLICT (agency_id, day) DO UPDATE "
                    f"SET last = GREATEST({table}.last, excluded.last)",
                    [agencies, days, lasts],
                )
                return
            cursor.executemany(
                f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (agency_id, day) DO UPDATE "
                f"SET last = MAX({table}.last, excluded.last)",
                list(zip(agencies, days, lasts, strict=True)),
            )


_WAITING = frozenset({State.AWAITING_SUPPLEMENT, State.SUSPENDED})
