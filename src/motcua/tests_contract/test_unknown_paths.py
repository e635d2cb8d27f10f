"""Every answer under /api/ is in the API's language, problem details — unknown paths too."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/dossiers/x/y/z/w", "/api/v2/anything"])
def test_unknown_api_paths_are_problem_details(db: object, path: str) -> None:
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["type"].endswith("/not-found")
