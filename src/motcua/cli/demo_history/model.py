"""The simulated activity of the demo province: who applies for what, when, and how it ends.

Pure data, from one seeded ``random.Random``: the same seed, province, catalogue and ``now``
give the same dossiers, in the same order. Times are placed in working time (offsets of the
working calendar), so that receptions, decisions and hand-overs fall in office hours and
"late" means late on the same clock the engine uses.

Volumes: every commune people's committee receives 5–30 dossiers a working day (wards more
than rural communes), the provincial agencies their own flows; Mondays are busier than
Fridays; the three weeks before Tết are busier still. The mix of procedures follows what a
commune one-stop desk sees (certifications and civil status first). Lateness is rare, except
in the steps where another agency has to act (the land registry, the tax office, a
department's opinion): that is where the tail of late dossiers sits.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date, timedelta

from motcua.clock.engine import WorkingCalendar

HOUR_US = 3_600_000_000
# Commune procedures and their share of a commune's daily flow (certifications and civil status
# dominate, as at any commune desk).
COMMUNE_MIX: dict[str, float] = {
    "2.000815": 20,  # certified copies
    "1.001193": 12,  # birth registration
    "1.004873": 9,  # marital status certificate
    "2.000884": 8,  # signature certification
    "2.000635": 7,  # civil status extracts
    "1.000894": 4,  # marriage registration
    "1.000656": 3,  # death registration
    "H20.CT.01": 4,
    "H20.CT.02": 3,
    "1.004859": 3,  # civil status corrections (some need the Department of Justice's opinion)
    "1.012753": 4,  # land registration (the land registry's step)
    "1.001612": 2,
    "2.000720": 1.5,
    "1.013225": 2,  # building permits
    "1.001776": 1.5,
    "2.000942": 2,
    "1.000689": 1,
    "1.004884": 0.6,
    "1.005461": 0.4,
    "1.004746": 0.4,
    "2.001019": 0.5,
    "2.000927": 0.5,
    "1.001570": 0.5,
    "1.001266": 0.5,
    "2.000575": 0.3,
    "1.013227": 0.3,
    "1.013228": 0.3,
    "1.001731": 0.5,
    "1.001699": 0.5,
}
# Provincial procedures: dossiers per working day at full scale.
PROVINCE_FLOW: dict[str, float] = {
    "H20.DD.01": 18,  # land changes at the land registry (the tax office's step)
    "2.000488": 12,  # criminal record certificates
    "2.001610": 6,
    "H20.THUE.01": 8,
    "H20.ATTP.01": 3,
}
# Share of dossiers resolved late, per procedure; the default is small. The high ones are the
# procedures whose workflow waits on another agency.
LATE_SHARE: dict[str, float] = {
    "1.012753": 0.24,
    "H20.DD.01": 0.2,
    "H20.ATTP.01": 0.1,
    "1.013225": 0.08,
    "1.001699": 0.08,
    "1.004859": 0.06,
}
DEFAULT_LATE = 0.02
ONLINE_SHARE = {"full": 0.8, "partial": 0.55, "none": 0.0}
POSTAL_SHARE = 0.03
WEEKDAY = (1.25, 1.05, 1.0, 0.95, 0.85, 0.6, 0.4)  # Monday … Sunday (worked Saturdays)
PRE_TET_DAYS = 21
PRE_TET_FACTOR = 1.6
# First day of the lunar new year (Tết Nguyên đán).
TET = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Đặng", "Bùi")
MIDDLE = ("Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Thị Kim", "Quốc", "Hoàng", "Thị Mỹ")
GIVEN: tuple[str, ...] = (
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Hạnh",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
)
GIVEN += ("Quyên", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến", "Khoa", "Nhi", "Tài")


@dataclass(frozen=True)
class Version:
    """What the simulation needs of a procedure's published version."""

    code: str
    legal_us: int
    online_level: str
    postal: bool
    steps: tuple[tuple[str, str, str | None, int], ...]  # code, role, named agency, hours (µs)
    cutoff_s: int | None = None


@dataclass
class Sim:
    """One simulated dossier; instants in µs since the epoch."""

    code: str
    procedure: str
    agency: str  # the competent agency's code
    channel: str
    submitted_us: int
    received_us: int
    resolved_us: int
    returned_us: int | None
    outcome: str  # approved, refused, withdrawn, cancelled
    late: bool
    pause: tuple[str, int, int] | None  # kind, start, end
    applicant: dict[str, str]
    # The working-time positions of the moves, for the engine's replay.
    received_off: int = 0
    work_us: int = 0
    transfer: bool = False  # sent to the Department of Justice for its opinion


@dataclass
class Plan:
    """The dossiers of the window, in order of reception."""

    sims: list[Sim]
    first_day: date
    last_day: date


def tet_factor(day: date) -> float:
    for year in (day.year, day.year + 1):
        tet = TET.get(year)
        if tet is not None and timedelta(0) < tet - day <= timedelta(days=PRE_TET_DAYS):
            return PRE_TET_FACTOR
    return 1.0


def _applicant(rng: random.Random) -> dict[str, str]:
    sex = rng.randrange(2)
    year = rng.randrange(1950, 2006)
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    century = (0 if year < 2000 else 2) + sex
    return {
        "name": name,
        "national_id": f"082{century}{year % 100:02d}{rng.randrange(1_000_000):06d}",
        "phone": f"09{rng.randrange(100_000_000):08d}",
    }


