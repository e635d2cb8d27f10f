"""The service index's configuration: every weight, threshold and formula parameter.

The values ship in ``decision-766.json`` (versioned: its ``version`` is reported with every
score). A deployment overrides any of them, from the most general to the most specific:

1. ``settings.MOTCUA_SERVICE_INDEX``: a dict, or the path of a JSON or TOML file;
2. the ``config`` argument of ``service_index`` (``motcua service-index --config FILE``).

Each override is merged key by key into the document before it (a dict replaces only the keys
it names), then the whole is validated: unknown keys, weights that do not add up to their group,
targets outside (0, 1] are refused with one error per problem, naming the key.

Which metrics exist, and in which group, is fixed by the code (``LAYOUT``): each one is computed
by motcua, or reported as not available. A deployment removes a metric by giving it weight 0.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from motcua.catalog.models import Status
from motcua.core.errors import FieldError, ValidationFailed

DEFAULT_PATH = Path(__file__).with_name("decision-766.json")

# Group → its metrics, in the order they are shown.
LAYOUT: dict[str, tuple[str, ...]] = {
    "publicity": ("published_on_time", "updated_on_time", "complete_parts", "synced_to_portal"),
    "progress": ("progress",),
    "digitisation": (
        "electronic_results",
        "digitised_components",
        "certified_copies",
        "data_reuse",
        "results_to_data_store",
        "population_data_dossiers",
        "population_data_procedures",
    ),
    "online_service": ("procedures_online", "services_used", "online_dossiers"),
    "online_payment": (
        "dossiers_paid_online",
        "procedures_with_online_payment",
        "fee_data_published",
    ),
    "satisfaction": ("feedback_on_time", "feedback_satisfaction", "dossier_satisfaction"),
}
# Parameters a metric takes besides ``weight`` and ``target``.
PARAMS: dict[str, frozenset[str]] = {
    "complete_parts": frozenset({"statuses"}),
    "procedures_online": frozenset({"statuses"}),
    "services_used": frozenset({"statuses"}),
    "progress": frozenset({"paused"}),
}
# How the progress metric counts dossiers paused at the as-of instant (neither within the
# deadline nor overdue in the period report): not in the numerator, as within the deadline,
# or left out of numerator and denominator.
PAUSED_CHOICES = ("not_within", "within", "excluded")


@dataclass(frozen=True)
class MetricConfig:
    key: str
    weight: Decimal
    target: Decimal = Decimal(1)
    statuses: tuple[str, ...] = (Status.PUBLISHED.value,)
    paused: str = "not_within"


@dataclass(frozen=True)
class GroupConfig:
    key: str
    weight: Decimal
    metrics: tuple[MetricConfig, ...]


@dataclass(frozen=True)
class IndexConfig:
    version: str
    groups: tuple[GroupConfig, ...]
    min_dossiers: int = 1

    @property
    def max(self) -> Decimal:
        return sum((g.weight for g in self.groups), Decimal(0))


Override = str | Path | dict[str, Any] | None


def load_config(override: Override = None) -> IndexConfig:
    """The shipped document, merged with the settings' override and then ``override``."""
    document = _read(DEFAULT_PATH)
    for layer in (getattr(settings, "MOTCUA_SERVICE_INDEX", None), override):
        if layer is None:
            continue
        document = merge(document, layer if isinstance(layer, dict) else _read(Path(layer)))
    return parse(document)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        # ``json.JSONDecodeError`` and ``tomllib.TOMLDecodeError`` are both ValueErrors.
        message = _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc}
        raise ValidationFailed(message, [FieldError("config", message)]) from exc
    if not isinstance(data, dict):
        message = _("%(path)s must contain an object.") % {"path": path}
        raise ValidationFailed(message, [FieldError("config", message)])
    return data


