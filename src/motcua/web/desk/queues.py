"""Reads of the desk: its queues and counts, the desks a receiver works at, and the agencies a
procedure may be received for.

Every dossier read starts from ``dossiers.selectors.visible_dossiers(actor)`` (the API's
scoping) narrowed to the centres where the official is a receiver, as the role home counts
them (``web.homes.receiver_home``): a page never shows what the API would not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Agency, AgencyKind, Level, ReceptionPoint, Role
from motcua.agencies.selectors import province_root
from motcua.catalog.models import Fee
from motcua.core.errors import PermissionDenied
from motcua.core.localtime import local_date, start_of_local_day
from motcua.core.text import fold
from motcua.dossiers.actor import Actor
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.selectors import events, visible_dossiers
from motcua.dossiers.states import Action, State
from motcua.identity.models import User

# What the desk does to an existing dossier (``perform``); the rest is the workspace's.
DESK_ACTIONS = (
    Action.RECEIVE,
    Action.FORWARD,
    Action.REQUEST_COMPLETION,
    Action.REJECT_AT_RECEPTION,
    Action.SUPPLEMENT,
    Action.RETURN_RESULT,
    Action.WITHDRAW,
)
PAGE_SIZE = 25


def receiver(user: User) -> Actor:
    """The actor behind a desk page; only receivers work at the desk."""
    actor = Actor.for_user(user)
    if not actor.agencies_with(Role.RECEIVER):
        raise PermissionDenied(
            _("The reception desk is for receivers; your account has no receiver role.")
        )
    return actor


def desk_dossiers(actor: Actor) -> QuerySet[Dossier]:
    return visible_dossiers(actor).filter(
        receiving_centre_id__in=actor.agencies_with(Role.RECEIVER)
    )


@dataclass(frozen=True)
class Queue:
    key: str
    slug: str  # the path under /mot-cua/
    condition: Q
    order: tuple[str, ...]
    title: Promise
    lead: Promise
    # The time shown for each row, and when it is past (the list's traffic light).
    when: str
    when_label: Promise


# A received dossier still at the reception step: the receiver hands it to the agency that
# resolves it (``forward``). The step has its own hours, so forgetting it makes the dossier late.
AT_RECEPTION = Q(
    state__in=[State.RECEIVED, State.IN_PROGRESS],
    current_step__role=Role.RECEIVER,
    current_step__ended_at__isnull=True,
)

QUEUES: dict[str, Queue] = {
    q.key: q
    for q in (
        # Online and postal submissions — and counter dossiers sent home with a completion
        # request — wait here until a receiver checks them.
        Queue(
            "to_check",
            "cho-tiep-nhan",
            Q(state=State.SUBMITTED),
            ("submitted_at", "pk"),
            gettext_lazy("Awaiting reception"),
            gettext_lazy(
                "Dossiers submitted online or by post, and dossiers sent back for completion at "
                "the counter: check them, then receive, ask for completion or reject."
            ),
            "submitted_at",
            gettext_lazy("Submitted"),
        ),
        Queue(
            "to_forward",
            "chuyen-xu-ly",
            AT_RECEPTION,
            ("current_step__due_at", "pk"),
            gettext_lazy("Received, to send for processing"),
            gettext_lazy(
                "Dossiers received at this desk and not yet sent to the agency that resolves "
                "them, the most urgent first."
            ),
            "current_step.due_at",
            gettext_lazy("Send by"),
        ),
        Queue(
            "to_supplement",
            "cho-bo-sung",
            Q(state=State.AWAITING_SUPPLEMENT),
            ("supplement_due_at", "pk"),
            gettext_lazy("Awaiting a supplement"),
            gettext_lazy("Dossiers waiting for the applicant's supplement, soonest limit first."),
            "supplement_due_at",
            gettext_lazy("To be supplemented by"),
        ),
        # A refusal is handed over like a result; once handed over it stays "refused".
        Queue(
            "to_return",
            "tra-ket-qua",
            Q(state=State.RESULT_READY) | Q(state=State.REFUSED, returned_at__isnull=True),
            ("resolved_at", "pk"),
            gettext_lazy("Results to hand over"),
            gettext_lazy("Results and refusals to hand over to the applicant, oldest first."),
            "resolved_at",
            gettext_lazy("Resolved"),
        ),
    )
}
BY_SLUG = {q.slug: q for q in QUEUES.values()}


@dataclass(frozen=True)
class DeskCounts:
    to_check: int
    to_forward: int
    to_supplement: int
    to_return: int
    received_today: int


def desk_counts(actor: Actor, now: datetime) -> DeskCounts:
    """The desk's figures: one count per queue, each on the centre × state index (or the
    centre × received index). One aggregate with a FILTER per queue would read every dossier
    the centre ever received — 200,000 a year at a provincial centre, seconds a page."""
    today = start_of_local_day(local_date(now))
    rows = desk_dossiers(actor)
    figures = {key: rows.filter(q.condition).count() for key, q in QUEUES.items()}
    figures["received_today"] = rows.filter(received_at__gte=today, received_at__lte=now).count()
    return DeskCounts(**figures)


@dataclass(frozen=True)
class Row:
    dossier: Dossier
    when: datetime | None  # the queue's time (``Queue.when``)
    past: bool  # that time has passed: late at the reception step, supplement limit over…


@dataclass(frozen=True)
class QueuePage:
    count: int
    page: int
    last: int
    items: list[Dossier]
    rows: list[Row]


def queue_page(actor: Actor, queue: Queue, page: int, now: datetime) -> QueuePage:
    rows = desk_dossiers(actor).filter(queue.condition)
    count = rows.count()
    last = max(1, (count + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, page), last)
    start = (page - 1) * PAGE_SIZE
    items = list(
        rows.select_related("procedure", "procedure_version", "current_step").order_by(
            F(queue.order[0]).asc(nulls_last=True), *queue.order[1:]
        )[start : start + PAGE_SIZE]
    )
    return QueuePage(count, page, last, items, [_row(d, queue, now) for d in items])


def _row(dossier: Dossier, queue: Queue, now: datetime) -> Row:
    value: Any = dossier
    for name in queue.when.split("."):
        value = getattr(value, name, None) if value is not None else None
    # Only deadlines can be missed; a submission or resolution time is just shown.
    deadline = queue.key in ("to_forward", "to_supplement")
    return Row(dossier, value, bool(deadline and value is not None and value < now))


# Where the receiver sits ---------------------------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """A centre and one of its reception points (or the centre alone, when it has none)."""

    centre: Agency
    point: ReceptionPoint | None

    @property
    def value(self) -> str:
        return f"{self.centre.code}|{self.point.code if self.point else ''}"

    @property
    def label(self) -> str:
        return f"{self.point.name} — {self.centre.name}" if self.point else self.centre.name


def desks(actor: Actor) -> list[Desk]:
    """The desks of the receiver: its assigned reception point, or every active one of its
    centre when none is assigned (``official_scope``)."""
    centres = Agency.objects.filter(pk__in=actor.agencies_with(Role.RECEIVER)).order_by("code")
    points = list(
        ReceptionPoint.objects.filter(pk__in=actor.points, is_active=True).order_by("code")
    )
    result: list[Desk] = []
    for centre in centres:
        mine = [p for p in points if p.agency_id == centre.pk]
        result += [Desk(centre, p) for p in mine] if mine else [Desk(centre, None)]
    return result


# Who resolves it -----------------------------------------------------------------------------


def competent_choices(
    procedure: dict[str, Any], centres: list[Agency], now: datetime
) -> list[Agency]:
    """The agencies that resolve the procedure (``procedure_detail``) and that these centres
    serve. Since 2025 a centre accepts any procedure of its province: for a procedure of "every
    agency of its level", the agencies of that level in the centres' provinces; for listed
    agencies, those (a vertical agency may sit outside the province's tree)."""
    current = Q(valid_to__isnull=True) | Q(valid_to__gte=local_date(now))
    if procedure["agencies"]["scope"] == "listed":
        codes = [item["code"] for item in procedure["agencies"]["items"]]
        rows = Agency.objects.filter(current, code__in=codes)
    else:
        within = Q(pk__in=[])
        for root in {province_root(c).pk: province_root(c) for c in centres}.values():
            within |= Q(path__startswith=root.path) if root.path else Q(pk=root.pk)
        rows = Agency.objects.filter(current, within, level__in=procedure["levels"]).exclude(
            kind=AgencyKind.SERVICE_CENTRE
        )
    return sorted(rows.select_related("division"), key=lambda a: (fold(a.name), a.code))


def _words(text: str) -> str:
    return f" {re.sub(r'[^0-9a-z]+', ' ', fold(text))} "


def obvious_agency(
    choices: list[Agency], centres: list[Agency], address: str = ""
) -> Agency | None:
    """The competent agency to pre-select: the only one; else the commune named in the
    applicant's address (communes resolve by residence); else the commune whose centre this
    is. ``None`` when nothing stands out: the receiver chooses."""
    if len(choices) == 1:
        return choices[0]
    if address:
        where = _words(address)
        named = [
            a
            for a in choices
            if a.level == Level.COMMUNE
            and a.division is not None
            and _words(a.division.name) in where
        ]
        if len(named) == 1:
            return named[0]
    ids = {a.pk: a for a in choices}
    own = {c.parent_id for c in centres if c.level == Level.COMMUNE and c.parent_id in ids}
    if len(own) == 1:
        return ids[own.pop()]
    return None


# Catalogue figures for the search results ----------------------------------------------------


def fees_by_procedure(codes: list[str]) -> dict[str, list[int]]:
    """The fee amounts of the current version of each procedure, in published order."""
    rows = (
        Fee.objects.filter(
            version__procedure__code__in=codes,
            version__procedure__current_id=F("version_id"),
        )
        .order_by("version_id", "position")
        .values_list("version__procedure__code", "amount_vnd")
    )
    fees: dict[str, list[int]] = {code: [] for code in codes}
    for code, amount in rows:
        fees[code].append(int(amount))
    return fees


# One dossier ---------------------------------------------------------------------------------


def latest(dossier: Dossier, *actions: str) -> DossierEvent | None:
    return events(dossier).filter(action__in=actions).order_by("-seq").first()


def dossier_documents(dossier: Dossier) -> list[dict[str, Any]]:
    """The documents of the version the dossier was submitted under (as the receipt lists)."""
    return [
        dict(row)
        for row in dossier.procedure_version.documents.order_by("position").values(
            "name", "originals", "copies", "required"
        )
    ]


def is_recent(at: datetime | None, now: datetime, minutes: int = 10) -> bool:
    return at is not None and now - at <= timedelta(minutes=minutes)
