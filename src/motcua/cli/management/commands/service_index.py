"""``motcua service-index --period 2026-Q1|2026-03|2026 [--agency CODE] [--format json|table]
[--config FILE]``: the service index of Decision 766, read-only."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.cli.base import MotcuaCommand
from motcua.core.errors import FieldError, ValidationFailed
from motcua.stats.index import ServiceIndex, service_index
from motcua.stats.index.metrics import AVAILABLE

FORMATS = ("json", "table")
OPTIONS = {"period": "--period", "agency": "--agency", "config": "--config"}


def _n(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    return str(value)


def render_table(index: ServiceIndex) -> str:
    data = index.as_dict()
    agency = data["scope"]["agency"]
    lines = [
        _("Service index (Decision 766/QĐ-TTg) — %(period)s — %(scope)s")
        % {
            "period": data["period"]["label"],
            "scope": f"{agency['name']} ({agency['code']})" if agency else _("all agencies"),
        },
        _("As of %(as_of)s; weights %(version)s.")
        % {"as_of": data["as_of"], "version": data["config_version"]},
        _(
            "Score %(score)s over an available maximum of %(available)s (%(percent)s%%); "
            "the full index counts %(max)s points, the rest cannot be measured yet."
        )
        % {
            "score": _n(data["score"]),
            "available": _n(data["available_max"]),
            "percent": _n(data["percent"]),
            "max": _n(data["max"]),
        },
        "",
    ]
    header: tuple[str, ...] = (_("Metric"), "N / D", _("Value %"), _("Weight"), _("Score"))
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for group in data["groups"]:
        rows.append(
            (
                group["name"],
                "",
                "",
                _n(group["weight"]),
                f"{_n(group['score'])} / {_n(group['available_max'])}"
                if group["available_max"]
                else _("n/a"),
            )
        )
        for metric in group["metrics"]:
            if metric["status"] == AVAILABLE:
                ratio = f"{metric['numerator']} / {metric['denominator']}"
                score = _n(metric["score"])
            else:
                notes.append(f"[{len(notes) + 1}] {metric['name']}: {metric['reason']}")
                ratio = (
                    f"{metric['numerator']} / {metric['denominator']}"
                    if metric["denominator"] is not None
                    else "—"
                )
                score = _("n/a [%(n)s]") % {"n": len(notes)}
            rows.append(
                ("  " + metric["name"], ratio, _n(metric["value"]), _n(metric["weight"]), score)
            )
    lines += _aligned(header, rows, right=(1, 2, 3, 4))
    if notes:
        lines += ["", *notes]
    if data["ranking"]:
        lines += ["", _("Ranking of the agencies below")]
        header = (_("Rank"), _("Agency"), _("Score"), _("Available"), "%", _("Dossiers"))
        ranking = [
            (
                _n(entry["rank"]),
                f"{entry['agency']['name']} ({entry['agency']['code']})",
                _n(entry["score"]),
                _n(entry["available_max"]),
                _n(entry["percent"]),
                str(entry["dossiers"]),
            )
            + ((entry["not_ranked_reason"],) if entry["not_ranked_reason"] else ())
            for entry in data["ranking"]
        ]
        lines += _aligned(header, ranking, right=(0, 2, 3, 4, 5))
    return "\n".join(lines) + "\n"


def _aligned(
    header: tuple[str, ...], rows: list[tuple[str, ...]], right: tuple[int, ...]
) -> list[str]:
    widths = [len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row[: len(header)]):
            widths[i] = max(widths[i], len(cell))

    def line(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row[: len(header)])
        ]
        return "  ".join([*cells, *row[len(header) :]]).rstrip()

    return [line(header), *(line(row) for row in rows)]


class Command(MotcuaCommand):
    help = (
        "The service index of Decision 766/QĐ-TTg for a month, quarter or year: each metric "
        "with its numerator, denominator, weight and score, metrics not available yet with the "
        "reason, the total over the available maximum, and the ranking of the agencies below."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="2026 (year), 2026-Q1 (quarter) or 2026-03 (month)")
        parser.add_argument("--agency", help="agency code: the agency and every agency below it")
        parser.add_argument("--format", default="json", help="json (default) or table")
        parser.add_argument("--config", help="JSON or TOML file overriding weights and thresholds")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = (options["format"] or "json").strip()
        if fmt not in FORMATS:
            message = _("One of: %(values)s.") % {"values": ", ".join(FORMATS)}
            raise ValidationFailed(message, [FieldError("--format", message)])
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"].strip()).first()
            if agency is None:
                message = _("No agency has code %(code)r.") % {"code": options["agency"]}
                raise ValidationFailed(message, [FieldError("--agency", message)])
        try:
            index = service_index(options["period"], agency, config=options["config"])
        except ValidationFailed as exc:
            # Name the command's options rather than the API's parameters.
            exc.errors = [FieldError(OPTIONS.get(e.field, e.field), e.message) for e in exc.errors]
            raise
        if fmt == "json":
            self.stdout.write(json.dumps(index.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_table(index), ending="")
