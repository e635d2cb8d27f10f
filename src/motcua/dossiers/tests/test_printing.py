"""Printed forms (Mẫu 01–07): dossiers built through the engine, PDFs read back with pdftotext,
the Excel register with openpyxl, and the two endpoints through the test client.

PDF tests need pango (WeasyPrint) and poppler-utils (pdftotext); they are skipped, saying so,
where either is missing. Availability rules, wording and the register in Excel run anywhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from motcua.agencies.models import Agency, Division
from motcua.catalog.models import DocumentRequirement
from motcua.core.errors import Conflict, NotFound
from motcua.dossiers.models import Dossier, DossierStep
from motcua.dossiers.printing import (
    FORMS,
    PdfUnavailable,
    form_html,
    lookup_url,
    render_form,
    render_register,
)
from motcua.dossiers.printing import wording as vi
from motcua.dossiers.printing.pdf import FONTS_DIR, allowed_resource
from motcua.dossiers.services import intake, perform

from .conftest import World, local

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://dichvucong.example.gov.vn"
NOW = local("2026-03-20T08:00")


def _pdf_problem() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return "WeasyPrint cannot load pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
    if shutil.which("pdftotext") is None:
        return "pdftotext is missing: apt-get install poppler-utils"
    return None


needs_pdf = pytest.mark.skipif(_pdf_problem() is not None, reason=_pdf_problem() or "")


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are asserted in English (msgids); the forms are Vietnamese in any language."""
    with translation.override("en"):
        yield


def text_of(pdf: bytes, tmp_path: Path, *, layout: bool = False) -> str:
    """The text of a PDF, NFC, white space collapsed to single spaces."""
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", out))


@pytest.fixture
def people(world: World, settings: Any) -> World:
    """Vietnamese names on the officials (they are printed), documents on the procedure."""
    settings.PUBLIC_URL = PUBLIC_URL
    for username, name in [
        ("receiver", "Trần Thị Bình"),
        ("specialist", "Lê Văn Cường"),
        ("leader", "Phạm Minh Đức"),
        ("tax", "Hoàng Thu Hà"),
    ]:
        user = world.users[username]  # the instance the world's actors are built on
        user.full_name = name
        user.save(update_fields=["full_name"])
    for position, (name, originals, copies, required) in enumerate(
        [("Tờ khai theo mẫu", 1, 0, True), ("Bản sao giấy tờ tùy thân", 0, 1, False)], 1
    ):
        DocumentRequirement.objects.create(
            version=world.version,
            position=position,
            name=name,
            originals=originals,
            copies=copies,
            required=required,
        )
    return world


def receive(world: World, when: str, **extra: Any) -> Dossier:
    data = world.counter_data(**extra)
    data["applicant"].update(address="Số 5 đường Lê Lợi, phường An Bình", email="an@example.vn")
    dossier, _ = intake("receive", world.actor("receiver"), data, now=local(when))
    return dossier


def act(world: World, dossier: Dossier, action: str, who: str, when: str, **data: Any) -> Dossier:
    return perform(dossier.code, action, world.actor(who), data, now=local(when))


# Mẫu 01 ---------------------------------------------------------------------------------------


@needs_pdf
def test_receipt_has_agency_motto_applicant_appointment_receiver_and_lookup(
    people: World, tmp_path: Path
) -> None:
    root = Agency.objects.get(code="000.00.00.H99")
    root.division = Division.objects.create(code="99", name="Tỉnh Thử Nghiệm", kind="province")
    root.save()
    d = receive(people, "2026-03-10T10:00", submitter_name="Nguyễn Thị Mai")
    text = text_of(render_form(d, "01", now=NOW), tmp_path)
    for expected in [
        "UBND TỈNH THỬ NGHIỆM",
        "TRUNG TÂM PVHCC TỈNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        # The place is the province of the centre's parent, without "Tỉnh".
        "Thử Nghiệm, ngày 10 tháng 3 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {d.code}",
        "Ông/Bà: Nguyễn Văn An",
        "Số 5 đường Lê Lợi, phường An Bình",
        "Người nộp hồ sơ: Nguyễn Thị Mai",
        "Thủ tục thử nghiệm (mã thủ tục 1.000001)",
        "Tờ khai theo mẫu (bản chính: 1; bản sao: 0)",
        "Bản sao giấy tờ tùy thân (bản chính: 0; bản sao: 1) — nếu có",
        "4 ngày làm việc",
        "Thời gian nhận hồ sơ: 10 giờ 00 phút, ngày 10 tháng 3 năm 2026",
        # 32 working hours from Tue 10 March 10:00 → Mon 16 March 10:00.
        "Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 16 tháng 3 năm 2026",
        "Quầy 1, Trung tâm PVHCC tỉnh",
        f"{PUBLIC_URL}/tra-cuu/{d.code}",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Trần Thị Bình",
        "Trang 1/1",
    ]:
        assert expected in text, expected


