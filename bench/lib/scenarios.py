"""What happens to each generated dossier: how it comes in (counter, online, post; completion
requests, refusals at reception), how long each workflow step takes (skewed, with slow offices
and slow dossiers, so that some are late), and the incidents on the way (supplements, some never
supplied and cancelled; suspensions; withdrawals; refusals; apologies; comments), up to the
result handed back. ``simulate.Life`` applies each action as the engine would."""

from __future__ import annotations

import contextlib
import random

from motcua.clock.engine import DAY_US, HOUR_US
from motcua.core.text import fold

from .simulate import (
    MINUTE_US,
    SECOND,
    WORKDAY_US,
    Life,
    Rows,
    StepRow,
    Stop,
    esc,
    iso_local,
    n,
    ts,
)
from .world import Official, ProcDef, World, person_name

SUPPLEMENT_ITEMS = (
    "Bản sao giấy khai sinh có chứng thực",
    "Giấy xác nhận tình trạng hôn nhân",
    "Bản vẽ sơ đồ vị trí thửa đất",
    "Tờ khai có chữ ký của người yêu cầu",
    "Văn bản ủy quyền có chứng thực",
)
REASONS_REFUSE = (
    "Hồ sơ không đủ điều kiện theo quy định",
    "Thông tin kê khai không khớp với cơ sở dữ liệu",
)
REASONS_SUSPEND = ("Chờ kết quả xác minh của cơ quan liên quan", "Chờ ý kiến của cơ quan cấp trên")
STREETS = ("Ấp 1", "Ấp 2", "Ấp Tân Hòa", "Khóm 3", "Khu phố 5", "Ấp Bình Thạnh", "Tổ 7")


