"""The dashboard's other pages: the drill-down behind each figure, the overdue list, the
bottlenecks, the service index (full pages and the htmx sections), the reports page and the
downloads — each against the statistics service it shows, and scoped."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from motcua.dossiers.models import Dossier
from motcua.stats.bottlenecks import bottlenecks
from motcua.stats.scope import Period

from .conftest import World, html, local, now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

MARCH = "from=2026-03-01&to=2026-03-31"


def codes(page: str) -> list[str]:
    """Dossier codes in the order the page's table lists them."""
    return re.findall(r'class="code"[^>]*>([^<]+)</a>', page) or re.findall(
        r'<a href="[^"]*" class="code">([^<]+)</a>', page
    )


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ("carried_over", ["A", "C"]),
        ("received.online", ["D"]),
        ("received.counter", ["E", "F", "G"]),
        ("resolved", ["A", "D", "E"]),
        ("resolved.early", ["D"]),
        ("resolved.late", ["E"]),
        ("in_progress.overdue", ["C", "G"]),
        ("in_progress.paused", ["F"]),
        ("total", ["A", "C", "D", "E", "F", "G"]),
    ],
)
def test_the_drill_down_lists_the_dossiers_of_the_figure(
    history: dict[str, Dossier],
    as_user: Callable[[str], Client],
    world: World,
    figure: str,
    expected: list[str],
) -> None:
    response = as_user("leader").get(
        f"/dieu-hanh/ho-so/?figure={figure}&{MARCH}&agency={world.justice.code}"
    )
    assert response.status_code == 200
    page = html(response)
    assert codes(page) == [history[key].code for key in expected]
    # Never the applicant's data.
    assert "Nguyễn Văn An" not in page and "082090001234" not in page


