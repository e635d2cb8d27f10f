"""The metrics of the service index: what each measures, how it is computed from a unit's
inputs, or why it is not available yet — and how a ratio becomes a score.

A metric's score is ``weight × min(1, (numerator / denominator) / target)``, rounded to two
decimals (half up): the portal's ``min(2, 2·A/0.8)`` is weight 2, target 0.8; ``4·B`` is
weight 4, target 1. A metric whose denominator is 0 has no data for the unit: it scores
nothing and its weight leaves the available maximum, like a metric motcua cannot compute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..figures import percent
from .config import MetricConfig
from .inputs import UnitInputs

AVAILABLE = "available"
NO_DATA = "no_data"
NOT_AVAILABLE = "not_available"
CENT = Decimal("0.01")

Ratio = tuple[int, int]  # numerator, denominator


def _progress(unit: UnitInputs, config: MetricConfig) -> Ratio:
    figures = unit.figures
    good = (
        figures.resolved["early"]
        + figures.resolved["on_time"]
        + figures.in_progress["within_deadline"]
    )
    handled = figures.total
    paused = figures.in_progress["paused"]
    if config.paused == "within":
        good += paused
    elif config.paused == "excluded":
        handled -= paused
    return good, handled


def _catalogue(unit: UnitInputs, config: MetricConfig) -> list[Any]:
    return [e for e in unit.procedures.values() if e.status in config.statuses]


def _complete_parts(unit: UnitInputs, config: MetricConfig) -> Ratio:
    entries = _catalogue(unit, config)
    return sum(1 for e in entries if e.complete), len(entries)


def _procedures_online(unit: UnitInputs, config: MetricConfig) -> Ratio:
    entries = _catalogue(unit, config)
    return sum(1 for e in entries if e.online), len(entries)


def _services_used(unit: UnitInputs, config: MetricConfig) -> Ratio:
    online = {e.procedure_id for e in _catalogue(unit, config) if e.online}
    return len(online & unit.online_used), len(online)


def _online_dossiers(unit: UnitInputs, config: MetricConfig) -> Ratio:
    return unit.figures.received["online"], unit.figures.received_total


@dataclass(frozen=True)
class MetricDef:
    label: Promise
    numerator: Promise
    denominator: Promise
    compute: Callable[[UnitInputs, MetricConfig], Ratio] | None = None
    unavailable: Promise | None = None  # why motcua cannot compute it yet


_NOTHING = _("Nothing to measure in this period and scope (the denominator is 0).")
_NO_PORTAL = _("Dossiers are not synchronised with the National Public Service Portal yet.")
_NO_DIGITISATION = _(
    "Digitisation of dossier components and results is not recorded yet (a later issue)."
)
_NO_POPULATION = _("Use of the national population database is not recorded yet (a later issue).")
_NO_PAYMENT = _("Online payments are not recorded yet (a later issue).")
_NO_FEEDBACK = _("Citizen feedback (PAKN) is not recorded yet (a later issue).")

DEFINITIONS: dict[str, MetricDef] = {
    # Publicity
    "published_on_time": MetricDef(
        _("Procedures published on time"),
        _("procedures published on time"),
        _("procedures announced"),
        unavailable=_(
            "The dates of the decisions announcing procedures are not recorded, so publication "
            "on time cannot be judged yet."
        ),
    ),
    "updated_on_time": MetricDef(
        _("Procedures updated on time"),
        _("procedures updated on time"),
        _("procedures amended"),
        unavailable=_(
            "The dates of the decisions amending procedures are not recorded, so updates on "
            "time cannot be judged yet."
        ),
    ),
    "complete_parts": MetricDef(
        _("Procedures with all 7 mandatory parts"),
        _("procedures with all 7 parts"),
        _("procedures"),
        compute=_complete_parts,
    ),
    "synced_to_portal": MetricDef(
        _("Dossiers synchronised to the national portal"),
        _("dossiers synchronised"),
        _("dossiers"),
        unavailable=_NO_PORTAL,
    ),
    # Progress
    "progress": MetricDef(
        _("Dossiers resolved or in progress within the deadline"),
        _("resolved early or on time, plus open within the deadline"),
        _("dossiers handled (carried over + received)"),
        compute=_progress,
    ),
    # Digitisation
    "electronic_results": MetricDef(
        _("Electronic results"),
        _("results issued electronically"),
        _("results"),
        unavailable=_NO_DIGITISATION,
    ),
    "digitised_components": MetricDef(
        _("Digitised dossier components"),
        _("dossiers with digitised components"),
        _("dossiers received"),
        unavailable=_NO_DIGITISATION,
    ),
    "certified_copies": MetricDef(
        _("Electronic certified copies"),
        _("electronic certified copies"),
        _("certifications"),
        unavailable=_("Electronic certified copies are not recorded yet (a later issue)."),
    ),
    "data_reuse": MetricDef(
        _("Reuse of digitised data"),
        _("dossiers reusing digitised data"),
        _("dossiers"),
        unavailable=_NO_DIGITISATION,
    ),
    "results_to_data_store": MetricDef(
        _("Results synchronised to the applicant's data store"),
        _("results in the data store"),
        _("results"),
        unavailable=_("The applicant's data store is not implemented yet (a later issue)."),
    ),
    "population_data_dossiers": MetricDef(
        _("Dossiers using population data"),
        _("dossiers using population data"),
        _("dossiers"),
        unavailable=_NO_POPULATION,
    ),
    "population_data_procedures": MetricDef(
        _("Procedures connected to the population database"),
        _("procedures connected"),
        _("procedures"),
        unavailable=_NO_POPULATION,
    ),
    # Online service
    "procedures_online": MetricDef(
        _("Procedures offered online"),
        _("procedures offered partly or fully online"),
        _("procedures"),
        compute=_procedures_online,
    ),
    "services_used": MetricDef(
        _("Online services in use"),
        _("online services that received an online dossier"),
        _("online services"),
        compute=_services_used,
    ),
    "online_dossiers": MetricDef(
        _("Dossiers received online"),
        _("dossiers received online"),
        _("dossiers received"),
        compute=_online_dossiers,
    ),
    # Online payment
    "dossiers_paid_online": MetricDef(
        _("Dossiers paid online"),
        _("dossiers paid online"),
        _("dossiers with a fee"),
        unavailable=_NO_PAYMENT,
    ),
    "procedures_with_online_payment": MetricDef(
        _("Procedures with online payment"),
        _("procedures with online payment"),
        _("procedures with a fee"),
        unavailable=_NO_PAYMENT,
    ),
    "fee_data_published": MetricDef(
        _("Procedures whose fee data is published for payment"),
        _("procedures with fee data for online payment"),
        _("procedures with a fee"),
        unavailable=_NO_PAYMENT,
    ),
    # Satisfaction
    "feedback_on_time": MetricDef(
        _("Feedback handled on time"),
        _("feedback answered on time"),
        _("feedback received"),
        unavailable=_NO_FEEDBACK,
    ),
    "feedback_satisfaction": MetricDef(
        _("Satisfaction with feedback handling"),
        _("satisfied answers"),
        _("answers rated"),
        unavailable=_NO_FEEDBACK,
    ),
    "dossier_satisfaction": MetricDef(
        _("Satisfaction with dossier handling"),
        _("dossiers neither overdue, complained of nor rated negatively"),
        _("dossiers"),
        unavailable=_(
            "Dossier ratings and complaints are not recorded yet; the share overdue alone "
            "would overstate satisfaction."
        ),
    ),
}

GROUP_LABELS: dict[str, Promise] = {
    "publicity": _("Publicity and transparency"),
    "progress": _("Progress of resolution"),
    "digitisation": _("Digitisation"),
    "online_service": _("Online public service"),
    "online_payment": _("Online payment"),
    "satisfaction": _("Satisfaction"),
}


def rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """``0.8`` rather than ``0.80``, ``20`` rather than ``2E+1``, in a formula."""
    return f"{value.normalize():f}"


def formula(weight: Decimal, target: Decimal) -> str:
    """The score's formula, N and D being the numerator and the denominator."""
    if target == 1:
        return f"{plain(weight)} × N/D"
    return f"min({plain(weight)}, {plain(weight)} × (N/D) / {plain(target)})"


