"""The sample province (docs: prompts' sample_province.md): exact codes, idempotent loading."""

from __future__ import annotations

import json

from motcua.agencies.models import Agency, Division, ReceptionPoint, RoleAssignment
from motcua.agencies.selectors import official_scope
from motcua.agencies.services import SampleProvince, load_sample_province
from motcua.agencies.services.divisions import data_text
from motcua.identity.models import User

DEPARTMENTS = {f"000.00.{n:02d}.H20" for n in range(2, 12)}


def test_exact_codes_of_the_sample_province(sample: SampleProvince) -> None:
    codes = set(Agency.objects.values_list("code", flat=True))
    communes = {f"{i:03d}.{k}.00.H20" for i in range(1, 103) for k in (50, 51)}
    provincial = {"000.00.00.H20", "000.00.01.H20", "000.01.04.H20"} | DEPARTMENTS
    vertical = {"000.00.30.H20", "000.00.31.H20", "000.00.32.H20"}
    assert codes == provincial | vertical | communes
    assert len(codes) == 220


def test_sample_tree_and_divisions(sample: SampleProvince) -> None:
    def get(code: str) -> Agency:
        return Agency.objects.select_related("parent", "division").get(code=code)

    assert get("000.00.00.H20").parent is None
    assert get("000.00.01.H20").kind == "service_centre"
    assert get("000.01.04.H20").parent == get("000.00.04.H20")
    assert get("000.00.32.H20").parent is None
    assert get("000.00.31.H20").parent == get("000.00.00.H20")
    my_tho = get("012.50.00.H20")
    assert my_tho.name == "Ủy ban nhân dân phường Mỹ Tho"
    assert my_tho.division == Division.objects.get(code="82012", name="Phường Mỹ Tho")
    assert my_tho.parent == get("000.00.00.H20")
    assert my_tho.level == "commune"
    centre = get("012.51.00.H20")
    assert (centre.parent, centre.kind) == (my_tho, "service_centre")
    vinh_kim = get("102.50.00.H20")
    assert vinh_kim.short_name == "UBND Xã Vĩnh Kim"
    assert vinh_kim.division is not None
    assert vinh_kim.division.code == "82102"


def test_every_service_centre_has_a_desk(sample: SampleProvince) -> None:
    centres = Agency.objects.filter(kind="service_centre")
    assert centres.count() == 103
    for centre in centres:
        assert centre.reception_points.filter(is_active=True).exists(), centre.code
    provincial = ReceptionPoint.objects.filter(agency__code="000.00.01.H20")
    assert provincial.count() >= 5
    assert provincial.filter(name="Quầy 1 – Tư pháp, hộ tịch").exists()


def test_sample_files_say_they_are_sample_data() -> None:
    for name in ("sample_agencies.json", "sample_reception_points.json", "sample_officials.json"):
        assert "SAMPLE DATA" in json.loads(data_text(name))["note"]
    assert data_text("sample_dong_thap_communes.csv").startswith("# SAMPLE DATA")


def test_demo_officials_one_per_role(sample: SampleProvince) -> None:
    roles = {(login.username, login.role, login.agency_code) for login in sample.logins}
    assert roles == {
        ("tinh.tiepnhan", "receiver", "000.00.01.H20"),
        ("tuphap.chuyenvien", "specialist", "000.00.02.H20"),
        ("tuphap.lanhdao", "leader", "000.00.02.H20"),
        ("tuphap.quantri", "agency_admin", "000.00.02.H20"),
        ("tinh.quantri", "province_admin", "000.00.00.H20"),
        ("tinh.thanhtra", "inspector", "000.00.00.H20"),
        ("mytho.tiepnhan", "receiver", "012.51.00.H20"),
        ("mytho.chuyenvien", "specialist", "012.50.00.H20"),
        ("mytho.lanhdao", "leader", "012.50.00.H20"),
    }
    user = User.objects.get(username="mytho.tiepnhan")
    assert user.check_password("demo-test-Passw0rd")
    scope = official_scope(user)
    assert scope.agency_ids() == {Agency.objects.get(code="012.51.00.H20").pk}
    assert len(scope.reception_point_ids) == 1
    province_admin = official_scope(User.objects.get(username="tinh.quantri"))
    assert len(province_admin.agency_ids()) == 219  # all but social insurance (no parent)
    assert User.objects.get(username="tinh.quantri").is_staff


def test_loading_twice_reuses_everything(sample: SampleProvince) -> None:
    counts = (
        Division.objects.count(),
        Agency.objects.count(),
        ReceptionPoint.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
    )
    assert counts == (34 + 102, 220, 110, 9, 9)
    paths = dict(Agency.objects.values_list("code", "path"))
    again = load_sample_province(password="another-Passw0rd-x")
    assert (again.divisions.created, again.agencies.created, again.reception_points.created) == (
        [],
        [],
        [],
    )
    assert (again.agencies.updated, again.officials_created) == ([], [])
    assert len(again.agencies.unchanged) == 220
    assert dict(Agency.objects.values_list("code", "path")) == paths
    assert counts == (
        Division.objects.count(),
        Agency.objects.count(),
        ReceptionPoint.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
    )
    # Without reset_passwords an existing account keeps its password.
    assert User.objects.get(username="tinh.quantri").check_password("demo-test-Passw0rd")
    load_sample_province(password="another-Passw0rd-x", reset_passwords=True)
    assert User.objects.get(username="tinh.quantri").check_password("another-Passw0rd-x")
