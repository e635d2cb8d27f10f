"""One dossier's life, generated: the actions a one-stop office would have taken on it, applied
by a small mirror of the engine's write path (``motcua.dossiers.services``) — the same states,
steps, pauses, events and their sequence numbers, due times after each event, the due-time events
of the pausing actions, timeliness — and cut at "now", so recent dossiers are still open.

Output is PostgreSQL COPY text, one line per row, for the four tables of the engine. Instants are
integers (µs since the epoch, UTC) throughout, as in ``motcua.clock.engine``.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from motcua.clock.engine import DAY_US, HOUR_US, LOCAL_OFFSET_US, from_us, to_us
from motcua.dossiers.clockwork import Interval, dossier_due

from .world import Official, ProcDef

NULL = "\\N"
SECOND = 1_000_000
MINUTE_US = 60 * SECOND
WORKDAY_US = 8 * HOUR_US
_EPOCH = date(1970, 1, 1)

# In the order the generator writes them (COPY takes any column order).
DOSSIER_COLUMNS = (
    "id, code, procedure_id, procedure_version_id, channel, reception_point_id, "
    "receiving_centre_id, competent_agency_id, applicant_kind, applicant_name, applicant_folded, "
    "applicant_national_id, applicant_phone, applicant_email, applicant_address, submitter_name, "
    "subject, submitted_at, state, received_at, due_at, remaining_hours, appointment_at, "
    "resolved_at, returned_at, return_method, outcome, timeliness, current_step_id, "
    "supplement_requests, completion_requests, restarted_at, supplement_due_at, version, "
    "imported, created_by_id, created_at"
)
STEP_COLUMNS = (
    "id, dossier_id, position, workflow_step_id, code, name, role, agency_id, assignee_id, hours, "
    "transfer, return_to_id, started_at, due_at, ended_at, ended_by, timeliness"
)
EVENT_COLUMNS = (
    "dossier_id, seq, action, from_state, to_state, actor_id, actor_name, agency_id, at, note, "
    "payload, due_at"
)
PAUSE_COLUMNS = 'dossier_id, kind, start, "end", reason, resume_state'
# Step ids are derived from the dossier id so that ``current_step_id`` is known while generating.
STEPS_PER_DOSSIER = 16

_DAY_TEXT: dict[int, str] = {}


def day_text(day: int) -> str:
    text = _DAY_TEXT.get(day)
    if text is None:
        text = _DAY_TEXT[day] = (_EPOCH + timedelta(days=day)).isoformat()
    return text


_SOD_TEXT = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]


def ts(us: int | None) -> str:
    """µs since the epoch as a COPY timestamptz literal (UTC)."""
    if us is None:
        return NULL
    seconds, micro = divmod(us, 1_000_000)
    day, sod = divmod(seconds, 86_400)
    if micro:
        return f"{day_text(day)} {_SOD_TEXT[sod]}.{micro:06d}+00"
    return f"{day_text(day)} {_SOD_TEXT[sod]}+00"


def iso_local(us: int | None) -> str | None:
    """``motcua.core.localtime.isoformat_local`` of an instant in µs."""
    if us is None:
        return None
    seconds = (us + LOCAL_OFFSET_US) // 1_000_000
    day, sod = divmod(seconds, 86_400)
    return f"{day_text(day)}T{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}+07:00"


def local_day(us: int) -> int:
    return (us + LOCAL_OFFSET_US) // DAY_US


def classify(resolved: int, due: int | None) -> str:
    """``motcua.dossiers.clockwork.classify`` on µs."""
    if due is None:
        return "on_time"
    if resolved > due:
        return "late"
    if local_day(resolved) < local_day(due):
        return "early"
    return "on_time"


def esc(text: str) -> str:
    """A text value for the COPY text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


def jsonb(payload: dict) -> str:
    if not payload:
        return "{}"
    return esc(json.dumps(payload, ensure_ascii=False, separators=(", ", ": ")))


