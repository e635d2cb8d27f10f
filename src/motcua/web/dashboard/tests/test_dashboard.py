"""The leader's dashboard: the period report of its agency from the aggregates (equal to
``build_report``), the agency tree, the overdue list, the period selector, and its scoping."""

from __future__ import annotations

import json
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


def links_in(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def test_an_inspector_of_the_province_sees_the_agency_tree(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    page = html(as_user("inspector").get("/dieu-hanh/"))
    root = build_report(
        {"agency": "000.00.00.H99"}, "2026-03-01", "2026-03-31", now=now(), breakdown="agency"
    )
    assert numbers(cells(page, "Total")) == expected(root.figures)
    children = {row.name: row for row in root.rows[0].children}
    for name in ("Sở Tư pháp", "Sở Xây dựng"):
        assert numbers(cells(page, name)) == expected(children[name].figures)
    # Justice and construction add up to the province: nothing is counted twice or lost.
    assert expected(root.figures)[0] == 8 == 6 + 2
    # A child's row opens that agency's own dashboard, same period.
    assert f"/dieu-hanh/?period=month&amp;agency={world.building.code}" in page
    # The headline figures.
    assert re.search(r"<dt>Dossiers to resolve</dt><dd><a href=\"[^\"]+\">8</a></dd>", page)
    assert re.search(r"<dt>Resolved early or on time</dt><dd><a [^>]+>75.00 %</a></dd>", page)


def test_every_figure_links_to_its_dossiers(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    client = as_user("leader")
    page = html(client.get("/dieu-hanh/"))
    drills = [href for href in links_in(page) if href.startswith("/dieu-hanh/ho-so/?")]
    # 13 columns, zeros not linked: the total row of justice has 11 non-zero figures, its
    # agency row the same; and the 5 headline figures (the on-time rate opens the resolved
    # dossiers, the online rate the received ones).
    assert len([v for v in numbers(cells(page, "Total")) if v]) == 11
    assert len(drills) == 22 + 5
    headline = page.split('<dl class="figures">')[1].split("</dl>")[0]
    assert [re.search(r"figure=([a-z_.]+)", h).group(1) for h in links_in(headline)] == [
        "total",
        "resolved",
        "resolved",
        "received",
        "in_progress.overdue",
    ]
    # Following each link lists exactly as many dossiers as the figure says.
    for href in set(drills):
        response = client.get(href)
        assert response.status_code == 200, href
        listed = re.search(r'data-testid="dossier-count">(\d+) dossier', html(response))
        figure = re.search(r"figure=([a-z_.]+)", href)
        assert listed and figure
        report = build_report({"agency": world.justice.code}, "2026-03-01", "2026-03-31", now=now())
        from motcua.web.dashboard.tables import figure_value

        assert int(listed.group(1)) == figure_value(report.figures, figure.group(1)), href


def chart(page: str, name: str) -> dict[str, Any]:
    block = re.search(
        rf'<script id="chart-{name}-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert block, name
    return json.loads(block.group(1))


def test_the_charts_data_are_in_json_blocks_and_the_scripts_are_local(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    response = as_user("inspector").get("/dieu-hanh/")
    page = html(response)
    received = chart(page, "received")
    assert received["labels"] == ["03/2026"]
    assert {s["label"]: s["values"] for s in received["series"]} == {
        "Online": [1],
        "At the counter": [5],
        "By post": [0],
    }
    resolved = chart(page, "resolved")
    assert {s["label"]: s["values"] for s in resolved["series"]} == {
        "Early": [2],
        "On time": [1],
        "Late": [1],
    }
    on_time = chart(page, "on-time")
    assert on_time["labels"] == ["Sở Tư pháp", "Sở Xây dựng"]
    assert on_time["series"][0]["values"] == [66.67, 100.0]
    # Served by the site, no inline script or style, under the strict policy.
    scripts = re.findall(r"<script([^>]*)>", page)
    for attrs in scripts:
        assert 'type="application/json"' in attrs or re.search(r'src="/static/', attrs), attrs
    assert 'src="/static/web/charts.js"' in page
    assert "/static/web/vendor/uPlot.iife.min.js" in page
    assert " style=" not in page and " onclick=" not in page
    assert "script-src" not in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [
        ("period=quarter", "2026-01-01", "2026-03-31"),
        ("period=year", "2026-01-01", "2026-12-31"),
        ("period=custom&from=2026-03-09&to=2026-03-13", "2026-03-09", "2026-03-13"),
        ("from=2026-02-01&to=2026-02-28", "2026-02-01", "2026-02-28"),
    ],
)
def test_the_period_choice(
    history: dict[str, Dossier],
    as_user: Callable[[str], Client],
    world: World,
    query: str,
    first: str,
    last: str,
) -> None:
    page = html(as_user("leader").get(f"/dieu-hanh/?{query}"))
    report = build_report({"agency": world.justice.code}, first, last, now=now())
    assert numbers(cells(page, "Total")) == expected(report.figures)
    day = "/".join(reversed(first.split("-")))
    assert f"From {day} to" in page
    kind = re.search(r"period=(\w+)", query)
    checked = kind.group(1) if kind else "custom"
    assert re.search(rf'value="{checked}"[^>]*checked', page)


def test_february_is_counted_as_of_its_end(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    page = html(as_user("leader").get("/dieu-hanh/?period=custom&from=2026-02-01&to=2026-02-28"))
    # A and C received in February, both still open at its end, neither overdue yet.
    assert numbers(cells(page, "Total")) == [2, 0, 2, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0]
    assert "as of 00:00 01/03/2026" in page
    assert "The period is running" not in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=custom&to=2026-03-31", "from", "Give the first day of the period."),
        ("period=custom&from=2026-03-01", "to", "Give the last day of the period."),
        ("period=custom&from=2026-03-31&to=2026-03-01", "from", "The period starts after it ends."),
        ("period=custom&from=2020-01-01&to=2026-03-01", "to", "at most three years"),
        ("period=custom&from=31-03-2026&to=2026-03-31", "from", "Enter a valid date."),
        ("period=decade", "period", "Select a valid choice."),
    ],
)
def test_period_form_errors_are_shown_next_to_their_fields(
    history: dict[str, Dossier],
    as_user: Callable[[str], Client],
    query: str,
    field: str,
    message: str,
) -> None:
    response = as_user("leader").get(f"/dieu-hanh/?{query}")
    assert response.status_code == 200
    page = html(response)
    assert "Please correct the fields marked below." in page
    assert message in page
    if field == "period":
        assert 'aria-describedby="id_period_error"' in page
    else:
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', page) or re.search(
            rf'aria-invalid="true"[^>]*name="{field}"', page
        ), field
    assert 'data-testid="total-row"' not in page


def test_a_period_in_the_future_is_refused_by_the_report_service(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    page = html(as_user("leader").get("/dieu-hanh/?period=custom&from=2026-04-01&to=2026-04-30"))
    assert 'data-testid="total-row"' not in page
    assert 'role="alert"' in page


def test_a_leader_cannot_see_another_agency(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    client = as_user("leader")
    for path in (
        "/dieu-hanh/",
        "/dieu-hanh/qua-han/",
        "/dieu-hanh/diem-nghen/",
        "/dieu-hanh/chi-so/",
    ):
        for code in (world.building.code, "000.00.00.H99"):
            response = client.get(f"{path}?agency={code}")
            assert response.status_code == 403, (path, code)
            assert "Sở Xây dựng" not in html(response)
    # Only its own agency is offered: the selector is hidden.
    page = html(client.get("/dieu-hanh/"))
    assert 'type="hidden" name="agency" value="000.00.02.H99"' in page
    # The leader of construction sees construction only.
    page = html(as_user("builder_leader").get("/dieu-hanh/"))
    assert numbers(cells(page, "Total"))[0] == 2
    assert "000.00.02.H99-" not in page


def test_officials_without_a_dashboard_role_are_refused(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    for who in ("receiver", "specialist"):
        client = as_user(who)
        for path in ("/dieu-hanh/", "/dieu-hanh/ho-so/?figure=total", "/dieu-hanh/bao-cao/"):
            assert client.get(path).status_code == 403, (who, path)
    anonymous = Client()
    response = anonymous.get("/dieu-hanh/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_the_whole_flow_with_the_second_factor(history: dict[str, Dossier], world: World) -> None:
    from motcua.web.tests.conftest import english, log_in

    client = english()
    log_in(client, world.users["leader"])
    response = client.get("/dieu-hanh/")
    assert response.status_code == 200
    assert numbers(cells(html(response), "Total"))[0] == 6
