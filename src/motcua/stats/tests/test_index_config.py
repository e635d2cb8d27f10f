"""The service index's configuration (weights, thresholds, parameters) and its periods."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from motcua.core.errors import ValidationFailed
from motcua.core.localtime import LOCAL_TZ
from motcua.stats.index.config import LAYOUT, load_config
from motcua.stats.index.metrics import DEFINITIONS, formula
from motcua.stats.index.periods import parse_period


def _fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


def test_shipped_weights_are_those_of_statistics_md() -> None:
    config = load_config()
    weights = {g.key: g.weight for g in config.groups}
    assert weights == {
        "publicity": 18,
        "progress": 20,
        "digitisation": 22,
        "online_service": 12,
        "online_payment": 10,
        "satisfaction": 18,
    }
    assert config.max == 100
    metric = {m.key: m for g in config.groups for m in g.metrics}
    # Online service: min(2, 2·A/0.8) + 4·B + min(6, 6·C/0.5).
    assert (metric["procedures_online"].weight, metric["procedures_online"].target) == (
        2,
        Decimal("0.8"),
    )
    assert (metric["services_used"].weight, metric["services_used"].target) == (4, 1)
    assert (metric["online_dossiers"].weight, metric["online_dossiers"].target) == (
        6,
        Decimal("0.5"),
    )
    # Online payment: 6·A + min(2, 2.5·B) + min(2, 2.5·C): 2.5 = 2 / 0.8.
    assert metric["procedures_with_online_payment"].target == Decimal("0.8")
    # Satisfaction with dossiers: min(6, 6·R/0.9); reuse of data: min(2, 2·R/0.8).
    assert (metric["dossier_satisfaction"].weight, metric["dossier_satisfaction"].target) == (
        6,
        Decimal("0.9"),
    )
    assert metric["data_reuse"].target == Decimal("0.8")
    assert metric["progress"].paused == "not_within"
    assert metric["complete_parts"].statuses == ("published", "draft")
    # Every metric of the layout has a definition, and nothing else.
    assert {k for keys in LAYOUT.values() for k in keys} == set(DEFINITIONS)


def test_formulas_as_shown() -> None:
    assert formula(Decimal(2), Decimal("0.80")) == "min(2, 2 × (N/D) / 0.8)"
    assert formula(Decimal(20), Decimal(1)) == "20 × N/D"


def test_override_from_a_json_or_toml_file(tmp_path) -> None:
    path = tmp_path / "index.json"
    path.write_text(
        json.dumps(
            {
                "version": "x",
                "groups": {"online_service": {"metrics": {"online_dossiers": {"target": 0.6}}}},
            }
        )
    )
    assert {m.key: m.target for g in load_config(path).groups for m in g.metrics}[
        "online_dossiers"
    ] == Decimal("0.6")
    toml = tmp_path / "index.toml"
    toml.write_text(
        'version = "toml-1"\n'
        "[groups.progress]\nweight = 25\n"
        '[groups.progress.metrics.progress]\nweight = 25\npaused = "within"\n'
        "[ranking]\nmin_dossiers = 10\n"
    )
    config = load_config(str(toml))
    assert (config.version, config.max, config.min_dossiers) == ("toml-1", 105, 10)
    assert config.groups[1].metrics[0].paused == "within"


def test_settings_override_then_argument(settings) -> None:
    settings.MOTCUA_SERVICE_INDEX = {"version": "from-settings", "ranking": {"min_dossiers": 5}}
    assert load_config().version == "from-settings"
    assert load_config({"version": "from-argument"}).min_dossiers == 5


def test_every_problem_is_reported_at_its_key() -> None:
    # Vietnamese explicitly: whatever language an earlier test in this process left active.
    with translation.override("vi"), pytest.raises(ValidationFailed) as exc:
        load_config(
            {
                "version": "",
                "colour": "red",
                "groups": {
                    "progress": {"weight": 25},
                    "publicity": {
                        "metrics": {"complete_parts": {"weight": -1, "statuses": ["gone"]}}
                    },
                    "online_service": {
                        "metrics": {"online_dossiers": {"target": 0}, "bonus": {"weight": 1}}
                    },
                    "satisfaction": {
                        "metrics": {"feedback_on_time": {"weight": "six", "paused": "within"}}
                    },
                    "loyalty": {},
                },
                "ranking": {"min_dossiers": 0},
            }
        )
    fields = _fields(exc)
    assert set(fields) == {
        "version",
        "colour",
        "groups.loyalty",
        "groups.progress.weight",
        "groups.publicity.metrics.complete_parts.weight",
        "groups.publicity.metrics.complete_parts.statuses",
        "groups.online_service.metrics.bonus",
        "groups.online_service.metrics.online_dossiers.target",
        "groups.satisfaction.metrics.feedback_on_time.weight",
        "groups.satisfaction.metrics.feedback_on_time.paused",
        "ranking.min_dossiers",
    }
    assert "tổng trọng số các chỉ tiêu trong nhóm là 20" in fields["groups.progress.weight"]


def test_unreadable_files_are_refused(tmp_path) -> None:
    with pytest.raises(ValidationFailed) as exc:
        load_config(tmp_path / "missing.json")
    assert set(_fields(exc)) == {"config"}
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValidationFailed) as exc:
        load_config(broken)
    assert set(_fields(exc)) == {"config"}
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ValidationFailed):
        load_config(listed)


@pytest.mark.parametrize(
    ("text", "label", "kind", "first", "last"),
    [
        ("2026", "2026", "year", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q1", "2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31)),
        (" 2026-q4 ", "2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
        ("2024-02", "2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-12", "2026-12", "month", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text, label, kind, first, last) -> None:
    period = parse_period(text)
    assert (period.label, period.kind, period.period.first, period.period.last) == (
        label,
        kind,
        first,
        last,
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "26",
        "2026-3",
        "2026-13",
        "2026-00",
        "2026-Q0",
        "2026-Q5",
        "2026/03",
        "0999",
        "9999-12",
        "abc",
    ],
)
def test_bad_periods(text) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_period(text)
    assert set(_fields(exc)) == {"period"}


def test_as_of_is_the_end_or_now() -> None:
    period = parse_period("2026-03")
    assert period.as_of(datetime(2026, 5, 1, tzinfo=LOCAL_TZ)) == datetime(
        2026, 4, 1, tzinfo=LOCAL_TZ
    )
    running = datetime(2026, 3, 15, 10, 30, tzinfo=LOCAL_TZ)
    assert period.as_of(running) == running
    with pytest.raises(ValidationFailed) as exc:
        period.as_of(datetime(2026, 2, 27, tzinfo=LOCAL_TZ))
    assert set(_fields(exc)) == {"period"}
