"""The leader's dashboard: the period report of its agency from the aggregates (equal to
``build_report``), the agency tree, the overdue list, the period selector, and its scoping."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier
from motcua.stats.report import build_report

from .conftest import World, html, now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]


def cells(page: str, row_name: str) -> list[str]:
    """The texts of the cells of the table row whose header is ``row_name``."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        header = re.search(r"<th scope=\"row\">(.*?)</th>", row, re.S)
        if header and re.sub(r"<[^>]+>", "", header.group(1)).strip().startswith(row_name):
            return [
                unescape(re.sub(r"<[^>]+>", "", c)).strip()
                for c in re.findall(r"<td>(.*?)</td>", row, re.S)
            ]
    raise AssertionError(f"no row {row_name!r}")


def numbers(values: list[str]) -> list[int]:
    """The 13 figures of a form II.06a row (after its number)."""
    return [int(v.replace(".", "")) for v in values[1:14]]


def expected(figures: Any) -> list[int]:
    r, s, p = figures.received, figures.resolved, figures.in_progress
    return [
        figures.total,
        r["online"],
        r["counter"],
        r["postal"],
        figures.carried_over,
        figures.resolved_total,
        s["early"],
        s["on_time"],
        s["late"],
        figures.in_progress_total,
        p["within_deadline"],
        p["overdue"],
        p["paused"],
    ]


def test_a_leader_sees_its_agency_figures_equal_to_the_report(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    response = as_user("leader").get("/dieu-hanh/")
    assert response.status_code == 200
    page = html(response)
    report = build_report({"agency": world.justice.code}, "2026-03-01", "2026-03-31", now=now())
    assert report.live
    # The worked-out history: 2 carried over + 3 counter + 1 online; resolved early D, on time
    # A, late E; overdue C and G, paused F.
    assert expected(report.figures) == [6, 1, 3, 0, 2, 3, 1, 1, 1, 3, 0, 2, 1]
    row = cells(page, "Total")
    assert numbers(row) == expected(report.figures)
    assert row[14:] == ["66.67 %", "25.00 %", "33.33 %", "16.67 %"]
    assert "Sở Tư pháp" in page and "Sở Xây dựng" not in page
