"""The figures of the period report (Biểu II.06a), as defined in statistics.md.

``Figures`` is the data; ``direct`` computes it from dossiers (the definition itself, and the
drill-down behind each figure); ``aggregated`` computes it from the roll-ups and snapshots
(what the dashboard uses). Tests compare the two on randomised histories.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from motcua.dossiers.models import Dossier, DossierEvent, Pause

from .scope import Period, Scope

CHANNELS = ("counter", "online", "postal")
TIMELINESS = ("early", "on_time", "late")


@dataclass
class Figures:
    carried_over: int = 0
    received: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    resolved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIMELINESS, 0))
    in_progress: dict[str, int] = field(
        default_factory=lambda: {"within_deadline": 0, "overdue": 0, "paused": 0}
    )

    @property
    def received_total(self) -> int:
        return sum(self.received.values())

    @property
    def total(self) -> int:
        return self.carried_over + self.received_total

    @property
    def resolved_total(self) -> int:
        return sum(self.resolved.values())

    @property
    def in_progress_total(self) -> int:
        return sum(self.in_progress.values())

    def rates(self) -> dict[str, Decimal | None]:
        good = self.resolved["early"] + self.resolved["on_time"]
        online = self.received["online"]
        return {
            "on_time_rate": percent(good, self.resolved_total),
            "online_rate": percent(online, self.received_total),
            "on_time_rate_of_total": percent(good, self.total),
            "online_share_of_total": percent(online, self.total),
        }

    def as_dict(self) -> dict[str, Any]:
        """The JSON keys of interfaces.md."""
        rates = {k: (float(v) if v is not None else None) for k, v in self.rates().items()}
        return {
            "carried_over": self.carried_over,
            "received": {**self.received, "total": self.received_total},
            "total": self.total,
            "resolved": {**self.resolved, "total": self.resolved_total},
            "in_progress": {**self.in_progress, "total": self.in_progress_total},
            "rates": rates,
        }

    def add(self, other: Figures) -> None:
        self.carried_over += other.carried_over
        for name in ("received", "resolved", "in_progress"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for key in mine:
                mine[key] += theirs[key]

    def check(self) -> None:
        """The report's invariant: total = resolved + in progress."""
        if self.total != self.resolved_total + self.in_progress_total:
            raise AssertionError(f"total {self.total} ≠ resolved + in progress: {asdict(self)}")


def percent(numerator: int, denominator: int) -> Decimal | None:
    """Two decimals, half rounded up; None when the denominator is 0 (never 0 or 100)."""
    if denominator == 0:
        return None
    value = Decimal(numerator) * 100 / Decimal(denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ----- the definition, over dossiers ----------------------------------------------------------
def scoped(scope: Scope) -> QuerySet[Dossier]:
    return Dossier.objects.filter(scope.q("dossier"), received_at__isnull=False)


def carried_over_q(period: Period) -> Q:
    return Q(received_at__lt=period.start) & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.start)
    )


def received_q(period: Period, as_of: datetime) -> Q:
    return Q(received_at__gte=period.start, received_at__lt=as_of)


def total_q(period: Period, as_of: datetime) -> Q:
    return carried_over_q(period) | received_q(period, as_of)


def resolved_q(period: Period, as_of: datetime) -> Q:
    return Q(resolved_at__gte=period.start, resolved_at__lt=as_of)


def open_at_q(instant: datetime) -> Q:
    return Q(received_at__lt=instant) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=instant))


def annotate_open_state(qs: QuerySet[Dossier], instant: datetime) -> QuerySet[Any]:
    """Annotate ``paused_then`` and ``due_then`` (the due time as the events had it then)."""
    paused = Pause.objects.filter(dossier=OuterRef("pk"), start__lte=instant).filter(
        Q(end__isnull=True) | Q(end__gt=instant)
    )
    due = (
        DossierEvent.objects.filter(dossier=OuterRef("pk"), at__lte=instant)
        .order_by("-seq")
        .values("due_at")[:1]
    )
    return qs.annotate(paused_then=Exists(paused), due_then=Subquery(due))


def classify_open(paused_then: bool, due_then: datetime | None, instant: datetime) -> str:
    if paused_then:
        return "paused"
    if due_then is not None and due_then < instant:
        return "overdue"
    return "within_deadline"


def direct(scope: Scope, period: Period, as_of: datetime) -> Figures:
    base = scoped(scope)
    figures = Figures()
    figures.carried_over = base.filter(carried_over_q(period)).count()
    for channel in base.filter(received_q(period, as_of)).values_list("channel", flat=True):
        figures.received[channel] += 1
    in_total = base.filter(total_q(period, as_of))
    for timeliness in in_total.filter(resolved_q(period, as_of)).values_list(
        "timeliness", flat=True
    ):
        figures.resolved[timeliness] += 1
    still_open = annotate_open_state(in_total.filter(open_at_q(as_of)), as_of)
    for paused_then, due_then in still_open.values_list("paused_then", "due_then"):
        figures.in_progress[classify_open(paused_then, due_then, as_of)] += 1
    return figures
