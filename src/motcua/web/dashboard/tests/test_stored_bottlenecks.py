"""The dashboard's bottlenecks of a large scope: computed by the background worker, stored,
shown with the instant they are as of, and asked for again when stale — never computed on the
page (a province's year reads millions of steps)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
import time_machine
from django.test import Client
from django_tasks_db.models import DBTaskResult

from motcua.dossiers.models import Dossier
from motcua.stats import stored_bottlenecks
from motcua.stats.bottlenecks import bottlenecks
from motcua.stats.models import BottleneckResult
from motcua.stats.scope import Period

from .conftest import html, local, now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("at_now")]

MARCH = Period(local("2026-03-01T00:00").date(), local("2026-03-31T00:00").date())
TASK = "motcua.stats.stored_bottlenecks.compute_bottlenecks"


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scope counts as large."""
    monkeypatch.setattr(stored_bottlenecks, "INLINE_DOSSIERS", -1)


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[[], Any]:
    """Run the on-commit callbacks (the enqueue) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def section(client: Client) -> str:
    response = client.get("/dieu-hanh/diem-nghen/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return html(response)


def first_row(page: str) -> str:
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", rows[0]))).strip()


def work() -> None:
    """What ``motcua worker`` does with the queued computations."""
    for queued in DBTaskResult.objects.filter(task_path=TASK, status="READY"):
        stored_bottlenecks.compute_bottlenecks.call(*queued.args_kwargs["args"])
        queued.delete()


@pytest.mark.usefixtures("large")
def test_a_large_scope_is_computed_in_the_background_then_shown(
    history: dict[str, Dossier], as_user: Callable[[str], Client], commits: Callable[[], Any]
) -> None:
    client = as_user("inspector")
    with commits():
        page = section(client)
    assert "being computed in the background" in page
    assert 'hx-trigger="load delay:5s"' in page  # the section asks again by itself
    assert "<table" not in page
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
    # Asked again before the worker ran: still one computation on its way.
    with commits():
        section(client)
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1

    work()
    page = section(client)
    expected = bottlenecks(MARCH, now())
    assert "being computed" not in page and "hx-trigger" not in page
    row = first_row(page)
    assert row.startswith("Thẩm định Thủ tục thử nghiệm (1.000001)")
    first = expected.steps[0]
    assert f"Sở Tư pháp {first.stats.handled} " in row and row.endswith(f" {first.stats.caused}")
    assert (
        f"Steps ended in the period, as of 10:00 20/03/2026: {expected.steps_handled}; "
        f"dossiers late: {expected.late_dossiers}."
    ) in page


@pytest.mark.usefixtures("large")
def test_a_stale_result_is_shown_while_a_new_one_is_computed(
    history: dict[str, Dossier], as_user: Callable[[str], Client], commits: Callable[[], Any]
) -> None:
    client = as_user("inspector")
    with commits():
        section(client)
    work()
    later = now() + stored_bottlenecks.FRESH + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        with commits():
            page = section(client)
        assert "These figures are as of 10:00 20/03/2026; newer ones are being computed" in page
        assert "<table" in page and 'hx-trigger="load delay:5s"' in page
        assert DBTaskResult.objects.filter(task_path=TASK, status="READY").count() == 1
        work()
        page = section(client)
        assert "newer ones" not in page
        assert "as of 10:16 20/03/2026" in page


@pytest.mark.usefixtures("large")
def test_a_lost_request_is_made_again(
    history: dict[str, Dossier], as_user: Callable[[str], Client], commits: Callable[[], Any]
) -> None:
    client = as_user("inspector")
    with commits():
        section(client)
    DBTaskResult.objects.all().delete()  # the worker died with it
    with time_machine.travel(now() + stored_bottlenecks.RETRY, tick=False), commits():
        section(client)
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
    assert BottleneckResult.objects.get().requested_at == now() + stored_bottlenecks.RETRY


def test_a_small_scope_is_computed_on_the_page(
    history: dict[str, Dossier], as_user: Callable[[str], Client]
) -> None:
    page = section(as_user("inspector"))
    assert "<table" in page and "being computed" not in page
    assert not BottleneckResult.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_the_stored_result_reads_back_equal(history: dict[str, Dossier]) -> None:
    from motcua.agencies.models import Agency

    province = Agency.objects.get(code="000.00.00.H99")
    row = BottleneckResult.objects.create(agency=province, first=MARCH.first, last=MARCH.last)
    stored_bottlenecks.compute_bottlenecks.call(row.pk)
    row.refresh_from_db()
    expected = bottlenecks(MARCH, now())
    assert row.data["step_count"] == len(expected.steps)
    back = stored_bottlenecks.from_row(row)
    assert back.as_dict() == expected.as_dict(limit=stored_bottlenecks.STORED_ROWS)
    assert back.steps[0].stats == expected.steps[0].stats
