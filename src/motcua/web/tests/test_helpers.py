"""Template helpers (money, counts, rates, the sanitiser) and the error safety net."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.errors import Conflict, FieldError, ValidationFailed
from motcua.web.middleware import DomainErrorMiddleware, policy_for
from motcua.web.templatetags.web import percent, sanitize, vn_int, vnd


def test_money_and_counts_are_grouped_the_vietnamese_way() -> None:
    assert vnd(1_500_000) == "1.500.000 đ"
    assert vnd(0) == "0 đ"
    assert vn_int(11694) == "11.694"
    assert vn_int(None) == "" and vnd("x") == ""


def test_rates_follow_the_language_and_none_is_a_dash() -> None:
    with translation.override("vi"):
        assert percent(Decimal("57.69")) == "57,69 %"
    with translation.override("en"):
        assert percent(Decimal("99.5")) == "99.50 %"
    assert percent(None) == "—"


@given(
    st.decimals(min_value=0, max_value=100, places=4)
    # Floats as a rate is computed (floatformat prints tiny ones like 1e-281 unchanged).
    | st.floats(0, 100, allow_nan=False).map(lambda value: round(value, 4))
)
def test_rates_read_as_floatformat_would_write_them(value: Decimal | float) -> None:
    """The rate formatter is a fast ``floatformat(value, 2)``: the same text, rounding
    included."""
    for language in ("vi", "en"):
        with translation.override(language):
            assert percent(value) == f"{floatformat(value, 2)} %"


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script><p>ok</p>",
        '<p onclick="steal()">ok</p>',
        '<a href="javascript:alert(1)">ok</a>',
        '<iframe src="https://bet365.example"></iframe><p>ok</p>',
        '<p style="position:fixed">ok</p><style>body{display:none}</style>',
        "<img src=x onerror=alert(1)><p>ok</p>",
    ],
)
def test_sanitize_keeps_text_and_drops_what_runs_or_restyles(dirty: str) -> None:
    clean = str(sanitize(dirty))
    assert "ok" in clean
    for bad in ("<script", "onclick", "javascript:", "<iframe", "style", "onerror", "<img"):
        assert bad not in clean


def test_sanitize_marks_links_as_untrusted() -> None:
    clean = str(sanitize('<a href="https://dichvucong.gov.vn">Cổng DVC</a>'))
    assert 'rel="noopener noreferrer nofollow"' in clean and "Cổng DVC" in clean


def test_policy_is_relaxed_only_for_admin_and_api_docs() -> None:
    assert "unsafe-inline" in policy_for("/admin/agencies/")
    assert "unsafe-inline" in policy_for("/api/v1/docs")
    for path in ("/", "/api/v1/procedures", "/administration/", "/thu-tuc/admin/"):
        assert "unsafe-inline" not in policy_for(path)


@pytest.mark.django_db
def test_domain_errors_escaping_a_view_become_pages() -> None:
    middleware = DomainErrorMiddleware(lambda request: None)  # type: ignore[return-value]
    request = RequestFactory().get("/ho-so/X/")
    with translation.override("en"):
        response = middleware.process_exception(
            request, Conflict("The dossier changed since you opened it: reload the page.")
        )
        assert response is not None and response.status_code == 409
        assert "The dossier changed since you opened it" in response.content.decode()
        response = middleware.process_exception(
            request, ValidationFailed("Invalid.", [FieldError("reason", "Required.")])
        )
        assert response is not None and response.status_code == 422
        assert "reason: Required." in response.content.decode()
    api_request = RequestFactory().get("/api/v1/dossiers/X")
    assert middleware.process_exception(api_request, Conflict("x")) is None
    assert middleware.process_exception(request, ValueError("x")) is None
