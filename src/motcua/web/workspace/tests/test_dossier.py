"""The dossier page: what an official of the agency reads there, its printed forms, and what
nobody else gets (404 for the page, every action and every form), CSRF, the stale page, htmx."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from motcua.catalog.models import DocumentRequirement
from motcua.core.localtime import local as to_local
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import perform
from motcua.dossiers.tests.test_printing import needs_pdf
from motcua.web.tests.test_security import _inline_problems

from ..actions import SPECS
from .conftest import World, html, local, take
from .helpers import act, buttons, events_of, version

pytestmark = pytest.mark.django_db
Login = Callable[[str], Client]


def at_specialist(world: World, when: str = "2026-03-10T08:00", **extra: object) -> str:
    """A dossier of Sở Tư pháp at its specialist step (Thẩm định), received at ``when``."""
    code = take(world, when, **extra)
    perform(code, "forward", world.actor("receiver"), {}, now=local(when).replace(hour=9))
    return code


def test_an_official_of_the_agency_reads_everything(world: World, as_official: Login) -> None:
    DocumentRequirement.objects.create(
        version=world.version, position=1, name="Tờ khai đăng ký", originals=1, copies=0
    )
    DocumentRequirement.objects.create(
        version=world.version, position=2, name="Giấy ủy quyền", copies=1, required=False
    )
    applicant = {"name": "Trần Thị Bình", "national_id": "082090009999", "phone": "0912345678"}
    code = at_specialist(world, applicant=applicant)
    dossier = Dossier.objects.get(code=code)
    step = dossier.current_step
    assert step is not None and step.due_at is not None
    page = html(as_official("specialist").get(f"/ho-so/{code}/"))
    # The applicant in full: the page is for those who work on the dossier (the public lookup
    # shows initials only, and the page links to it).
    assert "Trần Thị Bình" in page and "082090009999" in page and "0912345678" in page
    assert f'href="/tra-cuu/{code}/"' in page
    assert "Thủ tục thử nghiệm" in page and "Sở Tư pháp" in page and "Quầy 1" in page
    # The documents the procedure requires.
    assert '<th scope="row">Tờ khai đăng ký</th><td>1</td><td>0</td><td>Required</td>' in page
    assert '<th scope="row">Giấy ủy quyền</th><td>0</td><td>1</td><td>If any</td>' in page
    # Each step with its due time and timeliness: reception handed on within its 4 hours, the
    # specialist step is overdue by now (the dossier was received in March).
    sheet = page[page.index('id="steps-title"') : page.index('id="forms-title"')]
    assert "Tiếp nhận" in sheet and "Thẩm định" in sheet
    assert f"{to_local(step.due_at):%H:%M %d/%m/%Y}" in sheet
    assert '<span class="badge badge-good">On time</span>' in sheet
    assert '<span class="badge badge-bad">Overdue</span>' in sheet
    assert "In progress" in sheet
    # The events with their details.
    history = page[page.index('id="events-title"') :]
    assert "Receive" in history and "Received → In progress" in history
    assert "<dt>To step</dt><dd>XL</dd>" in history
    # The forms this dossier has, printed by the workspace itself.
    assert f'href="/ho-so/{code}/mau-01.pdf"' in page
    assert f'href="/ho-so/{code}/mau-06.pdf"' in page
    assert "mau-02.pdf" not in page and "mau-04.pdf" not in page
    assert "/api/" not in page[page.index('id="forms-title"') : page.index('id="events-title"')]
    assert buttons(page) == ["forward", "transfer", "request_supplement", "suspend", "comment"]
    assert _inline_problems(page) == []


def test_user_text_is_escaped(world: World, as_official: Login) -> None:
    code = at_specialist(world, subject="<b>đất</b>")
    client = as_official("specialist")
    act(client, code, "comment", {"note": "<script>alert(1)</script>\nDòng hai"})
    page = html(client.get(f"/ho-so/{code}/"))
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;đất&lt;/b&gt;" in page
    assert "<br>Dòng hai" in page


def test_other_agencies_get_404_for_the_page_every_action_and_form(
    world: World, as_official: Login
) -> None:
    code = at_specialist(world)
    before = version(code)
    for username in ("builder", "builder_leader", "tax"):
        client = as_official(username)
        assert client.get(f"/ho-so/{code}/").status_code == 404
        for action in SPECS:
            url = f"/ho-so/{code}/thao-tac/{action}/"
            assert client.get(url).status_code == 404, (username, action)
            response = act(client, code, action, {"note": "x", "reason": "x"}, expected=before)
            assert response.status_code == 404, (username, action)
            htmx = act(client, code, action, {"note": "x"}, expected=before, htmx=True)
            assert htmx.status_code == 404, (username, action)
        for form in ("01", "06"):
            assert client.get(f"/ho-so/{code}/mau-{form}.pdf").status_code == 404
        # The same answer as for a code that does not exist: nothing tells it exists.
        missing = client.get("/ho-so/000.00.02.H99-260310-9999/")
        assert missing.status_code == 404
    assert version(code) == before and events_of(code) == ["receive", "forward"]
    assert Client().get(f"/ho-so/{code}/").status_code == 302  # to the login


def test_an_inspector_reads_but_is_offered_nothing(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    client = as_official("inspector")
    page = html(client.get(f"/ho-so/{code}/"))
    assert buttons(page) == []
    assert "No action is open to you on this dossier now" in page
    response = act(client, code, "comment", {"note": "Ghi chú"})
    assert response.status_code == 403
    assert "Your roles do not allow" in html(response)
    assert events_of(code) == ["receive", "forward"]


def test_printed_forms_are_scoped_and_explained(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    client = as_official("leader")
    # A form the dossier does not have yet, and one that does not exist: pages, not 500.
    response = client.get(f"/ho-so/{code}/mau-04.pdf")
    assert response.status_code == 409 and "text/html" in response["Content-Type"]
    assert client.get(f"/ho-so/{code}/mau-09.pdf").status_code == 404
    assert client.get(f"/ho-so/{code}/mau-1.pdf").status_code == 404


@needs_pdf
def test_printed_forms_are_pdfs_not_kept_in_caches(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    response = as_official("specialist").get(f"/ho-so/{code}/mau-06.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    assert f'filename="mau-06-{code}.pdf"' in response["Content-Disposition"]


def test_posts_need_the_csrf_token(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    client = as_official("specialist")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    url = f"/ho-so/{code}/thao-tac/comment/"
    data = {"expected_version": version(code), "note": "Ghi chú"}
    assert strict.post(url, data).status_code == 403
    assert events_of(code) == ["receive", "forward"]
    form = html(strict.get(url))
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert strict.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert events_of(code) == ["receive", "forward", "comment"]


def test_a_stale_page_is_a_409_and_changes_nothing(world: World, as_official: Login) -> None:
    code = at_specialist(world)
    seen = version(code)
    specialist = as_official("specialist")
    perform(code, "comment", world.actor("leader"), {"note": "Đã xem"})  # someone else acts
    response = act(specialist, code, "suspend", {"reason": "Chờ xác minh"}, expected=seen)
    assert response.status_code == 409
    assert "The dossier has changed since you opened it" in html(response)
    assert f'href="/ho-so/{code}/">Reload the dossier</a>' in html(response)
    assert Dossier.objects.get(code=code).state == "in_progress"
    assert events_of(code) == ["receive", "forward", "comment"]
    # The button of the old page opens the form with the same warning and no form.
    opened = specialist.get(f"/ho-so/{code}/thao-tac/suspend/?v={seen}")
    assert opened.status_code == 409 and '<form method="post"' not in html(opened)
    # With htmx, the message in the panel (htmx swaps only successful answers).
    panel = act(specialist, code, "suspend", {"reason": "x"}, expected=seen, htmx=True)
    assert panel.status_code == 200 and "The dossier has changed" in html(panel)
    assert Dossier.objects.get(code=code).state == "in_progress"


def test_the_stale_page_message_is_vietnamese_by_default(world: World) -> None:
    from motcua.web.tests.conftest import log_in

    code = at_specialist(world)
    seen = version(code)
    client = Client()
    log_in(client, world.users["specialist"])
    perform(code, "comment", world.actor("leader"), {"note": "Đã xem"})
    response = act(client, code, "suspend", {"reason": "Chờ xác minh"}, expected=seen)
    assert response.status_code == 409
    assert "Hồ sơ đã thay đổi từ khi bạn mở" in html(response)


def test_action_forms_open_in_place_with_htmx_and_as_pages_without(
    world: World, as_official: Login
) -> None:
    code = at_specialist(world)
    client = as_official("specialist")
    url = f"/ho-so/{code}/thao-tac/suspend/?v={version(code)}"
    page = html(client.get(url))
    assert page.startswith("<!doctype html>") and 'aria-current="page">Suspend</span>' in page
    assert _inline_problems(page) == []
    panel = html(client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="action-panel"))
    assert "<html" not in panel and '<h2 id="action-title">Suspend</h2>' in panel
    assert f'hx-post="/ho-so/{code}/thao-tac/suspend/" hx-target="#action-panel"' in panel
    assert f'name="expected_version" value="{version(code)}"' in panel
    # The page's buttons point at these forms, both ways.
    dossier_page = html(client.get(f"/ho-so/{code}/"))
    assert f'href="{url}"' in dossier_page and f'hx-get="{url}" hx-target="#action-panel"' in (
        dossier_page
    )
    # Not offered now, or unknown: said so, never a 500.
    refused = client.get(f"/ho-so/{code}/thao-tac/approve/")
    assert refused.status_code == 409 and "is not available on this dossier now" in html(refused)
    assert client.get(f"/ho-so/{code}/thao-tac/fly/").status_code == 404
    assert client.put(f"/ho-so/{code}/thao-tac/suspend/").status_code == 405
