from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from motcua.agencies.codes import code_problem
from motcua.agencies.models import Agency, ReceptionPoint
from motcua.agencies.selectors import agency_subtree, ancestors, province_root
from motcua.agencies.services import (
    check_agency,
    save_agency,
    save_reception_point,
    upsert_agencies,
    upsert_reception_points,
)
from motcua.core.errors import ValidationFailed


def codes(agencies: Iterable[Agency]) -> set[str]:
    return {a.code for a in agencies}


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("000.00.00.H20", True),
        ("000.01.04.H20", True),
        ("2.000815.000.00.00.H55", False),  # a procedure code, not an agency code
        ("000.00.00.G14", True),
        ("000.00.00.h20", False),
        ("000.00.H20", False),
        ("000.00.00 .H20", False),
        ("", False),
    ],
)
def test_code_shape(code: str, ok: bool) -> None:
    assert (code_problem(code) is None) is ok


def test_paths_make_subtrees_one_prefix_match(tree: dict[str, Agency]) -> None:
    ubnd, land, registry = tree["ubnd"], tree["land"], tree["registry"]
    assert registry.path == f"/{ubnd.pk}/{land.pk}/{registry.pk}/"
    assert codes(agency_subtree(land)) == {"000.00.04.H99", "000.01.04.H99"}
    assert len(agency_subtree(ubnd)) == 7
    assert "000.00.00.H98" not in codes(agency_subtree(ubnd))
    assert [a.code for a in ancestors(registry)] == ["000.00.00.H99", "000.00.04.H99"]


def test_province_root_is_the_topmost_provincial_agency(
    tree: dict[str, Agency], agency: Callable[..., Agency]
) -> None:
    assert province_root(tree["commune_centre"]) == tree["ubnd"]
    assert province_root(tree["ubnd"]) == tree["ubnd"]
    # A provincial office of a ministry: the ministry is above it, but central.
    ministry = agency("000.00.00.G14", kind="ministry", level="central")
    office = agency("000.00.30.H99", kind="vertical", parent=ministry)
    assert province_root(office) == office


def test_moving_an_agency_moves_its_subtree(tree: dict[str, Agency]) -> None:
    land, registry, other = tree["land"], tree["registry"], tree["other_ubnd"]
    land.parent = other
    save_agency(land)
    registry.refresh_from_db()
    assert registry.path == f"/{other.pk}/{land.pk}/{registry.pk}/"
    assert "000.01.04.H99" in codes(agency_subtree(other))
    assert "000.01.04.H99" not in codes(agency_subtree(tree["ubnd"]))


def test_upsert_in_any_order_and_again(db: None) -> None:
    rows: list[dict[str, Any]] = [
        {"code": "001.51.00.H99", "name": "TT xã", "kind": "service_centre", "level": "commune",
         "parent": "001.50.00.H99"},
        {"code": "001.50.00.H99", "name": "UBND xã", "kind": "people_committee",
         "level": "commune", "parent": "000.00.00.H99"},
        {"code": "000.00.00.H99", "name": "UBND tỉnh", "kind": "people_committee",
         "level": "province", "parent": None},
    ]  # fmt: skip
    first = upsert_agencies(rows)
    assert sorted(first.created) == sorted(r["code"] for r in rows)
    centre = Agency.objects.get(code="001.51.00.H99")
    root = Agency.objects.get(code="000.00.00.H99")
    assert centre.path.startswith(root.path)
    assert centre.path.count("/") == 4
    again = upsert_agencies(rows)
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 3)


def test_upsert_reports_every_problem(db: None) -> None:
    rows = [
        {"code": "000.00.00.H99", "name": "A", "kind": "people_committee", "level": "province"},
        {"code": "000.00.00.H99", "name": "B", "kind": "palace", "level": "province"},
        {"code": "bad", "name": "", "kind": "department", "level": "galaxy", "colour": "red"},
    ]
    with pytest.raises(ValidationFailed) as exc:
        upsert_agencies(rows)
    fields = {e.field for e in exc.value.errors}
    assert fields == {
        "agencies[1].code",
        "agencies[1].kind",
        "agencies[2].code",
        "agencies[2].name",
        "agencies[2].level",
        "agencies[2].colour",
    }
    assert not Agency.objects.exists()


def test_save_agency_refuses_loops_and_duplicates(tree: dict[str, Agency]) -> None:
    land, registry = tree["land"], tree["registry"]
    land.parent = registry
    with pytest.raises(ValidationFailed) as exc:
        save_agency(land)
    assert [e.field for e in exc.value.errors] == ["parent"]
    copy = Agency(code=registry.code, name="Copy", kind="other", level="province")
    assert [e.field for e in check_agency(copy)] == ["code"]
    land.refresh_from_db()
    land.successor = land
    assert [e.field for e in check_agency(land)] == ["successor"]


def test_reception_points_belong_to_service_centres(tree: dict[str, Agency]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        upsert_reception_points(
            [
                {"agency": tree["justice"].code, "code": "Q1", "name": "Quầy"},
                {"agency": "999.00.00.H99", "code": "Q1", "name": "Quầy"},
                {"agency": tree["centre"].code, "code": "Q5", "name": "Quầy 5"},
                {"agency": tree["centre"].code, "code": "Q5", "name": "Quầy 5 bis"},
                {"agency": tree["centre"].code, "code": "", "name": "", "floor": 2},
            ]
        )
    fields = sorted(e.field for e in exc.value.errors)
    assert fields == [
        "reception_points[0].agency",
        "reception_points[1].agency",
        "reception_points[3].code",
        "reception_points[4].code",
        "reception_points[4].floor",
        "reception_points[4].name",
    ]
    assert not ReceptionPoint.objects.filter(code="Q5").exists()


def test_reception_points_upsert_and_save(tree: dict[str, Agency]) -> None:
    centre = tree["centre"]
    result = upsert_reception_points(
        [{"agency": centre.code, "code": "Q1", "name": "Quầy 1 – Hộ tịch", "address": "Số 1"}]
    )
    assert result.updated == [f"{centre.code}/Q1"]
    point = ReceptionPoint.objects.get(agency=centre, code="Q1")
    assert (point.name, point.address) == ("Quầy 1 – Hộ tịch", "Số 1")
    point.code = "Q2"  # already taken at this centre
    with pytest.raises(ValidationFailed) as exc:
        save_reception_point(point)
    assert [e.field for e in exc.value.errors] == ["code"]
    moved = ReceptionPoint(agency=tree["justice"], code="Q1", name="Quầy")
    with pytest.raises(ValidationFailed):
        save_reception_point(moved)
