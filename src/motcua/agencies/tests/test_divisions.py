from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.agencies.models import Division, DivisionKind
from motcua.agencies.services import (
    decode_csv,
    import_divisions_csv,
    load_provinces,
    parse_divisions_csv,
    save_division,
)
from motcua.agencies.services.divisions import data_text
from motcua.core.errors import ValidationFailed

HEADER = "code,name,kind,parent_code,valid_from,valid_to"


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


def test_the_34_provinces_after_the_2025_reform(db: None) -> None:
    result = load_provinces()
    assert len(result.created) == 34
    provinces = Division.objects.filter(parent=None)
    assert provinces.count() == 34
    cities = set(provinces.filter(kind=DivisionKind.CITY).values_list("code", flat=True))
    assert cities == {"01", "31", "46", "48", "79", "92"}
    assert Division.objects.get(code="82").name == "Tỉnh Đồng Tháp"
    assert Division.objects.get(code="46").name == "Thành phố Huế"
    assert {d.valid_from.isoformat() for d in provinces if d.valid_from} == {"2025-07-01"}
    assert "202/2025/QH15" in data_text("provinces.csv")


def test_loading_the_provinces_twice_changes_nothing(db: None) -> None:
    load_provinces()
    again = load_provinces()
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 34)


def test_import_creates_then_updates_by_code(provinces: None) -> None:
    first = import_divisions_csv(
        f"# a comment\n{HEADER}\n82001,Phường An Bình,ward,82,2025-07-01,\n"
        "82021,Xã An Hòa,commune,82,,\n"
    )
    assert first.created == ["82001", "82021"]
    second = import_divisions_csv(
        "code,name,kind,parent_code\n82001,Phường An Bình Mới,ward,82\n82021,Xã An Hòa,commune,82\n"
    )
    assert second.updated == ["82001"]
    ward = Division.objects.get(code="82001")
    assert ward.name == "Phường An Bình Mới"
    assert ward.valid_from is None  # a column left out is cleared, as the file says
    assert ward.parent is not None
    assert ward.parent.code == "82"
    assert ward.search_text == "82001 phuong an binh moi"


def test_every_line_error_is_reported_with_its_line_number(provinces: None) -> None:
    text = "\n".join(
        [
            "# Danh mục đơn vị hành chính",  # line 1
            HEADER,  # line 2
            "82001,Phường An Bình,ward,82,2025-07-01,",  # 3: fine
            "82002,Phường X,village,82,,",  # 4: unknown kind
            "8203,Xã Y,commune,82,,",  # 5: wrong code shape
            "82001,Phường Z,ward,82,,",  # 6: duplicate code
            "82004,Xã W,commune,99,,",  # 7: missing province
            "82005,Xã V,commune,82,2025-13-01,",  # 8: bad date
            "82006,,commune,82,2025-07-01,2025-01-01",  # 9: no name; valid_to before from
            "",  # 10: blank lines are skipped
            "82007,Xã U,commune,,,",  # 11: no parent
            "83,Tỉnh T,province,82,,",  # 12: a province has no parent
            "82008,Xã S,commune,82,,,extra",  # 13: too many values
        ]
    )
    with pytest.raises(ValidationFailed) as exc:
        import_divisions_csv(text)
    errors = fields_of(exc)
    assert set(errors) == {
        "line 4: kind",
        "line 5: code",
        "line 6: code",
        "line 7: parent_code",
        "line 8: valid_from",
        "line 9: name",
        "line 9: valid_to",
        "line 11: parent_code",
        "line 12: parent_code",
        "line 13: values",
    }
    assert "line 3" in errors["line 6: code"]
    assert "village" in errors["line 4: kind"]
    assert "5 digits" in errors["line 5: code"]
    assert "'99'" in errors["line 7: parent_code"]
    # The CLI prints each error as "line N: column: reason".
    assert "\nline 4: kind: " in str(exc.value)
    assert not Division.objects.filter(code="82001").exists()  # all or nothing


def test_header_problems(db: None) -> None:
    with pytest.raises(ValidationFailed) as exc:
        import_divisions_csv("# only a comment\ncode,name,type\n01,Hà Nội,city\n")
    errors = [(e.field, e.message) for e in exc.value.errors]
    assert ("line 2: header", "Missing column 'kind'.") in errors
    assert any("Unknown column 'type'" in m for f, m in errors if f == "line 2: header")
    with pytest.raises(ValidationFailed) as exc:
        import_divisions_csv("# nothing\n\n")
    assert fields_of(exc) == {"line 1: header": "The file is empty."}
    with pytest.raises(ValidationFailed) as exc:
        import_divisions_csv(HEADER + "\n")
    assert list(fields_of(exc)) == ["line 1: header"]


