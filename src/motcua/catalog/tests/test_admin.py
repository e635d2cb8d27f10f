"""The catalogue admin: read-mostly pages, folded search, and actions through the services."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.identity.models import User

from .conftest import current_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser("quantri", "quantri@example.org", "x-secret-1")
    client.force_login(user)
    return client


def test_changelists_search_without_accents(admin_client, loaded_sample):
    url = reverse("admin:catalog_procedureversion_changelist")
    response = admin_client.get(url, {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
    url = reverse("admin:catalog_procedure_changelist")
    response = admin_client.get(url, {"q": "chứng thực chữ ký"})
    assert response.context["cl"].result_count == 1
    assert admin_client.get(reverse("admin:catalog_field_changelist")).status_code == 200


def test_a_published_version_is_read_only(admin_client, loaded_sample):
    version = current_version("1.001193")
    url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "name" not in form.fields  # every field is shown read-only


def test_new_draft_publish_and_retire_actions(admin_client, loaded_sample):
    procedure = Procedure.objects.get(code="1.001193")
    url = reverse("admin:catalog_procedure_changelist")
    admin_client.post(url, {"action": "new_draft", "_selected_action": [procedure.pk]})
    draft = ProcedureVersion.objects.get(procedure=procedure, version=2)
    assert draft.status == "draft"
    # A second draft is refused with a message, not an error page.
    response = admin_client.post(
        url, {"action": "new_draft", "_selected_action": [procedure.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ProcedureVersion.objects.filter(procedure=procedure).count() == 2
    # The draft is editable, with its workflow inline.
    change = reverse("admin:catalog_procedureversion_change", args=[draft.pk])
    assert "name" in admin_client.get(change).context["adminform"].form.fields

    url = reverse("admin:catalog_procedureversion_changelist")
    admin_client.post(url, {"action": "publish_selected", "_selected_action": [draft.pk]})
    procedure.refresh_from_db()
    assert procedure.current_id == draft.pk
    admin_client.post(url, {"action": "retire_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "retired"


def test_the_draft_form_reports_service_problems(admin_client, loaded_sample):
    version = current_version("1.001193")
    version.pk, version.version, version.status = None, 9, "draft"
    version.save()
    model_admin = site._registry[ProcedureVersion]
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="quantri")
    form_class = model_admin.get_form(request, version)
    data = {
        "name": "Tên",
        "field": version.field_id,
        "levels": '["galaxy"]',
        "agency_scope": "level",
        "target_groups": '["citizen"]',
        "processing_value": "0",
        "processing_unit": "working_days",
        "supplement_policy": "pause",
        "supplement_limit_days": 15,
        "online_level": "full",
    }
    form = form_class(data=data, instance=version)
    assert not form.is_valid()
    assert "levels" in form.errors
    assert "processing_value" in form.errors