def test_the_drill_down_of_the_province_and_its_own_row(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    client = as_user("inspector")
    page = html(client.get(f"/dieu-hanh/ho-so/?figure=resolved.early&{MARCH}&agency=000.00.00.H99"))
    assert sorted(codes(page)) == sorted([history["D"].code, history["P"].code])
    # The province's People's Committee resolves nothing itself.
    page = html(client.get(f"/dieu-hanh/ho-so/?figure=total&{MARCH}&agency=000.00.00.H99&own=1"))
    assert codes(page) == []
    assert "0 dossiers" in page


def test_the_drill_down_is_scoped_and_checks_its_arguments(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    client = as_user("leader")
    refused = client.get(f"/dieu-hanh/ho-so/?figure=total&{MARCH}&agency={world.building.code}")
    assert refused.status_code == 403
    assert history["N"].code not in html(refused)
    bad = client.get(f"/dieu-hanh/ho-so/?figure=everything&{MARCH}")
    assert bad.status_code == 422
    assert "One of:" in html(bad)
    bad = client.get("/dieu-hanh/ho-so/?figure=total&from=2026-03-31&to=2026-03-01")
    assert bad.status_code == 422
    # The as-of instant of a link made at 10:00 keeps the list equal to the figure.
    page = html(
        client.get(
            f"/dieu-hanh/ho-so/?figure=in_progress.overdue&{MARCH}"
            "&as_of=2026-03-16T08:00:00%2B07:00"
        )
    )
    assert codes(page) == [history["C"].code]


def test_the_overdue_list_most_overdue_first(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    page = html(as_user("leader").get("/dieu-hanh/qua-han/"))
    assert codes(page) == [history["C"].code, history["G"].code]
    assert "2 dossiers open past their due time at 10:00 20/03/2026" in page
    assert "08:00 05/03/2026" in page
    # Working hours on the agency's calendar (8 a day): C from Thu 5 Mar 08:00, G from Tue 17.
    assert "90 working hours overdue" in page and "26 working hours overdue" in page
    # On the dashboard too, with its count; and not the paused F nor the resolved E.
    page = html(as_user("leader").get("/dieu-hanh/"))
    assert 'Overdue dossiers <span class="count">(2)</span>' in page
    assert history["F"].code not in page.split('id="h-overdue"')[1].split("</section>")[0]
    # Construction has nothing overdue.
    page = html(as_user("builder_leader").get("/dieu-hanh/qua-han/"))
    assert codes(page) == []
    assert "No dossier is overdue." in page


def test_the_bottlenecks_are_those_of_the_service(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    page = html(as_user("inspector").get("/dieu-hanh/diem-nghen/"))
    result = bottlenecks(
        Period(local("2026-03-01T00:00").date(), local("2026-03-31T00:00").date()), now()
    )
    assert result.steps, "the history ends steps in March"
    first = result.steps[0]
    assert first.step.name == "Thẩm định" and first.agency.name == "Sở Tư pháp"
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.S)
    text = [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", row))).strip() for row in rows]
    assert text[0].startswith("Thẩm định Thủ tục thử nghiệm (1.000001)")
    assert f"Sở Tư pháp {first.stats.handled} " in text[0]
    assert text[0].endswith(f" {first.stats.caused}")
    assert (
        f"Steps ended in the period, as of 10:00 20/03/2026: {result.steps_handled}; "
        f"dossiers late: {result.late_dossiers}."
    ) in page


def test_a_leader_sees_the_bottlenecks_of_its_agency_only(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    page = html(as_user("builder_leader").get("/dieu-hanh/diem-nghen/"))
    section = page.split('id="h-bottlenecks"')[1]
    assert "Sở Xây dựng" in section and "Sở Tư pháp" not in section
    # The centre's reception of construction's own dossiers (N and P) belongs to its chain;
    # the receptions of justice's dossiers do not.
    centre = re.search(r"<th scope=\"row\">Trung tâm PVHCC tỉnh</th>\s*<td>(\d+)</td>", section)
    assert centre and centre.group(1) == "2"


def test_the_service_index_section(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    from motcua.agencies.models import Agency
    from motcua.stats.index import service_index

    page = html(as_user("inspector").get("/dieu-hanh/chi-so/"))
    index = service_index("2026-03", Agency.objects.get(code="000.00.00.H99"), now=now())
    total = re.search(r'data-testid="index-total"><strong>([\d.,]+)</strong>', page)
    assert total and total.group(1) == f"{index.result.score:.2f}"
    assert "Period 2026-03, as of 10:00 20/03/2026." in page
    assert "Ranking of the agencies below" in page
    # Custom dates have no index.
    page = html(as_user("inspector").get(f"/dieu-hanh/chi-so/?period=custom&{MARCH}"))
    assert "The service index is computed for a month, a quarter or a year" in page


def test_sections_are_fetched_by_htmx_without_the_page_around_them(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    client = as_user("leader")
    page = html(client.get("/dieu-hanh/"))
    for name, path in (("bottlenecks", "/dieu-hanh/diem-nghen/"), ("index", "/dieu-hanh/chi-so/")):
        link = re.search(rf'hx-get="({path}[^"]*)"', page)
        assert link, name
        response = client.get(unescape(link.group(1)), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        section = html(response)
        assert section.lstrip().startswith("<section") and "<html" not in section


def test_the_reports_page_and_its_downloads(
    history: dict[str, Dossier], as_user: Callable[[str], Client], world: World
) -> None:
    client = as_user("leader")
    page = html(client.get(f"/dieu-hanh/bao-cao/?{MARCH}&breakdown=channel"))
    assert 'data-testid="total-row"' in page
    downloads = dict(
        re.findall(r'href="(/api/v1/reports/period\.(xlsx|pdf)\?[^"]+)"', page)[i][::-1]
        for i in range(2)
    )
    response = client.get(unescape(downloads["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Sở Tư pháp" in " ".join(str(v) for v in values if v)
    # The dashboard offers the same downloads for its period; the PDF is form II.06a too.
    page = html(client.get("/dieu-hanh/"))
    pdf = re.search(r'href="(/api/v1/reports/period\.pdf\?[^"]+)"', page)
    assert pdf and f"agency={world.justice.code}" in pdf.group(1)
    response = client.get(unescape(pdf.group(1)))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # Another agency's report is refused by the API as by the page.
    refused = client.get(f"/api/v1/reports/period.xlsx?{MARCH}&agency={world.building.code}")
    assert refused.status_code == 403
    refused = client.get(f"/dieu-hanh/bao-cao/?{MARCH}&agency={world.building.code}")
    assert refused.status_code == 403