@dataclass(frozen=True)
class MetricResult:
    key: str
    status: str
    weight: Decimal
    target: Decimal
    numerator: int | None = None
    denominator: int | None = None
    value: Decimal | None = None  # numerator / denominator, in percent
    score: Decimal | None = None
    reason: Promise | None = None  # translated when shown

    @property
    def counted_max(self) -> Decimal:
        """What this metric adds to the available maximum."""
        return self.weight if self.status == AVAILABLE else Decimal(0)

    def as_dict(self) -> dict[str, Any]:
        definition = DEFINITIONS[self.key]
        return {
            "key": self.key,
            "name": str(definition.label),
            "status": self.status,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "numerator_label": str(definition.numerator),
            "denominator_label": str(definition.denominator),
            "value": _number(self.value),
            "weight": _number(self.weight),
            "target": _number(self.target),
            "formula": formula(self.weight, self.target),
            "score": _number(self.score),
            "reason": None if self.reason is None else str(self.reason),
        }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def evaluate(config: MetricConfig, unit: UnitInputs) -> MetricResult:
    definition = DEFINITIONS[config.key]
    key, weight, target = config.key, config.weight, config.target
    if definition.compute is None:
        return MetricResult(key, NOT_AVAILABLE, weight, target, reason=definition.unavailable)
    numerator, denominator = definition.compute(unit, config)
    if denominator <= 0:
        return MetricResult(key, NO_DATA, weight, target, numerator, denominator, reason=_NOTHING)
    ratio = Decimal(numerator) / Decimal(denominator)
    score = rounded(weight * min(Decimal(1), ratio / target))
    value = percent(numerator, denominator)
    return MetricResult(key, AVAILABLE, weight, target, numerator, denominator, value, score)
