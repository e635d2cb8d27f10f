"""The recent weeks of the showcase agencies, replayed through the engine's services: every move
(submission, reception, forwarding between steps, supplement requests, suspensions, transfers
for another agency's opinion, apologies, decisions, hand-overs) is an ``intake`` or ``perform``
by an official of the agency holding the step, at the simulated instant. The dossiers are left
where ``now`` finds them, so every queue has work in it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, AgencyKind, RoleAssignment
from motcua.agencies.services import RoleSpec, assign_role, create_official
from motcua.clock.engine import WorkingCalendar, from_us, to_us
from motcua.core.errors import DomainError
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import Actor, intake, perform
from motcua.identity.models import User

from .model import GIVEN, HOUR_US, MIDDLE, SURNAMES, Sim, Version

JUSTICE = "000.00.02.H20"  # the department asked for its opinion on civil status corrections
ROLE_SUFFIX = {"receiver": "tiepnhan", "specialist": "chuyenvien", "leader": "lanhdao"}


@dataclass
class Replay:
    calendar: WorkingCalendar
    versions: dict[str, Version]
    now_us: int
    seed: int
    actors: dict[tuple[str, str], Actor] = field(default_factory=dict)
    officials_created: int = 0
    skipped: int = 0
    refusals: list[str] = field(default_factory=list)  # what the engine refused, for the record
    agencies: dict[str, Agency] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed + 1)  # noqa: S311  (a reproducible simulation)

    # ----- officials --------------------------------------------------------------------------
    def _agency(self, code: str) -> Agency:
        agency = self.agencies.get(code)
        if agency is None:
            agency = Agency.objects.get(code=code)
            self.agencies[code] = agency
        return agency

    def centre_of(self, agency_code: str) -> str:
        """The service centre where the dossiers of an agency are received: its own centre, or
        the one of its parent, up to the province's."""
        agency: Agency | None = self._agency(agency_code)
        while agency is not None:
            centre = Agency.objects.filter(parent=agency, kind=AgencyKind.SERVICE_CENTRE).first()
            if centre is not None:
                self.agencies[centre.code] = centre
                return centre.code
            agency = agency.parent
        raise DomainError(_("No service centre serves %(agency)s.") % {"agency": agency_code})

    def actor(self, agency_code: str, role: str) -> Actor:
        """An official holding ``role`` at the agency: an existing one (the demo logins
        first), else a simulated colleague created through the identity services, without a
        usable password."""
        key = (agency_code, role)
        found = self.actors.get(key)
        if found is not None:
            return found
        agency = self._agency(agency_code)
        assignment = (
            RoleAssignment.objects.filter(agency=agency, role=role, is_active=True)
            .select_related("official")
            .order_by("official__username")
            .first()
        )
        if assignment is not None:
            user = assignment.official
        else:
            username = f"demo.{agency.code}.{ROLE_SUFFIX.get(role, role)}"
            existing = User.objects.filter(username=username).first()
            if existing is None:
                rng = random.Random(username)  # noqa: S311  (a name, not a secret)
                name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                user = create_official(username, name, roles=[RoleSpec(agency, role)])
                self.officials_created += 1
            else:
                assign_role(existing, agency, role)
                user = existing
        found = Actor.for_user(user)
        self.actors[key] = found
        return found

    # ----- replay -----------------------------------------------------------------------------
    def at(self, offset: int) -> int:
        return self.calendar.opening(offset)

    def replay(self, sim: Sim) -> Dossier | None:
        """Replay one dossier's moves up to ``now``; a move the engine refuses ends the
        replay there (the dossier stays where it is), which is counted."""
        try:
            return _Moves(self, sim).run()
        except DomainError as exc:
            self.skipped += 1
            self.refusals.append(f"{sim.code} {sim.procedure}: {exc}")
            return None


def _to(steps: list[tuple[str, str, str | None, int]], i: int) -> dict[str, Any]:
    """A forward's data: the agency of the next step when the workflow leaves it to choose."""
    return {"agency": steps[i][2]} if i < len(steps) and steps[i][2] else {}


