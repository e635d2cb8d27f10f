"""The requests each benchmark sends, prepared from the loaded database (runs inside Django):
API tokens for the officials who act, counter intakes spread over the communes' centres,
actions on distinct dossiers by the official who holds each one, public lookups of random codes.

Each request line is (method, path, bearer token, X-Forwarded-For, JSON body) for
``requests.lua``.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field

from .world import person_name

Line = tuple[str, str, str, str, str]


@dataclass
class Tokens:
    run_name: str = field(default_factory=lambda: f"bench {time.strftime('%Y%m%d-%H%M%S')}")
    secrets: dict[str, str] = field(default_factory=dict)

    def get(self, username: str) -> str:
        secret = self.secrets.get(username)
        if secret is None:
            from motcua.identity.tokens import create_token

            _token, secret = create_token(username, self.run_name)
            self.secrets[username] = secret
        return secret

    def revoke_all(self) -> None:
        from motcua.identity.tokens import revoke_token

        for username in self.secrets:
            revoke_token(username, self.run_name)
        self.secrets.clear()


def _applicant(rng: random.Random) -> dict[str, str]:
    return {
        "name": person_name(rng),
        "national_id": f"0{rng.randint(1, 96):02d}{rng.randint(0, 3)}{rng.randrange(10**8):08d}",
        "phone": f"09{rng.randint(0, 10**8 - 1):08d}",
        "address": f"Ấp {rng.randint(1, 9)}, đường số {rng.randint(1, 40)}",
    }


def _body(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def counter_centres() -> list[tuple[str, str, str]]:
    """(receiver username, competent agency code, its procedures separated by '|') for every
    commune centre that has a bench receiver."""
    from motcua.agencies.models import AgencyKind, RoleAssignment
    from motcua.catalog.models import AgencyScope, ProcedureVersion, Status

    commune_procedures = [
        v.procedure.code
        for v in ProcedureVersion.objects.filter(
            status=Status.PUBLISHED, agency_scope=AgencyScope.LEVEL, levels__contains=["commune"]
        ).select_related("procedure")
        if v.procedure.current_id == v.pk and v.steps.exists()
    ]
    found = []
    seen: set[int] = set()
    for ra in (
        RoleAssignment.objects.filter(
            role="receiver",
            is_active=True,
            official__username__startswith="bench.",
            agency__kind=AgencyKind.SERVICE_CENTRE,
            agency__level="commune",
        )
        .select_related("official", "agency__parent")
        .order_by("agency__code")
    ):
        if ra.agency_id in seen or ra.agency.parent is None:
            continue
        seen.add(ra.agency_id)
        found.append((ra.official.username, ra.agency.parent.code, "|".join(commune_procedures)))
    if not found:
        raise SystemExit("no commune centre with a bench receiver: run load_dossiers.py first")
    return found


def intakes(tokens: Tokens, count: int, seed: int) -> list[Line]:
    rng = random.Random(seed)
    centres = counter_centres()
    lines = []
    for _ in range(count):
        username, agency, procedures = rng.choice(centres)
        body = {
            "action": "receive",
            "procedure": rng.choice(procedures.split("|")),
            "agency": agency,
            "applicant": _applicant(rng),
        }
        lines.append(("POST", "/api/v1/dossiers", tokens.get(username), "", _body(body)))
    return lines


_FORWARDABLE = """
    SELECT d.code, s.role, s.agency_id, d.receiving_centre_id
    FROM dossiers_dossier d
    JOIN dossiers_dossierstep s ON s.id = d.current_step_id
    JOIN catalog_workflowstep ws ON ws.id = s.workflow_step_id
    JOIN catalog_workflowstep nx ON nx.version_id = ws.version_id AND nx.position = ws.position + 1
    WHERE d.state IN ('received', 'in_progress') AND s.ended_at IS NULL
      AND NOT (s.transfer AND s.return_to_id IS NOT NULL)
      AND nx.agency_mode <> 'kind' AND nx.role <> 'receiver'
    ORDER BY md5(d.code || %s)
    LIMIT %s
"""


def actions(tokens: Tokens, count: int, seed: int, comment_share: float = 0.25) -> list[Line]:
    """``forward`` on distinct open dossiers by the official holding each one's current step,
    mixed with ``comment`` (a note, no state change) on distinct random dossiers by a leader of
    the competent agency. Fewer lines than ``count`` when the database has run out of
    forwardable dossiers."""
    from django.db import connection

    from motcua.agencies.models import ReceptionPoint
    from motcua.dossiers.models import Dossier

    rng = random.Random(seed)
    receiver_of: dict[int, str] = {}
    for point in ReceptionPoint.objects.filter(is_active=True).order_by("pk"):
        receiver_of.setdefault(point.agency_id, f"bench.r{point.pk}")
    forwards = int(count * (1 - comment_share))
    with connection.cursor() as cursor:
        cursor.execute(_FORWARDABLE, [str(seed), forwards])
        rows = cursor.fetchall()
    lines: list[Line] = []
    for code, role, agency_id, _centre in rows:
        username = {
            "receiver": receiver_of.get(agency_id, ""),
            "specialist": f"bench.s{agency_id}",
            "leader": f"bench.l{agency_id}",
        }[role]
        if username:
            path = f"/api/v1/dossiers/{code}/actions/forward"
            lines.append(("POST", path, tokens.get(username), "", "{}"))
    taken = {line[1].split("/")[4] for line in lines}
    top = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = max(0, count - len(lines))
    ids = list({rng.randint(1, top) for _ in range(wanted * 2)})[:wanted]
    comments = []
    for code, agency_id in Dossier.objects.filter(pk__in=ids).values_list(
        "code", "competent_agency_id"
    ):
        if code not in taken:
            path = f"/api/v1/dossiers/{code}/actions/comment"
            body = _body({"note": "Đã liên hệ người nộp hồ sơ qua điện thoại"})
            comments.append(("POST", path, tokens.get(f"bench.l{agency_id}"), "", body))
    # Interleave: a comment after every few forwards, as in a working day.
    merged: list[Line] = []
    forwards_left, comments_left = list(lines), comments
    while forwards_left or comments_left:
        if forwards_left and (not comments_left or rng.random() > comment_share):
            merged.append(forwards_left.pop())
        else:
            merged.append(comments_left.pop())
    return merged


def lookups(count: int, seed: int, clients: int) -> list[Line]:
    """GET the public lookup of random existing codes, from ``clients`` client addresses (sent
    as X-Forwarded-For; the bench settings trust one proxy)."""
    from motcua.dossiers.models import Dossier

    rng = random.Random(seed)
    top = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = [rng.randint(1, top) for _ in range(min(count, 200_000))]
    codes = list(Dossier.objects.filter(pk__in=ids).values_list("code", flat=True))
    rng.shuffle(codes)
    # Documentation addresses (RFC 3849): only ever a header value, never contacted.
    addresses = [f"2001:db8::{i + 1:x}" for i in range(clients)]
    return [
        ("GET", f"/api/v1/public/dossiers/{codes[i % len(codes)]}", "", rng.choice(addresses), "")
        for i in range(count)
    ]


def misses(count: int, seed: int, clients: int) -> list[Line]:
    """The framework's floor: public lookups of codes that do not exist (the same middleware,
    routing, rate-limit upsert and one indexed query, then a small 404 problem document)."""
    rng = random.Random(seed)
    addresses = [f"2001:db8::{i + 1:x}" for i in range(clients)]
    return [
        (
            "GET",
            f"/api/v1/public/dossiers/NONE-{rng.randrange(10**9)}",
            "",
            rng.choice(addresses),
            "",
        )
        for _ in range(count)
    ]