class _Reader:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(FieldError(where, message))

    def mapping(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, _("Must be an object."))
            return {}
        for key in value:
            if key not in allowed:
                self.fail(
                    f"{where}.{key}" if where else key,
                    _("Unknown key; expected one of: %(keys)s.")
                    % {"keys": ", ".join(sorted(allowed))},
                )
        return value

    def number(
        self,
        value: Any,
        where: str,
        *,
        low: Decimal,
        high: Decimal | None = None,
        low_open: bool = False,
    ) -> Decimal | None:
        number: Decimal | None = None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            self.fail(where, _("Must be a number."))
            return None
        too_low = number <= low if low_open else number < low
        if too_low or (high is not None and number > high):
            if high is None:
                self.fail(where, _("Must be %(low)s or more.") % {"low": low})
            else:
                self.fail(
                    where,
                    _("Must be more than %(low)s and at most %(high)s.")
                    % {"low": low, "high": high},
                )
            return None
        return number


def parse(document: dict[str, Any]) -> IndexConfig:
    """Validate a merged document; every problem is reported, each at its key."""
    r = _Reader()
    top = r.mapping(document, "", {"version", "title", "note", "groups", "ranking"})
    version = top.get("version")
    if not isinstance(version, str) or not version.strip():
        r.fail("version", _("A non-empty text naming this version of the weights."))
        version = ""
    groups_raw = r.mapping(top.get("groups"), "groups", set(LAYOUT))
    groups: list[GroupConfig] = []
    for group_key, metric_keys in LAYOUT.items():
        where = f"groups.{group_key}"
        if group_key not in groups_raw:
            r.fail(where, _("Missing group."))
            continue
        raw = r.mapping(groups_raw[group_key], where, {"weight", "metrics", "note"})
        weight = r.number(raw.get("weight"), f"{where}.weight", low=Decimal(0))
        metrics_raw = r.mapping(raw.get("metrics"), f"{where}.metrics", set(metric_keys))
        metrics = [
            _metric(r, key, metrics_raw.get(key), f"{where}.metrics.{key}") for key in metric_keys
        ]
        parsed = [m for m in metrics if m is not None]
        if weight is not None and len(parsed) == len(metric_keys):
            total = sum((m.weight for m in parsed), Decimal(0))
            if total != weight:
                r.fail(
                    f"{where}.weight",
                    _("The group weighs %(weight)s but its metrics add up to %(total)s.")
                    % {"weight": weight, "total": total},
                )
            groups.append(GroupConfig(group_key, weight, tuple(parsed)))
    ranking = r.mapping(top.get("ranking", {}), "ranking", {"min_dossiers"})
    min_dossiers = ranking.get("min_dossiers", 1)
    if not isinstance(min_dossiers, int) or isinstance(min_dossiers, bool) or min_dossiers < 1:
        r.fail("ranking.min_dossiers", _("A whole number, 1 or more."))
        min_dossiers = 1
    if r.errors:
        raise ValidationFailed(_("The service index configuration is not valid."), r.errors)
    return IndexConfig(version=version, groups=tuple(groups), min_dossiers=min_dossiers)


def _metric(r: _Reader, key: str, raw: Any, where: str) -> MetricConfig | None:
    if raw is None:
        r.fail(where, _("Missing metric."))
        return None
    allowed = {"weight", "target", "note"} | PARAMS.get(key, frozenset())
    raw = r.mapping(raw, where, allowed)
    before = len(r.errors)
    weight = r.number(raw.get("weight"), f"{where}.weight", low=Decimal(0))
    target = r.number(
        raw.get("target", 1), f"{where}.target", low=Decimal(0), high=Decimal(1), low_open=True
    )
    extra: dict[str, Any] = {}
    if "statuses" in raw:
        statuses = raw["statuses"]
        if (
            not isinstance(statuses, list)
            or not statuses
            or any(s not in Status.values for s in statuses)
        ):
            r.fail(
                f"{where}.statuses",
                _("A non-empty list of: %(values)s.") % {"values": ", ".join(Status.values)},
            )
        else:
            extra["statuses"] = tuple(statuses)
    if "paused" in raw:
        if raw["paused"] not in PAUSED_CHOICES:
            r.fail(
                f"{where}.paused",
                _("One of: %(values)s.") % {"values": ", ".join(PAUSED_CHOICES)},
            )
        else:
            extra["paused"] = raw["paused"]
    if len(r.errors) > before or weight is None or target is None:
        return None
    return MetricConfig(key=key, weight=weight, target=target, **extra)