class _Moves:
    def __init__(self, replay: Replay, sim: Sim) -> None:
        self.r = replay
        self.sim = sim
        self.cal = replay.calendar
        self.centre = replay.centre_of(sim.agency)
        self.dossier: Dossier | None = None
        self.t = sim.submitted_us  # instant of the last move

    def due(self, us: int) -> bool:
        """Whether a move at ``us`` has happened by now."""
        return us <= self.r.now_us

    def do(self, action: str, agency: str, role: str, data: dict[str, Any], us: int) -> bool:
        if not self.due(us):
            return False
        us = max(us, self.t + 60_000_000)
        if us > self.r.now_us:
            return False
        assert self.dossier is not None
        self.dossier = perform(
            self.dossier.code, action, self.r.actor(agency, role), data, now=from_us(us)
        )
        self.t = us
        return True

    def run(self) -> Dossier | None:
        sim, r = self.sim, self.r
        receiver = r.actor(self.centre, "receiver")
        data: dict[str, Any] = {
            "procedure": sim.procedure,
            "agency": sim.agency,
            "applicant": sim.applicant,
            "receiving_centre": self.centre,
        }
        if sim.channel == "counter":
            self.dossier, _created = intake("receive", receiver, data, now=from_us(sim.received_us))
        else:
            submitted = {**data, "channel": sim.channel}
            self.dossier, _created = intake(
                "submit", receiver, submitted, now=from_us(sim.submitted_us)
            )
            if not self.do("receive", self.centre, "receiver", {}, sim.received_us):
                return self.dossier  # waiting at the desk
        self.t = sim.received_us
        self._process()
        return self.dossier

    def _process(self) -> None:
        sim, cal = self.sim, self.cal
        version = self.r.versions[sim.procedure]
        steps = [s for s in version.steps[1:] if s[1] != "receiver"]
        processing = [s for s in steps if s[1] == "specialist"]
        off = sim.received_off + int(self.r.rng.uniform(0.05, 0.5) * HOUR_US)
        # Out of the desk's hands, to the first processing step.
        if not self.do("forward", self.centre, "receiver", _to(processing, 0), self.r.at(off)):
            return
        work = sim.work_us
        total = sum(s[3] for s in processing) or 1
        # A late dossier loses its extra time at the step another agency holds, if any.
        blamed = next((s for s in processing if s[2] and s[2] != sim.agency), None)
        lateness = max(0, work - version.legal_us) if sim.late else 0
        base = work - lateness
        for i, (code, role, named, hours) in enumerate(processing):
            agency = named or sim.agency
            spent = int(base * 0.85 * hours / total)
            if (blamed and code == blamed[0]) or (not blamed and i == 0):
                spent += lateness
            if i == 0 and not self._first_step_events(agency, off, spent):
                return
            off += spent
            if i == 0 and sim.pause is not None:
                off += cal.offset(sim.pause[2]) - cal.offset(sim.pause[1])
            if sim.outcome == "cancelled":
                self._cancel(agency)
                return
            if not self._maybe_apologise(sim, off):
                return
            if not self.do("forward", agency, role, _to(processing, i + 1), self.r.at(off)):
                return
        self._decide(sim)

    def _first_step_events(self, agency: str, off: int, spent: int) -> bool:
        """A supplement request or a suspension, and the opinion of another agency, happen
        while the first processing step holds the dossier."""
        sim = self.sim
        if sim.transfer:
            start = self.r.at(off + spent // 4)
            hours = 16
            data = {"agency": JUSTICE, "hours": hours, "note": _("Opinion on the correction")}
            if not self.do("transfer", agency, "specialist", data, start):
                return False
            back = self.r.at(
                self.cal.offset(start) + int(hours * HOUR_US * (1.5 if sim.late else 0.7))
            )
            if not self.do("return_from_transfer", JUSTICE, "specialist", {}, back):
                return False
        if sim.pause is None:
            return True
        kind, start, end = sim.pause
        if kind == "supplement":
            data = {"items": [_("Copy of the applicant's identity document")]}
            if not self.do("request_supplement", agency, "specialist", data, start):
                return False
            if sim.outcome == "cancelled":
                return True  # the papers never come
            return self.do("supplement", self.centre, "receiver", {}, end)
        reason = {"reason": _("Waiting for another agency's verification")}
        if not self.do("suspend", agency, "specialist", reason, start):
            return False
        return self.do("resume", agency, "specialist", {}, end)

    def _cancel(self, agency: str) -> None:
        """The supplement limit passed without the papers: the leader cancels the dossier. The
        engine refuses while the limit has not passed: the dossier then keeps waiting."""
        d = self.dossier
        if d is None or d.state != "awaiting_supplement" or d.supplement_due_at is None:
            return
        when = max(self.sim.resolved_us, to_us(d.supplement_due_at) + 60_000_000)
        reason = {"reason": _("The supplement limit passed without the missing papers.")}
        self.do("cancel", agency, "leader", reason, when)

    def _maybe_apologise(self, sim: Sim, off: int) -> bool:
        """The competent agency's leader apologises, with a new appointment, for most late
        dossiers — when the due time comes (or now, if it has passed and nothing was sent)."""
        d = self.dossier
        if d is None or d.due_at is None or d.appointment_at is not None:
            return True
        due_us = to_us(d.due_at)
        next_us = self.r.at(off)
        if next_us <= due_us or self.r.rng.random() < 0.25:
            return True
        when = max(self.t + 60_000_000, due_us - 2 * HOUR_US)
        when = min(when, self.r.now_us - 60_000_000)
        appointment = self.r.at(self.cal.offset(max(next_us, due_us, when)) + 8 * HOUR_US)
        data = {
            "reason": _("The opinion of another agency has not arrived yet."),
            "new_appointment": from_us(appointment).isoformat(),
        }
        if when <= self.t:
            return True
        return self.do("apologise", sim.agency, "leader", data, when) or True

    def _decide(self, sim: Sim) -> None:
        leader_at = sim.agency
        if sim.outcome == "withdrawn":
            data = {"reason": _("The applicant withdrew the application.")}
            self.do("withdraw", self.centre, "receiver", data, sim.resolved_us)
            return
        if sim.outcome == "refused":
            data = {"reason": _("The conditions of the procedure are not met.")}
            if not self.do("refuse", leader_at, "leader", data, sim.resolved_us):
                return
        elif not self.do("approve", leader_at, "leader", {}, sim.resolved_us):
            return
        if sim.returned_us is not None:
            method = "online" if sim.channel == "online" and self._online_result() else "counter"
            data = {"method": method, "recipient": sim.applicant["name"]}
            self.do("return_result", self.centre, "receiver", data, sim.returned_us)

    def _online_result(self) -> bool:
        d = self.dossier
        return d is not None and d.procedure_version.result_kind != "paper"


def replay_all(replay: Replay, sims: list[Sim]) -> list[str]:
    codes = []
    for sim in sims:
        dossier = replay.replay(sim)
        if dossier is not None:
            codes.append(dossier.code)
    return codes


def now_us(now: datetime) -> int:
    return to_us(now)
