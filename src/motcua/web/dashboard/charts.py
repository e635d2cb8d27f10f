"""The data of the dashboard's charts, passed to ``static/web/charts.js`` in
``<script type="application/json">`` blocks (data, never executed: the CSP allows no inline
script). Every chart has a table with the same numbers on the page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from motcua.stats.report import Row

# Colours with at least 3:1 contrast on white (WCAG 1.4.11); the tables carry the numbers.
BLUE, TEAL, PURPLE = "#0b4f9c", "#00707a", "#6b3fa0"
GREEN, OLIVE, RED = "#1b6e35", "#6f8f00", "#b3261e"


def month_charts(months: list[Row]) -> dict[str, Any]:
    """Received by channel and resolved by timeliness, month by month (stacked bars)."""
    labels = [row.name for row in months]
    return {
        "received": {
            "kind": "stacked",
            "category": _("Month"),
            "labels": labels,
            "unit": _("dossiers"),
            "series": [
                _series(_("Online"), BLUE, [r.figures.received["online"] for r in months]),
                _series(_("At the counter"), TEAL, [r.figures.received["counter"] for r in months]),
                _series(_("By post"), PURPLE, [r.figures.received["postal"] for r in months]),
            ],
        },
        "resolved": {
            "kind": "stacked",
            "category": _("Month"),
            "labels": labels,
            "unit": _("dossiers"),
            "series": [
                _series(_("Early"), GREEN, [r.figures.resolved["early"] for r in months]),
                _series(_("On time"), OLIVE, [r.figures.resolved["on_time"] for r in months]),
                _series(_("Late"), RED, [r.figures.resolved["late"] for r in months]),
            ],
        },
    }


def on_time_chart(children: list[Row]) -> dict[str, Any]:
    """The on-time rate of each agency below the one reported on (no bar when it resolved
    nothing: there is no rate, which is not 0 %)."""
    values = []
    for row in children:
        rate = row.figures.rates()["on_time_rate"]
        values.append(None if rate is None else float(rate))
    return {
        "kind": "bars",
        "category": _("Agency"),
        "labels": [row.name for row in children],
        "unit": "%",
        "max": 100,
        "series": [_series(_("On-time rate"), GREEN, values)],
    }


def _series(label: str, colour: str, values: list[Any]) -> dict[str, Any]:
    return {"label": label, "colour": colour, "values": values}