@needs_pdf
@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="decoding the QR code needs zbarimg (zbar-tools) and pdftoppm (poppler-utils)",
)
@pytest.mark.parametrize("form", ["01", "04"])
def test_qr_code_decodes_to_the_public_lookup(people: World, tmp_path: Path, form: str) -> None:
    d = receive(people, "2026-03-10T10:00")
    act(people, d, "forward", "receiver", "2026-03-10T14:00")
    act(
        people,
        d,
        "apologise",
        "leader",
        "2026-03-16T09:00",
        reason="Chờ xác minh",
        new_appointment="2026-03-20T10:00:00+07:00",
    )
    (tmp_path / "f.pdf").write_bytes(render_form(d, form, now=NOW))
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", "f.pdf", "f"], cwd=tmp_path, check=True
    )
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", "f.png"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == lookup_url(d.code) == f"{PUBLIC_URL}/tra-cuu/{d.code}"


# Mẫu 02 ---------------------------------------------------------------------------------------


@needs_pdf
def test_completion_request_at_the_counter_lists_every_item(people: World, tmp_path: Path) -> None:
    items = ["Tờ khai có chữ ký của người yêu cầu", "Bản sao Căn cước", "Giấy ủy quyền"]
    data = {**people.counter_data(), "items": items, "note": "Hồ sơ chưa đủ thành phần"}
    d, _ = intake(
        "request_completion", people.actor("receiver"), data, now=local("2026-03-10T09:15")
    )
    text = text_of(render_form(d, "02", now=NOW), tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Kính gửi: Ông/Bà Nguyễn Văn An" in text
    assert "TRUNG TÂM PVHCC TỈNH" in text and "Ngày 10 tháng 3 năm 2026" in text
    for number, item in enumerate(items, 1):
        assert f"{number}. {item}" in text
    assert "Lý do: Hồ sơ chưa đủ thành phần" in text
    assert "Hồ sơ sẽ được tiếp nhận khi đã bổ sung" in text
    assert "NGƯỜI HƯỚNG DẪN" in text and "Trần Thị Bình" in text
    # Not received: no receipt, no control sheet.
    for form in ("01", "06"):
        with pytest.raises(Conflict, match=f"Form {form}"):
            form_html(d, form, now=NOW)


@needs_pdf
def test_supplement_request_prints_the_latest_request(people: World, tmp_path: Path) -> None:
    d = receive(people, "2026-03-10T10:00")
    act(people, d, "forward", "receiver", "2026-03-10T14:00")
    act(people, d, "request_supplement", "specialist", "2026-03-11T10:00", items=["Bản cũ"])
    act(people, d, "supplement", "receiver", "2026-03-12T10:00")
    second = ["Bản chính Giấy chứng nhận", "Sơ đồ thửa đất có xác nhận"]
    act(
        people,
        d,
        "request_supplement",
        "specialist",
        "2026-03-13T09:00",
        items=second,
        reason="Thông tin chưa khớp",
    )
    text = text_of(render_form(d, "02", now=NOW), tmp_path)
    assert "SỞ TƯ PHÁP" in text and "Ngày 13 tháng 3 năm 2026" in text
    assert "yêu cầu lần thứ 2" in text
    assert "Lúc 10 giờ 00 phút, ngày 10 tháng 3 năm 2026, Trung tâm PVHCC tỉnh" in text
    assert all(f"{n}. {item}" in text for n, item in enumerate(second, 1))
    assert "Bản cũ" not in text
    assert "Lý do: Thông tin chưa khớp" in text
    assert "không tính vào thời hạn giải quyết" in text
    # The default limit of 15 working days from Fri 13 March: Fri 3 April.
    assert "ngày 03 tháng 4 năm 2026" in text
    assert "Lê Văn Cường" in text


# Mẫu 03 ---------------------------------------------------------------------------------------


@needs_pdf
def test_refusal_at_reception_and_after_processing(people: World, tmp_path: Path) -> None:
    data = {**people.counter_data(), "reason": "Thủ tục không thuộc thẩm quyền của tỉnh"}
    rejected, _ = intake(
        "reject_at_reception", people.actor("receiver"), data, now=local("2026-03-10T08:30")
    )
    text = text_of(render_form(rejected, "03", now=NOW), tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text
    assert "Trung tâm PVHCC tỉnh thông báo không tiếp nhận hồ sơ" in text
    assert "Thủ tục không thuộc thẩm quyền của tỉnh" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Trần Thị Bình" in text

    d = receive(people, "2026-03-10T10:00")
    act(people, d, "forward", "receiver", "2026-03-10T14:00")
    act(people, d, "forward", "specialist", "2026-03-11T14:00")
    act(people, d, "refuse", "leader", "2026-03-12T09:00", reason="Không đủ điều kiện cấp")
    text = text_of(render_form(d, "03", now=NOW), tmp_path)
    assert "SỞ TƯ PHÁP" in text and "Ngày 12 tháng 3 năm 2026" in text
    assert "Sở Tư pháp thông báo không giải quyết hồ sơ" in text
    assert "Không đủ điều kiện cấp" in text
    assert "LÃNH ĐẠO CƠ QUAN" in text and "Phạm Minh Đức" in text


# Mẫu 04 and 05 --------------------------------------------------------------------------------


@needs_pdf
def test_apology_gives_reason_due_time_and_the_new_appointment(
    people: World, tmp_path: Path
) -> None:
    d = receive(people, "2026-03-10T10:00")
    act(people, d, "forward", "receiver", "2026-03-10T14:00")
    act(
        people,
        d,
        "apologise",
        "leader",
        "2026-03-16T09:00",
        reason="Chờ kết quả xác minh của cơ quan khác",
        new_appointment="2026-03-20T10:00:00+07:00",
    )
    text = text_of(render_form(d, "04", now=NOW), tmp_path)
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "SỞ TƯ PHÁP" in text and "Ngày 16 tháng 3 năm 2026" in text
    assert "Thời gian hẹn trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 16 tháng 3" in text
    assert "Chờ kết quả xác minh của cơ quan khác" in text
    assert "hẹn lại thời gian trả kết quả vào: 10 giờ 00 phút, ngày 20 tháng 3 năm 2026" in text
    assert "Phạm Minh Đức" in text
    assert f"{PUBLIC_URL}/tra-cuu/{d.code}" in text


@needs_pdf
def test_suspension_notice_with_reason_remaining_time_and_resumption(
    people: World, tmp_path: Path
) -> None:
    d = receive(people, "2026-03-10T10:00")
    act(people, d, "forward", "receiver", "2026-03-10T14:00")
    d = act(
        people,
        d,
        "suspend",
        "specialist",
        "2026-03-11T10:00",
        reason="Chờ người nộp hoàn thành nghĩa vụ tài chính",
    )
    text = text_of(render_form(d, "05", now=NOW), tmp_path)
    assert "THÔNG BÁO TẠM DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "tạm dừng giải quyết hồ sơ kể từ 10 giờ 00 phút, ngày 11 tháng 3 năm 2026" in text
    assert "Chờ người nộp hoàn thành nghĩa vụ tài chính" in text
    # 8 of the 32 working hours ran (Tue 10:00–17:00 less lunch, Wed 07:30–10:00).
    assert "Thời gian giải quyết còn lại: 24 giờ làm việc" in text
    assert "Lê Văn Cường" in text
    d = act(people, d, "resume", "specialist", "2026-03-13T08:00")
    text = text_of(render_form(d, "05", now=NOW), tmp_path)
    assert "tiếp tục giải quyết từ 08 giờ 00 phút, ngày 13 tháng 3 năm 2026" in text
    assert "còn lại" not in text


# Mẫu 06 ---------------------------------------------------------------------------------------


@needs_pdf
def test_control_sheet_has_every_hand_over_with_its_timeliness(
    people: World, tmp_path: Path
) -> None:
    w = people
    land = {"procedure": w.land_version.procedure.code}
    d = receive(w, "2026-03-10T10:00", **land)
    act(w, d, "forward", "receiver", "2026-03-10T16:00")  # TN: 4 h → due 15:30, late
    act(w, d, "assign", "leader", "2026-03-11T08:00", assignee="specialist")
    act(w, d, "forward", "specialist", "2026-03-11T09:00", agency=w.tax.code, assignee="tax")
    act(w, d, "forward", "tax", "2026-03-12T10:00")  # THUE → PD
    act(w, d, "approve", "leader", "2026-03-12T11:00")
    d = act(
        w,
        d,
        "return_result",
        "receiver",
        "2026-03-13T08:00",
        method="counter",
        recipient="Nguyễn Văn An",
    )
    text = text_of(render_form(d, "06", now=NOW), tmp_path)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert d.code in text and "Đăng ký biến động đất đai" in text
    steps = list(DossierStep.objects.filter(dossier=d).order_by("position"))
    assert [s.code for s in steps] == ["TN", "XL", "THUE", "PD", "TKQ"]
    table = text.split("Giao tiếp lúc", 1)[1]
    words = re.findall(r"Trước hạn|Đúng hạn|Quá hạn|Đang giải quyết", table)
    assert words == [vi.TIMELINESS[s.timeliness] for s in steps]
    assert words[0] == "Quá hạn"
    for step in steps:
        for moment in (step.started_at, step.due_at, step.ended_at):
            assert vi.short_text(moment) in table
        assert step.name in table and step.agency.name in table
    for official in ["Trần Thị Bình", "Lê Văn Cường", "Hoàng Thu Hà", "Phạm Minh Đức"]:
        assert official in table
    assert "Thuế tỉnh" in table and "(liên thông)" in table
    assert "Trả kết quả cho tổ chức, cá nhân" in table
    assert "08 giờ 00 phút, ngày 13 tháng 3 năm 2026" in table


@needs_pdf
def test_control_sheet_of_an_open_dossier_says_where_it_stands(
    people: World, tmp_path: Path
) -> None:
    d = receive(people, "2026-03-10T10:00")
    act(people, d, "forward", "receiver", "2026-03-10T14:00")
    # XL (16 h from Tue 14:00) was due Thu 12 March 14:00: overdue when printed on the 20th.
    text = text_of(render_form(d, "06", now=NOW), tmp_path)
    table = text.split("Giao tiếp lúc", 1)[1]
    assert re.findall(r"Đúng hạn|Quá hạn \(đang giải quyết\)|Đang giải quyết", table) == [
        "Đúng hạn",
        "Quá hạn (đang giải quyết)",
    ]
    early = text_of(render_form(d, "06", now=local("2026-03-11T08:00")), tmp_path)
    assert early.split("Giao tiếp lúc", 1)[1].count("Đang giải quyết") == 1


# Availability, escaping, resources (no PDF needed) -------------------------------------------


def test_a_form_is_refused_when_the_dossier_has_none(people: World) -> None:
    d = receive(people, "2026-03-10T10:00")
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in form_html(d, "01", now=NOW).upper()
    assert "PHIẾU KIỂM SOÁT" in form_html(d, "06", now=NOW).upper()
    for form, why in [
        ("02", "completion or supplement request"),
        ("03", "rejected at reception or refused"),
        ("04", "after an apology"),
        ("05", "after a suspension"),
    ]:
        with pytest.raises(Conflict, match=f"Form {form} .*{why}"):
            form_html(d, form, now=NOW)
    for form in ("07", "00", "1", "01.pdf", ""):
        with pytest.raises(NotFound, match="forms 01 to 06"):
            form_html(d, form, now=NOW)
    assert sorted(FORMS) == ["01", "02", "03", "04", "05", "06"]


def test_applicant_text_is_printed_never_interpreted(people: World) -> None:
    name = '<img src="file:///etc/passwd"> Nguyễn & Co'
    d = receive(people, "2026-03-10T10:00", applicant={"name": name, "kind": "organisation"})
    html = form_html(d, "01", now=NOW)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt; Nguyễn &amp; Co" in html
    assert '<img src="file:///etc/passwd">' not in html
    assert "Tổ chức: <b>&lt;img" in html


def test_forms_load_only_the_bundled_fonts_and_data_uris() -> None:
    fonts = sorted(p.name for p in FONTS_DIR.glob("*.ttf"))
    assert fonts == ["DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans.ttf"]
    assert allowed_resource((FONTS_DIR / "DejaVuSans.ttf").as_uri())
    assert allowed_resource("data:image/svg+xml;charset=utf-8,%3Csvg%3E")
    for url in [
        "file:///etc/passwd",
        (FONTS_DIR / ".." / ".." / ".." / ".." / "settings.py").as_uri(),
        (FONTS_DIR / "missing.ttf").as_uri(),
        "http://169.254.169.254/latest/meta-data/",
        "https://fonts.example.com/DejaVuSans.ttf",
        "file://otherhost" + str(FONTS_DIR / "DejaVuSans.ttf"),
    ]:
        assert not allowed_resource(url), url


def test_without_pango_a_pdf_is_refused_with_what_to_install(
    people: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = receive(people, "2026-03-10T10:00")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint → ImportError
    with pytest.raises(PdfUnavailable, match="apt-get install libpango") as raised:
        render_form(d, "01", now=NOW)
    assert raised.value.status == 503
    # The Excel register needs no pango.
    xlsx = render_register(people.centre, date(2026, 3, 1), date(2026, 3, 31), "xlsx", now=NOW)
    assert load_workbook(BytesIO(xlsx)).active.max_row == 7


# Wording ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 3, 10), "ngày 10 tháng 3 năm 2026"),
        (date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (date(2025, 12, 1), "ngày 01 tháng 12 năm 2025"),
    ],
)
def test_dates_are_written_the_vietnamese_way(day: date, text: str) -> None:
    assert vi.day_text(day) == text


@given(
    st.datetimes(
        min_value=local("2000-01-01T00:00").replace(tzinfo=None),
        max_value=local("2099-12-31T23:59").replace(tzinfo=None),
    )
)
def test_instants_are_written_in_local_time_and_read_back(moment: Any) -> None:
    from datetime import UTC

    instant = moment.replace(tzinfo=UTC)
    text = vi.instant_text(instant)
    match = re.fullmatch(r"(\d\d) giờ (\d\d) phút, ngày (\d\d) tháng (\d+) năm (\d{4})", text)
    assert match is not None, text
    hour, minute, day, month, year = (int(g) for g in match.groups())
    here = instant + timedelta(hours=7)  # Viet Nam: UTC+7, no daylight saving
    assert (year, month, day, hour, minute) == (
        here.year,
        here.month,
        here.day,
        here.hour,
        here.minute,
    )
    assert match.group(4) == (f"{month:02d}" if month < 3 else str(month))


def test_place_names_lose_their_kind_unless_a_number() -> None:
    assert vi.place_name("Tỉnh Đồng Tháp") == "Đồng Tháp"
    assert vi.place_name("Thành phố Hà Nội") == "Hà Nội"
    assert vi.place_name("Phường 1") == "Phường 1"
    assert vi.place_name("Xã Mỹ Hiệp") == "Mỹ Hiệp"
    assert vi.place_date(None, date(2026, 3, 10)) == "Ngày 10 tháng 3 năm 2026"
    assert vi.number_text(Decimal("0.50")) == "0,5" and vi.number_text(16) == "16"
