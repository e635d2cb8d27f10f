"""The queues: what each official finds there (the API's scope), filters, sorting, paging, the
traffic lights at their boundaries, htmx and the no-script form, and the cost of a page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.core.localtime import start_of_local_day
from motcua.dossiers.models import Dossier

from .conftest import NOW, World, html, local, take
from .helpers import codes_in, row_of

pytestmark = pytest.mark.django_db
Login = Callable[[str], Client]


@pytest.fixture
def at_now() -> Iterator[None]:
    with time_machine.travel(local(NOW), tick=False):
        yield


def page_of(client: Client, query: str = "", **headers: str) -> str:
    response = client.get(f"/ho-so/{query}", **headers)
    assert response.status_code == 200, response.content
    return html(response)


def test_login_is_required(world: World) -> None:
    response = Client().get("/ho-so/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")


def test_specialist_work_is_its_own_steps_first_then_the_unassigned(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    q = queue_world
    page = page_of(as_official("specialist"))
    assert 'aria-current="page">My work</a>' in page  # the default queue of one who acts
    assert codes_in(page) == [q["mine"], q["free"], q["paused"]]
    assert "Assigned to you" in row_of(page, q["mine"])
    assert "Unassigned" in row_of(page, q["free"])
    other = page_of(as_official("specialist2"))
    assert codes_in(other) == [q["taken"], q["free"], q["paused"]]
    assert "My agency&#x27;s queue" not in page  # not a leader


def test_leader_has_its_decisions_and_the_agency_queue(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    q = queue_world
    client = as_official("leader")
    assert codes_in(page_of(client)) == [q["decision"]]
    agency = codes_in(page_of(client, "?queue=agency"))
    # Open dossiers Sở Tư pháp resolves, whoever holds the step; not the other department's,
    # not the result ready (closed for the agency) nor the one still awaiting reception.
    assert sorted(agency) == sorted(
        [q["mine"], q["free"], q["taken"], q["decision"], q["paused"], q["reception"]]
    )
    ready = codes_in(page_of(client, "?queue=agency&state=result_ready"))
    assert ready == [q["ready"]]


def test_receiver_works_at_its_desk_steps(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    q = queue_world
    client = as_official("receiver")
    assert codes_in(page_of(client)) == [q["reception"], q["ready"]]
    assert sorted(codes_in(page_of(client, "?queue=all"))) == sorted(q.values())


def test_queues_are_scoped_to_the_agency(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    q = queue_world
    assert codes_in(page_of(as_official("builder"))) == [q["building"]]
    client = as_official("builder_leader")
    assert codes_in(page_of(client, "?queue=agency")) == [q["building"]]
    assert codes_in(page_of(client, "?queue=all")) == [q["building"]]
    # A search for another agency's dossier by its code finds nothing.
    assert codes_in(page_of(client, f"?queue=all&q={q['decision']}")) == []
    assert codes_in(page_of(as_official("tax"), "?queue=all")) == []


def test_inspector_only_searches_everything_it_oversees(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    client = as_official("inspector")
    page = page_of(client, "?queue=mine")  # a queue it does not have: the search instead
    assert 'aria-current="page">Search all dossiers</a>' in page
    assert "My work" not in page
    assert sorted(codes_in(page)) == sorted(queue_world.values())


def test_filters_by_due_state_state_channel_and_procedure(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    q = queue_world
    client = as_official("leader")
    base = "?queue=agency"
    assert codes_in(page_of(client, base + "&due=overdue")) == [q["mine"]]
    assert codes_in(page_of(client, base + "&due=due_today")) == [q["free"]]
    assert codes_in(page_of(client, base + "&due=paused")) == [q["paused"]]
    within = codes_in(page_of(client, base + "&due=within"))
    assert sorted(within) == sorted([q["taken"], q["decision"], q["reception"]])
    inspector = as_official("inspector")
    assert codes_in(page_of(inspector, "?queue=all&channel=online")) == [q["online"]]
    assert codes_in(page_of(inspector, "?queue=all&state=submitted")) == [q["online"]]
    assert len(codes_in(page_of(inspector, "?queue=all&procedure=1.000001"))) == len(q)
    assert codes_in(page_of(inspector, "?queue=all&procedure=1.000002")) == []


def test_filters_by_dates_and_text(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    q = queue_world
    client = as_official("inspector")
    found = codes_in(page_of(client, "?queue=all&received_from=2026-03-11&received_to=2026-03-11"))
    assert sorted(found) == sorted([q["taken"], q["building"]])  # online: not received yet
    # The applicant's name without accents, in any case; a part of a code.
    assert codes_in(page_of(client, "?queue=all&q=tran+thi+BINH")) == [q["reception"]]
    assert codes_in(page_of(client, "?queue=all&q=le+van")) == [q["mine"]]
    assert codes_in(page_of(client, f"?queue=all&q={q['ready'][-15:]}")) == [q["ready"]]


def test_bad_filters_are_explained_not_500(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    client = as_official("inspector")
    page = page_of(client, "?queue=all&procedure=9.999999")
    assert "No such code: &#x27;9.999999&#x27;." in page
    page = page_of(client, "?queue=all&received_from=2026-03-12&received_to=2026-03-01")
    assert "The end of the period is before its start." in page
    page = page_of(client, "?queue=all&received_from=0001-01-01&page=abc&state=lost")
    assert "The year must be between 1900 and 2200." in page
    assert "Enter a whole number." in page
    assert "Select a valid choice." in page
    assert codes_in(page) == []


def test_sorting_and_paging(world: World, as_official: Login, at_now: None) -> None:
    codes = [take(world, f"2026-03-{day:02d}T08:00") for day in (2, 3, 4, 5, 6, 9, 10)]
    for i in range(3):
        codes.append(take(world, "2026-03-11T08:00", subject=f"thêm {i}"))
    codes += [take(world, "2026-03-12T08:00") for _ in range(15)]
    client = as_official("inspector")
    first = codes_in(page_of(client, "?queue=all"))
    assert first[:5] == codes[:5]  # due soonest first by default
    assert len(first) == 20
    assert "Page 1 of 2" in page_of(client, "?queue=all")
    second = page_of(client, "?queue=all&page=2")
    assert codes_in(second) == codes[20:]
    assert 'href="?queue=all&amp;page=1"' in second  # the link back keeps the queue
    newest = codes_in(page_of(client, "?queue=all&ordering=-received_at"))
    assert set(newest[:15]) == set(codes[-15:])
    # Received at the same instant: in the order they were created.
    assert newest[15:20] == [*codes[7:10], codes[6], codes[5]]
    past_the_end = page_of(client, "?queue=all&page=9")
    assert codes_in(past_the_end) == [] and "No dossier here." in past_the_end


def test_htmx_gets_only_the_table_and_the_form_works_without_it(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    client = as_official("leader")
    partial = page_of(
        client, "?queue=agency&due=overdue", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results"
    )
    assert "<html" not in partial and "<form" not in partial
    assert codes_in(partial) == [queue_world["mine"]]
    full = page_of(client, "?queue=agency&due=overdue")
    assert full.startswith("<!doctype html>")
    # The plain form: GET to the same address, the queue kept in a hidden field.
    assert '<form action="/ho-so/" method="get" role="search"' in full
    assert '<input type="hidden" name="queue" value="agency">' in full
    assert 'hx-get="/ho-so/" hx-target="#queue-results" hx-push-url="true"' in full


def test_a_queue_page_is_one_query_and_one_count(
    world: World, as_official: Login, at_now: None
) -> None:
    client = as_official("leader")

    def dossier_queries(count: int) -> tuple[int, int]:
        for _ in range(count):
            take(world, "2026-03-11T08:00")
        with CaptureQueriesContext(connection) as queries:
            page = page_of(client, "?queue=agency")
        assert len(codes_in(page)) == min(20, Dossier.objects.count())
        on_dossiers = [q for q in queries if '"dossiers_dossier"' in q["sql"]]
        return len(on_dossiers), len(queries)

    few, total_few = dossier_queries(2)
    many, total_many = dossier_queries(20)
    assert few == many == 2
    assert total_few == total_many  # nothing per row


def test_traffic_lights_at_their_boundaries(world: World, as_official: Login) -> None:
    code = take(world, "2026-03-10T10:00")
    due = Dossier.objects.get(code=code).due_at
    assert due is not None
    client = as_official("inspector")
    day_start = start_of_local_day(due.astimezone(local("2026-01-01T00:00").tzinfo).date())

    def light(moment: object, due_filter: str) -> tuple[str, list[str]]:
        with time_machine.travel(moment, tick=False):
            row = row_of(page_of(client, f"?queue=all&q={code}"), code)
            listed = codes_in(page_of(client, f"?queue=all&due={due_filter}"))
        return row, listed

    row, listed = light(day_start - timedelta(seconds=1), "within")
    assert "Within the time limit" in row and listed == [code]
    row, listed = light(day_start, "due_today")
    assert "Due today" in row and listed == [code]
    row, listed = light(due, "due_today")
    assert "Due today" in row and "0 working hours left" in row and listed == [code]
    row, listed = light(due + timedelta(seconds=1), "overdue")
    assert "Overdue" in row and "overdue" in row and listed == [code]


def test_rows_show_the_columns_with_words(
    queue_world: dict[str, str], as_official: Login, at_now: None
) -> None:
    q = queue_world
    page = page_of(as_official("leader"), "?queue=agency")
    overdue = row_of(page, q["mine"])
    assert "Thủ tục thử nghiệm" in overdue and "1.000001" in overdue
    assert "Lê Văn Cường" in overdue and "Thẩm định" in overdue and "Sở Tư pháp" in overdue
    assert "08:00 05/03/2026" in overdue  # received, local time
    assert '<span class="badge badge-bad">Overdue</span>' in overdue
    assert "working hours overdue" in overdue
    paused = row_of(page, q["paused"])
    assert '<span class="badge badge-neutral">Clock stopped</span>' in paused
    assert "working hours left when the clock stopped" in paused


def test_a_transferred_dossier_is_in_the_queues_of_the_agency_it_went_to(
    world: World, as_official: Login
) -> None:
    from motcua.agencies.models import RoleAssignment
    from motcua.dossiers.services import perform

    from .test_dossier import at_specialist

    code = at_specialist(world)
    tax_leader = world.users["builder_leader"]  # also a leader at the tax office, for this test
    RoleAssignment.objects.create(official=tax_leader, agency=world.tax, role="leader")
    specialist, tax = world.actor("specialist"), as_official("tax")
    leader = as_official("builder_leader")
    assert code not in codes_in(page_of(tax))
    assert code not in codes_in(page_of(leader, "?queue=agency"))
    perform(code, "transfer", specialist, {"agency": world.tax.code, "hours": 8})
    # The open step is at the tax office: its specialist's work, its leader's agency queue —
    # though the tax office does not resolve the dossier.
    assert code in codes_in(page_of(tax))
    assert code in codes_in(page_of(leader, "?queue=agency"))
    assert code in codes_in(page_of(leader, "?queue=agency&state=in_progress"))
    assert code not in codes_in(page_of(leader, "?queue=agency&state=received"))
    perform(code, "return_from_transfer", world.actor("tax"), {})
    assert code not in codes_in(page_of(tax))
    assert code not in codes_in(page_of(leader, "?queue=agency"))
    # The justice department's leader had it all along: it resolves the dossier.
    assert code in codes_in(page_of(as_official("leader"), "?queue=agency"))
