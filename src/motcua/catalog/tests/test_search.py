"""Accent-insensitive search, filters, ranking and pagination — the same on SQLite and
PostgreSQL (run this file with DATABASE_URL pointing at each)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.catalog.selectors import catalogue_statistics, list_fields, search_procedures
from motcua.catalog.services import import_catalog
from motcua.core.errors import ValidationFailed
from motcua.core.text import fold

from .conftest import procedure

pytestmark = pytest.mark.django_db


def codes(q: str | None = None, **filters: Any) -> list[str]:
    filters.setdefault("page_size", 100)
    return [item["code"] for item in search_procedures(q, **filters).items]


def test_dang_ky_khai_sinh_finds_dang_ky_khai_sinh(loaded_sample):
    found = codes("dang ky khai sinh")
    assert found[0] == "1.001193"
    assert set(found) == {"1.001193", "1.000689", "1.004884"}
    assert codes("Đăng ký khai sinh") == found
    assert codes("ĐĂNG KÝ   KHAI SINH") == found
    assert codes("đăng") == codes("dang") == codes("DANG")


def test_every_word_must_match(loaded_sample):
    assert codes("khai sinh ket hon") == []
    assert set(codes("chung thuc ban sao")) == {"2.000815", "2.000942", "H20.CT.02"}
    assert codes("ly lich tu phap") == ["2.000488"]


def test_code_and_field_match_too_but_after_name_matches(loaded_sample):
    assert codes("1.001193") == ["1.001193"]
    # Code-only matches keep the name order: "chung thuc ban sao…" before "chung thuc hop dong…".
    assert codes("h20.ct") == ["H20.CT.02", "H20.CT.01"]
    found = codes("ho tich")
    in_name = {"1.004859", "2.000635"}  # "hộ tịch" in the name; the others by their field
    assert set(found[: len(in_name)]) == in_name
    assert len(found) == 10


def test_results_are_in_folded_name_order_on_every_database(loaded_sample):
    items = search_procedures(field="HKD", page_size=100).items
    expected = sorted(items, key=lambda i: (fold(i["name"]), i["code"]))
    assert [i["code"] for i in items] == [i["code"] for i in expected]
    # With a query, name matches first, each group in the same order.
    items = search_procedures("dang ky", page_size=100).items
    assert [i["code"] for i in items] == [
        i["code"] for i in sorted(items, key=lambda i: (fold(i["name"]), i["code"]))
    ]


def test_filters(loaded_sample):
    assert set(codes(field="CT")) == {
        "2.000815", "2.000884", "H20.CT.01", "2.001019", "2.000942", "H20.CT.02", "2.000927"
    }  # fmt: skip
    province = set(codes(level="province"))
    assert province == {"2.001610", "H20.DD.01", "2.000488", "H20.ATTP.01", "H20.THUE.01"}
    assert "2.000815" not in set(codes(online_level="full"))
    assert "1.001193" in set(codes(online_level="full", field="HT"))
    # A listed agency implements its procedures; a commune agency those of its level.
    assert codes(agency="000.00.31.H20") == ["2.000488"]
    commune = set(codes(agency="001.50.00.H20"))
    assert "1.001193" in commune
    assert not commune & province
    assert codes("khai sinh", level="province") == []


def test_drafts_are_left_out_unless_asked_for(loaded_sample):
    import_catalog({"procedures": [procedure(workflow=[])]})
    assert "9.000001" not in codes()
    assert codes(status="draft") == ["9.000001"]
    assert "9.000001" in codes(status=None)


def test_pagination(loaded_sample):
    total = search_procedures(page_size=100).count
    assert total == len(loaded_sample["procedures"])
    seen: list[str] = []
    for page in range(1, 8):
        result = search_procedures(page=page, page_size=5)
        assert result.count == total
        seen += [i["code"] for i in result.items]
    assert len(seen) == total == len(set(seen))
    assert search_procedures(page=99, page_size=5).items == []


def test_bad_filters_are_validation_errors(loaded_sample):
    with pytest.raises(ValidationFailed) as info:
        search_procedures(
            level="planet",
            online_level="maybe",
            status="lost",
            page=0,
            page_size=500,
            field="NOPE",
            agency="000.00.99.H20",
        )
    assert {e.field for e in info.value.errors} == {
        "level",
        "online_level",
        "status",
        "page",
        "page_size",
        "field",
        "agency",
    }


def test_a_summary_item(loaded_sample):
    (item,) = search_procedures("1.001193").items
    assert item == {
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "field": {"code": "HT", "name": "Hộ tịch"},
        "levels": ["commune"],
        "status": "published",
        "version": 1,
        "online_level": "full",
        "postal": True,
        "processing_time": {"value": 1, "unit": "working_days"},
        "sample": True,
    }


def _strip(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_words_of_a_name_find_it_however_they_are_typed(loaded_sample, data):
    row = data.draw(st.sampled_from(loaded_sample["procedures"]))
    words = [w for w in row["name"].replace(",", " ").split() if w]
    chosen = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=4))
    typed = []
    for word in chosen:
        variant = data.draw(
            st.sampled_from([word, _strip(word), word.upper(), _strip(word).upper()])
        )
        typed.append(variant)
    found = codes(" ".join(typed), status=None)
    assert row["code"] in found


def test_fields_and_statistics(loaded_sample):
    fields = {f["code"]: f for f in list_fields()}
    assert fields["HT"] == {"code": "HT", "name": "Hộ tịch", "procedures": 10}
    assert fields["CT"]["procedures"] == 7
    stats = catalogue_statistics()
    rows = loaded_sample["procedures"]
    assert stats["total"] == len(rows)
    by_level = {r["level"]: r for r in stats["by_level"]}
    assert by_level["province"] == {"level": "province", "procedures": 5, "fields": 5}
    assert by_level["commune"]["procedures"] == len(rows) - 5
    assert by_level["commune"]["fields"] == 6
    assert by_level["district"]["procedures"] == 0
    online = stats["online"]
    full = sum(r["online_level"] == "full" for r in rows)
    partial = sum(r["online_level"] == "partial" for r in rows)
    assert (online["full"], online["partial"]) == (full, partial)
    assert online["full"] + online["partial"] + online["none"] == len(rows)
    assert online["online_share"] == round(100 * (full + partial) / len(rows), 2)
    ht = next(f for f in stats["by_field"] if f["code"] == "HT")
    assert ht["procedures"] == 10
    assert ht["by_level"]["commune"] == 10


def test_statistics_of_an_empty_catalogue_have_null_shares(db):
    stats = catalogue_statistics()
    assert stats["total"] == 0
    assert stats["online"]["online_share"] is None