def n(value: object) -> str:
    return NULL if value is None else str(value)


class Rows:
    """COPY text buffers of one batch."""

    def __init__(self) -> None:
        self.dossiers: list[str] = []
        self.steps: list[str] = []
        self.events: list[str] = []
        self.pauses: list[str] = []


class StepRow:
    """A ``DossierStep`` being generated."""

    __slots__ = (
        "agency",
        "assignee",
        "code",
        "due",
        "end",
        "ended_by",
        "hours",
        "hours_us",
        "id",
        "name",
        "position",
        "role",
        "start",
        "timeliness",
        "transfer",
        "ws_id",
    )
    agency: int
    assignee: int | None
    code: str
    due: int | None
    end: int | None
    ended_by: str
    hours: str
    hours_us: int
    id: int
    name: str
    position: int
    role: str
    start: int
    timeliness: str
    transfer: bool
    ws_id: int


class Stop(Exception):
    """The next action would happen after "now": the dossier stays where it is."""


class Life:
    """One dossier being generated. Methods named after actions mirror the handlers + commit."""

    def __init__(self, gen: Any, did: int, code: str, proc: ProcDef, comp: int, centre: int):
        self.g, self.did, self.code, self.p = gen, did, code, proc
        self.comp, self.centre = comp, centre
        self.cal = gen.world.calendar_of[comp]
        self.state = ""
        self.version = 0
        self.steps: list[StepRow] = []
        self.cur: StepRow | None = None
        self.pauses: list[list] = []  # [kind, start, end, reason, resume_state]
        self.received: int | None = None
        self.resolved: int | None = None
        self.returned: int | None = None
        self.return_method = ""
        self.outcome = ""
        self.timeliness = ""
        self.appointment: int | None = None
        self.restarted: int | None = None
        self.supplement_due: int | None = None
        self.supplement_requests = 0
        self.completion_requests = 0
        self.due: int | None = None
        self.remaining: str | None = None
        self.events: list[str] = []

    # -- the write path's commit ---------------------------------------------------------------
    def commit(
        self,
        action: str,
        at: int,
        to_state: str,
        actor: Official | None,
        agency: int | None,
        *,
        note: str = "",
        payload: dict | None = None,
        pausing: bool = False,
        resolving: bool = False,
    ) -> None:
        if at > self.g.now:
            raise Stop
        intake = self.version == 0
        from_state = self.state
        self.state = to_state
        old_due = self.due
        if self.received is not None and (self.resolved is None or resolving):
            self._recompute_due()
        if resolving and self.resolved is not None:
            self.timeliness = classify(self.resolved, self.due)
        if pausing and self.cur is not None and self.cur.end is None:
            self._refresh_step_due(self.cur)
        moved = not intake and self.received is not None and old_due != self.due
        moved = moved and action != "receive"
        self.version += 2 if moved else 1
        self._event(
            self.version - 1 if moved else self.version,
            action,
            from_state,
            to_state,
            actor,
            agency,
            at,
            note,
            payload or {},
        )
        if moved:
            reason = {"from": iso_local(old_due), "to": iso_local(self.due), "reason": action}
            self._event(self.version, "due_changed", to_state, to_state, None, None, at, "", reason)

    def _event(self, seq, action, from_state, to_state, actor, agency, at, note, payload) -> None:
        self.events.append(
            f"{self.did}\t{seq}\t{action}\t{from_state}\t{to_state}\t"
            f"{NULL if actor is None else actor.user_id}\t"
            f"{'motcua' if actor is None else esc(actor.name)}\t{n(agency)}\t{ts(at)}\t"
            f"{esc(note)}\t{jsonb(payload)}\t{ts(self.due)}"
        )

    def _recompute_due(self) -> None:
        assert self.received is not None
        if not self.pauses:
            self.due = self.g.base_due(self.cal, self.p, self.received)
            self.remaining = None
            return
        # With pauses the engine's own function decides (pause or restart policy, open pauses).
        due = dossier_due(
            self.cal,
            self.g.versions[self.p.version_id],
            from_us(self.received),
            [
                Interval(k, from_us(s), None if e is None else from_us(e))
                for k, s, e, *_ in self.pauses
            ],
            None if self.restarted is None else from_us(self.restarted),
        )
        self.due = None if due.due_at is None else to_us(due.due_at)
        self.remaining = None if due.remaining_hours is None else str(due.remaining_hours)

    def _refresh_step_due(self, step: StepRow) -> None:
        relevant = [(s, e) for _k, s, e, *_ in self.pauses if e is None or e > step.start]
        step.due = self.g.step_due(step.agency, step.start, step.hours_us, relevant)

    # -- steps ---------------------------------------------------------------------------------
    def start_step(self, index: int, at: int, assignee: int | None = None) -> StepRow:
        sd = self.p.steps[index]
        if sd.mode == "competent":
            agency = self.comp
        elif sd.mode == "receiving_centre":
            agency = self.centre
        elif sd.mode == "named" and sd.agency_id is not None:
            agency = sd.agency_id
        else:
            agency = self.g.world.kind_agency[sd.agency_kind][0]
        step = StepRow()
        step.position = len(self.steps) + 1
        step.id = self.did * STEPS_PER_DOSSIER + step.position
        step.ws_id, step.code, step.name, step.role = sd.ws_id, sd.code, sd.name, sd.role
        step.agency, step.assignee, step.hours, step.hours_us = (
            agency,
            assignee,
            sd.hours,
            sd.hours_us,
        )
        step.transfer = agency not in (self.comp, self.centre)
        step.start, step.end, step.ended_by, step.timeliness = at, None, "", ""
        step.due = self.g.step_due(agency, at, sd.hours_us, [])
        self.steps.append(step)
        self.cur = step
        return step

    def end_step(self, at: int, ended_by: str) -> StepRow | None:
        step = self.cur
        if step is None or step.end is not None:
            return None
        step.end, step.ended_by = at, ended_by
        step.timeliness = classify(at, step.due)
        return step

    def _resolve(self, at: int, outcome: str, action: str) -> None:
        for pause in self.pauses:
            if pause[2] is None:
                pause[2] = at
        self.resolved, self.outcome = at, outcome
        self.end_step(at, action)

    # -- rows ----------------------------------------------------------------------------------
    def flush(self, rows: Rows, head: str, tail: str) -> None:
        """``head``: the columns up to ``subject``; ``tail``: ``imported`` onwards."""
        cur = self.cur.id if self.cur is not None else None
        rows.dossiers.append(
            f"{head}\t{self.state}\t{ts(self.received)}\t{ts(self.due)}\t{n(self.remaining)}\t"
            f"{ts(self.appointment)}\t{ts(self.resolved)}\t{ts(self.returned)}\t"
            f"{self.return_method}\t{self.outcome}\t{self.timeliness}\t{n(cur)}\t"
            f"{self.supplement_requests}\t{self.completion_requests}\t{ts(self.restarted)}\t"
            f"{ts(self.supplement_due)}\t{self.version}\t{tail}"
        )
        for s in self.steps:
            rows.steps.append(
                f"{s.id}\t{self.did}\t{s.position}\t{s.ws_id}\t{s.code}\t{esc(s.name)}\t{s.role}\t"
                f"{s.agency}\t{n(s.assignee)}\t{s.hours}\t{'t' if s.transfer else 'f'}\t{NULL}\t"
                f"{ts(s.start)}\t{ts(s.due)}\t{ts(s.end)}\t{s.ended_by}\t{s.timeliness}"
            )
        for kind, start, end, reason, resume in self.pauses:
            rows.pauses.append(
                f"{self.did}\t{kind}\t{ts(start)}\t{ts(end)}\t{esc(reason)}\t{resume}"
            )
        rows.events.extend(self.events)