def test_a_parent_must_be_a_province_or_district(provinces: None) -> None:
    import_divisions_csv(f"{HEADER}\n82001,Phường An Bình,ward,82,,\n")
    with pytest.raises(ValidationFailed) as exc:
        import_divisions_csv(f"{HEADER}\n82002,Xã B,commune,82001,,\n")
    assert "is a ward" in fields_of(exc)["line 2: parent_code"]


def test_parents_may_come_in_the_same_file_in_any_order(db: None) -> None:
    """History before 2025: a district and its communes, the district listed last."""
    result = import_divisions_csv(
        f"{HEADER}\n28225,Xã Bình Xuân,commune,815,,2025-06-30\n"
        "815,Thành phố Gò Công,district,82,,2025-06-30\n82,Tỉnh Đồng Tháp,province,,,\n"
    )
    assert sorted(result.created) == ["28225", "815", "82"]
    commune = Division.objects.get(code="28225")
    assert commune.parent is not None
    assert commune.parent.code == "815"
    assert commune.level == "commune"
    assert commune.parent.level == "district"


def test_decoding_reports_the_line_of_bad_bytes() -> None:
    assert decode_csv("\ufeffcode\n".encode()) == "code\n"
    with pytest.raises(ValidationFailed) as exc:
        decode_csv(b"code,name\n01,H\xe0 N\xf4i\n")
    assert list(fields_of(exc)) == ["line 2: file"]


def test_the_sample_communes_file(provinces: None) -> None:
    text = data_text("sample_dong_thap_communes.csv")
    assert "SAMPLE DATA" in text
    assert "NOT" in text
    result = import_divisions_csv(text)
    assert len(result.created) == 102
    wards = Division.objects.filter(parent__code="82", kind=DivisionKind.WARD)
    communes = Division.objects.filter(parent__code="82", kind=DivisionKind.COMMUNE)
    assert (wards.count(), communes.count()) == (20, 82)
    expected = {
        "82001": "Phường An Bình",
        "82012": "Phường Mỹ Tho",
        "82020": "Phường Trung An",
        "82021": "Xã An Hòa",
        "82046": "Xã Lấp Vò",
        "82102": "Xã Vĩnh Kim",
    }
    assert dict(Division.objects.filter(code__in=expected).values_list("code", "name")) == expected


def test_save_division_validates(provinces: None) -> None:
    province = Division.objects.get(code="82")
    with pytest.raises(ValidationFailed) as exc:
        save_division(Division(code="8201", name="Xã A", kind="commune", parent=province))
    assert "code" in fields_of(exc)
    with pytest.raises(ValidationFailed) as exc:
        save_division(Division(code="82001", name="Xã A", kind="commune"))
    assert "parent" in fields_of(exc)
    saved = save_division(Division(code="82001", name=" Xã Đông ", kind="commune", parent=province))
    assert (saved.name, saved.search_text) == ("Xã Đông", "82001 xa dong")


_names = (
    st.text(
        alphabet=st.characters(categories=["L"], include_characters=" "), min_size=1, max_size=30
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=30, deadline=None)
@given(
    names=st.lists(_names, min_size=1, max_size=15),
    bad_at=st.integers(min_value=0, max_value=14),
    comments=st.integers(min_value=0, max_value=3),
)
def test_one_bad_line_is_found_wherever_it_is(names: list[str], bad_at: int, comments: int) -> None:
    """Parsing alone (no database): exactly the broken line is reported, by its number."""
    lines = ["# comment"] * comments + [HEADER]
    for i, name in enumerate(names):
        kind = "commune" if i != bad_at else "hamlet"
        quoted = '"' + name.replace('"', '""') + '"'
        lines.append(f"82{i + 1:03d},{quoted},{kind},82,,")
    rows, errors = parse_divisions_csv("\n".join(lines))
    if bad_at < len(names):
        assert [e.field for e in errors] == [f"line {comments + 2 + bad_at}: kind"]
    else:
        assert errors == []
        assert [r.name for r in rows] == names
