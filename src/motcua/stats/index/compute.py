"""Scores of a unit (an agency's subtree, or the whole deployment), and the ranking of the
agencies directly below it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.core.localtime import isoformat_local

from ..figures import Figures
from .config import IndexConfig, Override, load_config
from .inputs import AgencyRef, UnitInputs, load
from .metrics import GROUP_LABELS, MetricResult, evaluate, rounded
from .periods import IndexPeriod, parse_period


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _share(score: Decimal, available_max: Decimal) -> Decimal | None:
    """The score as a percent of the available maximum (None when nothing was measurable)."""
    if available_max == 0:
        return None
    return rounded(score * 100 / available_max)


@dataclass(frozen=True)
class GroupResult:
    key: str
    weight: Decimal
    metrics: tuple[MetricResult, ...]

    @property
    def score(self) -> Decimal:
        return sum((m.score for m in self.metrics if m.score is not None), Decimal(0))

    @property
    def available_max(self) -> Decimal:
        return sum((m.counted_max for m in self.metrics), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": str(GROUP_LABELS[self.key]),
            "weight": float(self.weight),
            "score": float(self.score),
            "available_max": float(self.available_max),
            "percent": _num(_share(self.score, self.available_max)),
            "metrics": [m.as_dict() for m in self.metrics],
        }


@dataclass(frozen=True)
class UnitResult:
    groups: tuple[GroupResult, ...]
    figures: Figures

    @property
    def score(self) -> Decimal:
        return sum((g.score for g in self.groups), Decimal(0))

    @property
    def available_max(self) -> Decimal:
        return sum((g.available_max for g in self.groups), Decimal(0))

    @property
    def max(self) -> Decimal:
        return sum((g.weight for g in self.groups), Decimal(0))

    @property
    def percent(self) -> Decimal | None:
        return _share(self.score, self.available_max)

    def totals(self) -> dict[str, Any]:
        return {
            "score": float(self.score),
            "available_max": float(self.available_max),
            "max": float(self.max),
            "percent": _num(self.percent),
        }


def evaluate_unit(config: IndexConfig, unit: UnitInputs) -> UnitResult:
    groups = tuple(
        GroupResult(g.key, g.weight, tuple(evaluate(m, unit) for m in g.metrics))
        for g in config.groups
    )
    return UnitResult(groups=groups, figures=unit.figures)


@dataclass(frozen=True)
class RankingEntry:
    agency: AgencyRef
    result: UnitResult
    rank: int | None = None
    reason: str | None = None  # why it is not ranked

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "agency": self.agency.as_dict(),
            **self.result.totals(),
            "dossiers": self.result.figures.total,
            "not_ranked_reason": self.reason,
        }


def rank(config: IndexConfig, units: dict[AgencyRef, UnitResult]) -> list[RankingEntry]:
    """Agencies by their score as a share of what could be measured for them (two decimals),
    best first; equal shares share a rank (1, 2, 2, 4). An agency that handled fewer dossiers
    than ``ranking.min_dossiers``, or where nothing could be measured, is listed unranked."""
    ranked: list[tuple[Decimal, AgencyRef, UnitResult]] = []
    unranked: list[RankingEntry] = []
    for agency, result in units.items():
        share = result.percent
        if result.figures.total < config.min_dossiers:
            reason = _("No dossiers handled in the period.")
            if result.figures.total:
                reason = _("Fewer dossiers handled than the %(n)s needed to be ranked.") % {
                    "n": config.min_dossiers
                }
            unranked.append(RankingEntry(agency, result, reason=reason))
        elif share is None:
            unranked.append(
                RankingEntry(agency, result, reason=_("Nothing could be measured in the period."))
            )
        else:
            ranked.append((share, agency, result))
    ranked.sort(key=lambda item: (-item[0], item[1].code))
    entries: list[RankingEntry] = []
    for i, (share, agency, result) in enumerate(ranked):
        position = i + 1 if i == 0 or share != ranked[i - 1][0] else entries[-1].rank
        entries.append(RankingEntry(agency, result, rank=position))
    return entries + sorted(unranked, key=lambda e: e.agency.code)


@dataclass(frozen=True)
class ServiceIndex:
    period: IndexPeriod
    as_of: datetime
    agency: AgencyRef | None
    config: IndexConfig
    result: UnitResult
    ranking: list[RankingEntry] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(),
            "as_of": isoformat_local(self.as_of),
            "scope": {"agency": self.agency.as_dict() if self.agency else None},
            "config_version": self.config.version,
            **self.result.totals(),
            "groups": [g.as_dict() for g in self.result.groups],
            "figures": self.result.figures.as_dict(),
            "ranking": [e.as_dict() for e in self.ranking],
        }


def service_index(
    period: str | IndexPeriod,
    agency: Agency | None = None,
    *,
    now: datetime | None = None,
    config: Override = None,
    rank_within: Collection[int] | None = None,
) -> ServiceIndex:
    """The index of ``agency``'s subtree (everything when None) over a month, quarter or year,
    evaluated at the period's end or now while it runs, with the ranking of the agencies
    directly below it (only those in ``rank_within`` when given: an official's scope)."""
    cfg = load_config(config)
    index_period = period if isinstance(period, IndexPeriod) else parse_period(period)
    now = now or timezone.now()
    as_of = index_period.as_of(now)
    inputs = load(agency, index_period.period, as_of, live=as_of == now)
    children = {
        ref: evaluate_unit(cfg, inputs.children[pk])
        for pk, ref in inputs.child_refs.items()
        if rank_within is None or pk in rank_within
    }
    return ServiceIndex(
        period=index_period,
        as_of=as_of,
        agency=AgencyRef(agency.pk, agency.code, agency.name) if agency else None,
        config=cfg,
        result=evaluate_unit(cfg, inputs.whole),
        ranking=rank(cfg, children),
    )