def _poisson(rng: random.Random, mean: float) -> int:
    # Normal approximation above 30 keeps the draw O(1); exact (Knuth) below.
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Generator:
    def __init__(
        self,
        calendar: WorkingCalendar,
        versions: dict[str, Version],
        communes: list[str],
        province_agencies: dict[str, str],
        *,
        seed: int,
        scale: float = 1.0,
    ) -> None:
        self.cal = calendar
        self.versions = versions
        self.communes = communes
        self.province_agencies = province_agencies  # procedure code → its competent agency
        self.rng = random.Random(seed)  # noqa: S311  (a reproducible simulation)
        self.scale = scale
        # A commune's size: wards and large communes receive more.
        self.rate = {code: self.rng.uniform(5, 30) for code in communes}
        mix = [(p, w) for p, w in COMMUNE_MIX.items() if p in versions]
        total = sum(w for _p, w in mix)
        self.mix = [(p, w / total) for p, w in mix]

    def plan(self, first: date, now_us: int) -> Plan:
        cal = self.cal
        last = date(1970, 1, 1) + timedelta(days=(now_us + 7 * HOUR_US) // (24 * HOUR_US))
        sims: list[Sim] = []
        day = first
        # The next working days too: online submissions made before now wait for the desk.
        while day <= last + timedelta(days=4):
            if cal.is_working_day(day):
                sims.extend(self._day(day, now_us))
            day += timedelta(days=1)
        sims.sort(key=lambda s: s.received_us)  # stable: ties keep the order drawn
        return Plan(sims, first, last)

    def _day(self, day: date, now_us: int) -> list[Sim]:
        rng = self.rng
        factor = WEEKDAY[day.weekday()] * tet_factor(day) * self.scale
        flows: list[tuple[str, str, float]] = []
        for commune in self.communes:
            for procedure, share in self.mix:
                flows.append((procedure, commune, self.rate[commune] * share * factor))
        for procedure, agency in self.province_agencies.items():
            if procedure in self.versions:
                flows.append((procedure, agency, PROVINCE_FLOW.get(procedure, 3) * factor))
        out = []
        day_index = self._day_index(day)
        for procedure, agency, mean in flows:
            for _ in range(_poisson(rng, mean)):
                sim = self._sim(procedure, agency, day, day_index)
                if sim.submitted_us <= now_us:
                    out.append(sim)
        return out

    def _day_index(self, day: date) -> int:
        ordinal = (day - date(1970, 1, 1)).days
        return bisect.bisect_left(self.cal.working_days, ordinal)

    def _sim(self, procedure: str, agency: str, day: date, k: int) -> Sim:
        rng, cal = self.rng, self.cal
        version = self.versions[procedure]
        day_us = cal.day_us
        # Mornings are busier than afternoons at the desk.
        received_off = k * day_us + int(min(rng.betavariate(1.6, 2.2), 0.98) * day_us)
        received_us = cal.opening(received_off)
        channel = "counter"
        online = ONLINE_SHARE.get(version.online_level, 0.0)
        draw = rng.random()
        if draw < online:
            channel = "online"
        elif version.postal and draw < online + POSTAL_SHARE:
            channel = "postal"
        submitted_us = received_us
        if channel != "counter":
            # Submitted earlier (up to most of a working day), received when the desk gets to it.
            lead = int(rng.uniform(0.1, 6) * HOUR_US)
            submitted_us = cal.opening(max(received_off - lead, 0)) - int(
                rng.uniform(0, 2) * HOUR_US
            )
        legal = version.legal_us
        late = rng.random() < LATE_SHARE.get(procedure, DEFAULT_LATE)
        share = rng.uniform(1.08, 1.9) if late else rng.betavariate(2.2, 2.0) * 0.9 + 0.05
        work = max(int(legal * share), HOUR_US // 4)
        pause = None
        pause_len = 0
        kind_draw = rng.random()
        if kind_draw < 0.07 or (late and kind_draw < 0.2):
            kind = "suspension" if legal >= 40 * HOUR_US and kind_draw < 0.02 else "supplement"
            pause_len = int(rng.uniform(2, 40) * HOUR_US)
            start_off = received_off + int(work * rng.uniform(0.15, 0.5))
            pause = (kind, cal.opening(start_off), cal.opening(start_off + pause_len))
        outcome_draw = rng.random()
        outcome = "approved"
        if outcome_draw < 0.02:
            outcome = "refused"
        elif outcome_draw < 0.035:
            outcome = "withdrawn"
        if pause and pause[0] == "supplement" and rng.random() < 0.08:
            outcome = "cancelled"  # the applicant never brought the missing papers
            pause_len = 8 * HOUR_US * 16  # past the supplement limit (15 working days)
            pause = (pause[0], pause[1], cal.opening(cal.offset(pause[1]) + pause_len))
        resolved_off = received_off + work + pause_len
        resolved_us = cal.opening(resolved_off)
        if pause:
            resolved_us = max(resolved_us, pause[2] + 60_000_000)
        returned_us = None
        if outcome in ("approved", "refused"):
            wait = rng.choice((0.25, 0.5, 1, 2, 4, 8, 16, 30))
            returned_us = cal.opening(cal.offset(resolved_us) + int(wait * HOUR_US))
        return Sim(
            code="",  # given once it is known which dossiers the engine numbers
            procedure=procedure,
            agency=agency,
            channel=channel,
            submitted_us=submitted_us,
            received_us=received_us,
            resolved_us=resolved_us,
            returned_us=returned_us,
            outcome=outcome,
            late=late,
            pause=pause,
            applicant=_applicant(rng),
            received_off=received_off,
            work_us=work,
            transfer=procedure in ("1.004859", "1.004873") and rng.random() < 0.5,
        )