class Generator:
    """Generates the dossiers of one batch; ``load_dossiers.py`` plans who, what and when."""

    def __init__(self, world: World, versions: dict, now_us: int, seed: int) -> None:
        self.world = world
        self.versions = versions  # ProcedureVersion by id, for ``dossier_due``
        self.now = now_us
        self.rng = random.Random(seed)

    def base_due(self, cal, proc: ProcDef, received: int) -> int:
        due = cal.due_us(received, proc.legal_us, proc.cutoff_s)
        assert due is not None
        return due

    def step_due(self, agency: int, start: int, hours_us: int, pauses: list) -> int | None:
        if hours_us <= 0:
            return start
        return self.world.calendar_of[agency].due_us(start, hours_us, None, pauses)

    def check(self, at: int) -> None:
        if at > self.now:
            raise Stop

    @staticmethod
    def snap(cal, us: int) -> int:
        """The next instant inside office hours (an action taken on a later visit)."""
        return cal.opening(cal.offset(us))

    @staticmethod
    def later(cal, us: int, work_us: int) -> int:
        """``work_us`` of working time after ``us``."""
        return cal.instant(cal.offset(us) + max(work_us, MINUTE_US))

    def dossier(
        self,
        rows: Rows,
        did: int,
        code: str,
        proc: ProcDef,
        comp: int,
        centre: int,
        channel: str,
        created: int,
    ) -> None:
        rng, w = self.rng, self.world
        life = Life(self, did, code, proc, comp, centre)
        receiver = rng.choice(w.receivers[centre])
        with contextlib.suppress(Stop):
            self._live(life, rng, channel, created, receiver)
        point = receiver.point_id if channel == "counter" else None
        creator = w.portal if channel == "online" else receiver
        submitter = person_name(rng) if channel != "counter" and rng.random() < 0.3 else ""
        head = (
            f"{did}\t{code}\t{proc.procedure_id}\t{proc.version_id}\t{channel}\t{n(point)}\t"
            f"{centre}\t{comp}\t{self._applicant(rng)}\t{esc(submitter)}\t\t{ts(created)}"
        )
        life.flush(rows, head, f"f\t{creator.user_id}\t{ts(created)}")

    def _applicant(self, rng: random.Random) -> str:
        if rng.random() < 0.08:
            name = f"Công ty TNHH {rng.choice(('Phú Thịnh', 'Minh Long', 'Sen Hồng', 'Cửu Long'))}"
            kind, nid = "organisation", ""
        else:
            kind, name = "citizen", person_name(rng)
            nid = f"0{rng.randint(1, 96):02d}{rng.randint(0, 3)}{rng.randint(0, 99999999):08d}"
        phone = (
            f"0{rng.choice('3789')}{rng.randint(0, 99999999):08d}" if rng.random() < 0.85 else ""
        )
        email = f"cd{rng.randint(1000, 999999)}@example.vn" if rng.random() < 0.15 else ""
        address = f"{rng.choice(STREETS)}, {rng.randint(1, 300)} đường số {rng.randint(1, 40)}"
        return f"{kind}\t{name}\t{fold(name)}\t{nid}\t{phone}\t{email}\t{esc(address)}"

    def _holder(self, life: Life, step: StepRow, receiver: Official) -> Official:
        """Who acts at a step: its role at its agency (the table's ``at = step``)."""
        w = self.world
        if step.role == "receiver":
            return receiver if step.agency == life.centre else w.receivers[step.agency][0]
        if step.role == "leader":
            return w.leaders[step.agency]
        return w.specialists[step.agency]

    def _intake(self, life: Life, rng: random.Random, channel: str, created: int, receiver) -> int:
        """Creates the dossier; returns when it is received (may be after "now")."""
        ccal = self.world.calendar_of[life.centre]
        centre = life.centre
        if channel == "counter":
            u = rng.random()
            if u < 0.02:
                reason = "Thủ tục không thuộc thẩm quyền tiếp nhận"
                life.commit(
                    "reject_at_reception",
                    created,
                    "rejected_at_reception",
                    receiver,
                    centre,
                    note=reason,
                    payload={"reason": reason},
                )
                raise Stop
            if u < 0.05:
                life.completion_requests = 1
                items = [rng.choice(SUPPLEMENT_ITEMS)]
                life.commit(
                    "request_completion",
                    created,
                    "submitted",
                    receiver,
                    centre,
                    payload={"items": items},
                )
                if rng.random() < 0.2:
                    raise Stop  # the applicant never came back
                return self.snap(
                    ccal, created + rng.randint(1, 10) * DAY_US + rng.randint(0, 28_800) * SECOND
                )
            return created
        if channel == "online":
            life.commit("submit", created, "submitted", self.world.portal, None)
        else:
            life.commit("submit", created, "submitted", receiver, centre)
        return self.snap(ccal, created + int(rng.expovariate(1 / (5 * 3600))) * SECOND)

    def _live(self, life: Life, rng: random.Random, channel: str, created: int, receiver) -> None:
        w, p, cal, comp, centre = self.world, life.p, life.cal, life.comp, life.centre
        received = self._intake(life, rng, channel, created, receiver)
        self.check(received)
        life.received = received
        first = p.steps[0]
        life.start_step(0, received, receiver.user_id if first.role == "receiver" else None)
        life.commit("receive", received, "received", receiver, centre)

        steps = p.steps
        dec = max(i for i, s in enumerate(steps) if s.role == "leader")
        desk = next(
            (i for i in range(len(steps) - 1, dec, -1) if steps[i].role == "receiver"), None
        )
        slow = rng.lognormvariate(0, 0.35)
        durs = [
            max(MINUTE_US, int(s.hours_us * rng.lognormvariate(-0.5, 0.55) * slow)) for s in steps
        ]
        specialist_steps = [i for i in range(1, dec) if steps[i].role == "specialist"] or [dec]
        incident = rng.random()
        sup_k = rng.choice(specialist_steps) if incident < 0.08 and p.limit_days > 0 else -1
        susp_k = rng.choice(specialist_steps) if 0.08 <= incident < 0.09 else -1
        wd_k = rng.randint(0, dec) if 0.09 <= incident < 0.10 else -1
        com_k = rng.randint(0, dec) if rng.random() < 0.1 else -1
        refuse = rng.random() < 0.03
        apologise = rng.random() < 0.4
        k = 0
        while True:
            step = life.cur
            assert step is not None
            off, left = cal.offset(step.start), durs[k]
            holder = self._holder(life, step, receiver)
            if k == com_k:
                writer = w.specialists.get(comp) or holder
                at = cal.instant(off + max(left // 10, MINUTE_US))
                life.commit(
                    "comment", at, life.state, writer, None, note="Đã kiểm tra thành phần hồ sơ"
                )
            if k == sup_k:
                off, left = self._supplement(life, rng, channel, receiver, holder, off, left)
            if k == susp_k:
                off, left = self._suspension(life, rng, holder, off, left)
            if k == wd_k:
                at = cal.instant(off + max(left // 2, MINUTE_US))
                self.check(at)
                reason = "Người nộp hồ sơ xin rút hồ sơ"
                life._resolve(at, "withdrawn", "withdraw")
                life.commit(
                    "withdraw",
                    at,
                    "withdrawn",
                    receiver,
                    centre,
                    note=reason,
                    payload={"reason": reason},
                    resolving=True,
                )
                return
            end = cal.instant(off + left)
            self.check(end)
            if k == dec:
                self._decide(life, rng, channel, receiver, end, refuse, desk)
                return
            prev = life.end_step(end, "forward")
            nxt = life.start_step(k + 1, end)
            assert prev is not None
            life.commit(
                "forward",
                end,
                "in_progress",
                holder,
                step.agency,
                payload={
                    "from_step": prev.code,
                    "to_step": nxt.code,
                    "to_agency": w.agency_code[nxt.agency],
                },
            )
            k += 1
            if k == dec and apologise and life.due is not None:
                projected = cal.instant(cal.offset(end) + durs[dec])
                if projected > life.due:
                    at = end + 5 * MINUTE_US
                    self.check(at)
                    new = self.later(cal, max(projected, life.due), 8 * HOUR_US)
                    reason = "Hồ sơ phải xác minh thêm"
                    life.appointment = new
                    life.commit(
                        "apologise",
                        at,
                        life.state,
                        w.leaders[comp],
                        comp,
                        note=reason,
                        payload={
                            "reason": reason,
                            "new_appointment": iso_local(new),
                            "after_due": at > life.due,
                        },
                    )

    def _supplement(self, life, rng, channel, receiver, holder, off, left):
        cal, ccal, p = life.cal, self.world.calendar_of[life.centre], life.p
        at = cal.instant(off + max(left * 3 // 10, MINUTE_US))
        self.check(at)
        items = rng.sample(SUPPLEMENT_ITEMS, rng.randint(1, 2))
        reason = "Hồ sơ cần bổ sung giấy tờ"
        life.supplement_requests += 1
        life.supplement_due = ccal.due_us(at, p.limit_days * WORKDAY_US)
        pause = ["supplement", at, None, reason, life.state]
        life.pauses.append(pause)
        life.commit(
            "request_supplement",
            at,
            "awaiting_supplement",
            holder,
            life.cur.agency,
            note=reason,
            pausing=True,
            payload={
                "items": items,
                "request_number": life.supplement_requests,
                "repeated": life.supplement_requests > 1,
                "supplement_due_at": iso_local(life.supplement_due),
            },
        )
        if rng.random() < 0.12:  # never supplemented: cancelled by motcua after the limit
            when = life.supplement_due + rng.randint(1, 48) * HOUR_US
            self.check(when)
            reason = "Quá hạn bổ sung hồ sơ"
            life._resolve(when, "cancelled", "cancel")
            life.commit(
                "cancel",
                when,
                "cancelled",
                None,
                None,
                note=reason,
                payload={"reason": reason},
                resolving=True,
            )
            raise Stop
        back = self.snap(ccal, at + int(rng.uniform(0.5, 12) * 86_400) * SECOND)
        self.check(back)
        pause[2] = back
        life.restarted, life.supplement_due = back, None
        by = self.world.portal if channel == "online" else receiver
        life.commit(
            "supplement",
            back,
            pause[4],
            by,
            None if channel == "online" else life.centre,
            payload={"items": items},
            pausing=True,
        )
        return cal.offset(back), left - left * 3 // 10

    def _suspension(self, life, rng, holder, off, left):
        cal = life.cal
        at = cal.instant(off + max(left * 6 // 10, MINUTE_US))
        self.check(at)
        reason = rng.choice(REASONS_SUSPEND)
        pause = ["suspension", at, None, reason, life.state]
        life.pauses.append(pause)
        life.commit(
            "suspend",
            at,
            "suspended",
            holder,
            life.cur.agency,
            note=reason,
            payload={"reason": reason},
            pausing=True,
        )
        back = self.snap(cal, at + int(rng.uniform(3, 40) * 86_400) * SECOND)
        self.check(back)
        pause[2] = back
        life.commit("resume", back, pause[4], holder, life.cur.agency, pausing=True)
        return cal.offset(back), left - left * 6 // 10

    def _decide(self, life, rng, channel, receiver, end, refuse, desk) -> None:
        w, p, comp, centre = self.world, life.p, life.comp, life.centre
        leader = w.leaders[comp]
        if refuse:
            reason = rng.choice(REASONS_REFUSE)
            life._resolve(end, "refused", "refuse")
            life.commit(
                "refuse",
                end,
                "refused",
                leader,
                comp,
                note=reason,
                payload={"reason": reason},
                resolving=True,
            )
        else:
            life._resolve(end, "approved", "approve")
            if desk is not None:
                life.start_step(desk, end)
            life.commit(
                "approve", end, "result_ready", leader, comp, payload={"result": ""}, resolving=True
            )
        ccal = w.calendar_of[centre]
        at = self.later(ccal, end, int(rng.expovariate(1 / (1.5 * 8 * 3600))) * SECOND)
        self.check(at)
        u = rng.random()
        if channel == "online" and p.result_kind != "paper" and u < 0.5:
            method = "online"
        elif p.postal and u > 0.85:
            method = "post"
        else:
            method = "counter"
        recipient = person_name(rng) if method == "counter" else ""
        life.returned, life.return_method = at, method
        life.end_step(at, "return_result")
        life.commit(
            "return_result",
            at,
            "refused" if refuse else "returned",
            receiver,
            centre,
            payload={"method": method, "recipient": recipient},
        )
