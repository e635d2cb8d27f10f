"""The reference data the dossier fixture is generated from: the sample province (agencies,
desks, the catalogue's published procedures and their workflows), the working calendars, and
one set of officials per agency so that every generated action has a plausible actor.

Runs inside Django (``lib.pg.setup_django``). Officials are created through
``motcua.agencies.services.create_official``, the same path as real accounts; everything else is
read only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from motcua.clock.engine import WorkingCalendar

BENCH_PREFIX = "bench."
PORTAL_USERNAME = "bench.portal"

# Sample Vietnamese names (data): family, middle and given names.
FAMILY = (
    "Nguyễn Trần Lê Phạm Huỳnh Hoàng Võ Phan Trương Bùi Đặng Đỗ Ngô Hồ Dương Lý Đinh Lâm Tô Cao"
)
MIDDLE = "Văn Thị Hữu Minh Thanh Ngọc Quốc Hoàng Kim Đức Thu Bảo Gia Xuân"
GIVEN = (
    "An Bình Chi Dũng Em Giang Hà Hải Hạnh Hiếu Hòa Hùng Hương Khang Khoa Lan Linh Long Mai Minh "
    "Nam Nga Ngân Nhân Nhi Phúc Phương Quân Quang Sơn Tâm Thảo Thắng Thịnh Thu Trang Trí Trung "
    "Tuấn Tú Uyên Vân Việt Vy Xuân Yến"
)
_PARTS = [words.split(" ") for words in (FAMILY, MIDDLE, GIVEN)]


def person_name(rng: random.Random) -> str:
    return " ".join(rng.choice(part) for part in _PARTS)


@dataclass(frozen=True)
class StepDef:
    ws_id: int
    position: int
    code: str
    name: str
    role: str
    mode: str
    agency_id: int | None
    agency_kind: str
    hours: str  # as stored (numeric text)
    hours_us: int


@dataclass(frozen=True)
class ProcDef:
    index: int
    procedure_id: int
    version_id: int
    field_id: int
    code: str
    name: str
    legal_us: int
    cutoff_s: int | None
    pause_policy: bool  # supplement policy "pause" (else "restart")
    limit_days: int
    online: bool
    postal: bool
    result_kind: str
    steps: tuple[StepDef, ...]
    competent: tuple[int, ...]


@dataclass
class Official:
    user_id: int
    name: str
    point_id: int | None = None


@dataclass
class World:
    procs: list[ProcDef]
    agency_code: dict[int, str]
    agency_kind: dict[int, str]
    centre_of: dict[int, int]  # competent agency -> the centre that serves it
    centres: list[int]
    receivers: dict[int, list[Official]]  # centre -> receivers (one per desk)
    specialists: dict[int, Official]
    leaders: dict[int, Official]
    portal: Official
    kind_agency: dict[str, list[int]]
    calendar_of: dict[int, WorkingCalendar] = field(default_factory=dict)


def _centre_of(agency_id: int, parent: dict[int, int | None], centre_by_parent: dict[int, int]):
    for candidate in (agency_id, parent.get(agency_id)):
        if candidate is not None and candidate in centre_by_parent:
            return centre_by_parent[candidate]
    return None


def ensure_officials(seed: int) -> None:
    """One receiver per desk of every centre, a specialist and a leader at every other agency,
    and the portal account (permission ``dossiers.submit_for_applicant``). Idempotent."""
    from django.contrib.auth.models import Permission

    from motcua.agencies.models import Agency, AgencyKind, ReceptionPoint, Role
    from motcua.agencies.services import RoleSpec, create_official
    from motcua.identity.models import User

    rng = random.Random(seed)
    existing = set(
        User.objects.filter(username__startswith=BENCH_PREFIX).values_list("username", flat=True)
    )
    for agency in Agency.objects.order_by("path"):
        if agency.kind == AgencyKind.SERVICE_CENTRE:
            for point in ReceptionPoint.objects.filter(agency=agency, is_active=True):
                username = f"bench.r{point.pk}"
                if username not in existing:
                    create_official(
                        username,
                        person_name(rng),
                        roles=[RoleSpec(agency, Role.RECEIVER, point)],
                    )
        elif agency.path and agency.kind != AgencyKind.MINISTRY:
            for role, letter in ((Role.SPECIALIST, "s"), (Role.LEADER, "l")):
                username = f"bench.{letter}{agency.pk}"
                if username not in existing:
                    create_official(username, person_name(rng), roles=[RoleSpec(agency, role)])
    if PORTAL_USERNAME not in existing:
        portal = User.objects.create_user(PORTAL_USERNAME, full_name="Cổng Dịch vụ công (bench)")
        codename = "submit_for_applicant"
        portal.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="dossiers")
        )


def load_world() -> World:
    from django.db.models import F

    from motcua.agencies.models import Agency, AgencyKind, ReceptionPoint, RoleAssignment
    from motcua.catalog.models import (
        AgencyScope,
        ProcedureVersion,
        Status,
        SupplementPolicy,
        WorkflowStep,
    )
    from motcua.clock.engine import HOUR_US, parse_hhmm
    from motcua.dossiers.clockwork import calendar_for, legal_us
    from motcua.identity.models import User

    agencies = list(Agency.objects.all())
    parent = {a.pk: a.parent_id for a in agencies}
    centre_by_parent = {
        a.parent_id: a.pk
        for a in agencies
        if a.kind == AgencyKind.SERVICE_CENTRE and a.parent_id is not None
    }
    kind_agency: dict[str, list[int]] = {}
    for a in agencies:
        kind_agency.setdefault(a.kind, []).append(a.pk)

    procs: list[ProcDef] = []
    versions = (
        ProcedureVersion.objects.filter(status=Status.PUBLISHED, procedure__current=F("pk"))
        .select_related("procedure")
        .order_by("procedure__code")
    )
    for version in versions:
        if version.agency_scope == AgencyScope.LISTED:
            competent = tuple(version.agencies.values_list("pk", flat=True))
        else:
            competent = tuple(
                a.pk
                for a in agencies
                if a.level in version.levels and a.kind != AgencyKind.SERVICE_CENTRE
            )
        competent = tuple(c for c in competent if _centre_of(c, parent, centre_by_parent))
        steps = tuple(
            StepDef(
                ws_id=s.pk,
                position=s.position,
                code=s.code,
                name=s.name,
                role=s.role,
                mode=s.agency_mode,
                agency_id=s.agency_id,
                agency_kind=s.agency_kind,
                hours=str(s.hours),
                hours_us=int(s.hours * HOUR_US),
            )
            for s in WorkflowStep.objects.filter(version=version).order_by("position")
        )
        if not competent or len(steps) < 3:
            continue
        procs.append(
            ProcDef(
                index=len(procs),
                procedure_id=version.procedure_id,
                version_id=version.pk,
                field_id=version.field_id,
                code=version.procedure.code,
                name=version.name,
                legal_us=legal_us(version),
                cutoff_s=parse_hhmm(version.cutoff.strftime("%H:%M")) if version.cutoff else None,
                pause_policy=version.supplement_policy == SupplementPolicy.PAUSE,
                limit_days=version.supplement_limit_days,
                online=version.online_level != "none",
                postal=version.postal,
                result_kind=version.result_kind,
                steps=steps,
                competent=competent,
            )
        )
    if not procs:
        raise SystemExit("no published procedure with a workflow: load the sample catalogue first")

    names = dict(
        User.objects.filter(username__startswith=BENCH_PREFIX).values_list("pk", "full_name")
    )
    receivers: dict[int, list[Official]] = {}
    specialists: dict[int, Official] = {}
    leaders: dict[int, Official] = {}
    for ra in RoleAssignment.objects.filter(
        official__username__startswith=BENCH_PREFIX, is_active=True
    ).order_by("pk"):
        official = Official(ra.official_id, names[ra.official_id], ra.reception_point_id)
        if ra.role == "receiver":
            receivers.setdefault(ra.agency_id, []).append(official)
        elif ra.role == "specialist":
            specialists[ra.agency_id] = official
        elif ra.role == "leader":
            leaders[ra.agency_id] = official
    portal_user = User.objects.get(username=PORTAL_USERNAME)
    centres = sorted(receivers)
    points = set(ReceptionPoint.objects.values_list("agency_id", flat=True))
    centre_of = {}
    for a in agencies:
        centre = _centre_of(a.pk, parent, centre_by_parent)
        if centre is not None and centre in points:
            centre_of[a.pk] = centre
    return World(
        procs=procs,
        agency_code={a.pk: a.code for a in agencies},
        agency_kind={a.pk: a.kind for a in agencies},
        centre_of=centre_of,
        centres=centres,
        receivers=receivers,
        specialists=specialists,
        leaders=leaders,
        portal=Official(portal_user.pk, portal_user.full_name),
        kind_agency=kind_agency,
        calendar_of={a.pk: calendar_for(a) for a in agencies},
    )
