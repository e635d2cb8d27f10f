"""``motcua report`` in every format, read back: JSON, the screen table, the Excel workbook (with
openpyxl) and the PDF (text through ``pdftotext``); bad arguments; nothing written on error.
The history and its hand-computed figures are those of ``test_report``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import World
from motcua.stats.figures import Figures
from motcua.stats.report import Report, Row, build_report
from motcua.stats.report_args import ReportArgs
from motcua.stats.report_form import build_table, render_table
from motcua.stats.scope import Period, Scope

from .test_report import EXPECTED_MARCH, LATER, MARCH, history_fixture  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
PERIOD = ["--from", MARCH[0], "--to", MARCH[1]]
# The total row of March, columns (3)–(14).
TOTAL_ROW = ["11", "2", "7", "2", "5", "3", "1", "1", "6", "2", "2", "2"]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with translation.override("en"):
            call_command("report", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_json_has_the_keys_of_interfaces_md(world: World, history: dict[str, Dossier]) -> None:
    code, out, err = run(*PERIOD)
    assert code == 0, err
    body = json.loads(out)
    assert {k: v for k, v in body.items() if k not in ("period", "scope")} == EXPECTED_MARCH
    assert body["period"]["as_of"] == "2026-04-01T00:00:00+07:00"
    code, out, _err = run(*PERIOD, "--agency", world.building.code, "--breakdown", "month")
    body = json.loads(out)
    assert body["scope"]["agency"]["code"] == world.building.code
    assert [r["code"] for r in body["breakdown"]["rows"]] == ["2026-03"]
    assert body["breakdown"]["rows"][0]["in_progress"]["within_deadline"] == 1


def test_as_of_option(world: World, history: dict[str, Dossier]) -> None:
    code, out, err = run(*PERIOD, "--as-of", "2026-03-13T09:00+07:00")
    assert code == 0, err
    assert json.loads(out)["resolved"]["total"] == 2


def test_table_in_vietnamese(world: World, history: dict[str, Dossier]) -> None:
    code, out, err = run(*PERIOD, "--format", "table")
    assert code == 0, err
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in out
    assert "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026" in out
    assert "Số liệu tính đến 00:00 ngày 01/04/2026" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("STT"))
    assert "Lĩnh vực giải quyết" in header and "Trực tuyến" in header
    numbers = next(line for line in lines if line.startswith("(1)"))
    assert numbers.split() == ["(1)", "│", "(2)", "│"] + [f"({i})" for i in range(3, 7)] + ["│"] + [
        f"({i})" for i in range(7, 11)
    ] + ["│"] + [f"({i})" for i in range(11, 15)]
    total = next(line for line in lines if "Tổng cộng" in line)
    assert total.replace("│", " ").split()[2:] == TOTAL_ROW
    field = next(line for line in lines if "Hộ tịch (HT)" in line)
    assert field.replace("│", " ").split()[0] == "1"
    # Every line of the table body has its column separators at the same places.
    body = [line for line in lines if line.count("│") == 4]
    assert len({tuple(i for i, ch in enumerate(line) if ch == "│") for line in body}) == 1
    assert "Tỷ lệ giải quyết trước hạn, đúng hạn trên số hồ sơ đã giải quyết" in out
    assert ": 80,00%" in out and ": 22,22%" in out and ": 36,36%" in out and ": 18,18%" in out


def test_table_of_an_agency_tree_numbers_rows(world: World, history: dict[str, Dossier]) -> None:
    text = render_table(build_report({}, *MARCH, now=LATER, breakdown="agency"))
    rows = [[c.strip() for c in line.split("│")] for line in text.splitlines() if "│" in line]
    numbered = {r[0]: r[1] for r in rows if r[0][:1].isdigit()}
    assert numbered == {"1": "UBND tỉnh Thử Nghiệm", "1.1": "Sở Tư pháp", "1.2": "Sở Xây dựng"}
    indented = next(line for line in text.splitlines() if "Sở Tư pháp" in line)
    assert "│   Sở Tư pháp" in indented  # one level down: two more spaces
    empty = render_table(build_report({"level": "commune"}, *MARCH, now=LATER))
    assert "— (không có hồ sơ)" in empty


def test_xlsx_laid_out_like_the_form(
    world: World, history: dict[str, Dossier], tmp_path: Path
) -> None:
    path = tmp_path / "ii06a.xlsx"
    code, out, err = run(*PERIOD, "--format", "xlsx", "--output", str(path))
    assert code == 0, err
    assert str(path) in out
    wb = load_workbook(path)
    ws = wb["Biểu II.06a"]
    assert ws["A1"].value == "Biểu số II.06a/VPCP/KSTT"
    assert ws["D1"].value == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert ws["D3"].value == "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert ws["L1"].value == "Đơn vị báo cáo: Toàn hệ thống"
    headers = {
        "A7": "STT",
        "B7": "Lĩnh vực giải quyết",
        "C7": "Số hồ sơ nhận giải quyết",
        "G7": "Kết quả giải quyết",
        "C8": "Tổng số",
        "D8": "Số mới tiếp nhận trong kỳ",
        "D9": "Trực tuyến",
        "E9": "Trực tiếp, dịch vụ bưu chính",
        "F8": "Từ kỳ trước chuyển qua",
        "G8": "Số hồ sơ đã giải quyết",
        "G9": "Tổng số",
        "H9": "Trước hạn",
        "I9": "Đúng hạn",
        "J9": "Quá hạn",
        "K8": "Số hồ sơ đang giải quyết",
        "K9": "Tổng số",
        "L9": "Trong hạn",
        "M9": "Quá hạn",
        "N9": "Tạm dừng, chờ bổ sung",
    }
    assert {cell: ws[cell].value for cell in headers} == headers
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A7:A9", "B7:B9", "C7:F7", "G7:N7", "C8:C9", "D8:E8", "F8:F9", "G8:J8", "K8:N8"} <= (
        merged
    )
    assert [ws.cell(10, c).value for c in range(1, 15)] == [f"({i})" for i in range(1, 15)]
    assert [ws.cell(11, c).value for c in range(1, 15)] == [
        "1",
        "Hộ tịch (HT)",
        *[11, 2, 7, 2, 5, 3, 1, 1, 6, 2, 2, 2],
    ]
    assert ws.cell(12, 2).value == "Tổng cộng"
    assert [ws.cell(12, c).value for c in range(3, 15)] == [11, 2, 7, 2, 5, 3, 1, 1, 6, 2, 2, 2]
    assert ws.cell(12, 3).number_format == "#,##0"
    assert ws.cell(12, 3).font.bold
    rates = {ws.cell(r, 2).value: ws.cell(r, 9).value for r in range(14, 18)}
    assert rates["Tỷ lệ giải quyết trước hạn, đúng hạn trên số hồ sơ đã giải quyết"] == 0.8
    assert ws.cell(14, 9).number_format == "0.00%"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)  # 9 = A4
    assert ws.print_title_rows == "$7:$10"
    assert ws.column_dimensions["B"].width == 42
    assert ws.freeze_panes == "C11"


def test_xlsx_without_output_is_named_after_the_period(
    world: World, history: dict[str, Dossier], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(*PERIOD, "--format", "xlsx", "--breakdown", "agency")
    assert code == 0, err
    path = tmp_path / "bao-cao-II06a_2026-03-01_2026-03-31.xlsx"
    ws = load_workbook(path).active
    assert ws["B7"].value == "Cơ quan, đơn vị giải quyết"
    assert [ws.cell(r, 1).value for r in range(11, 14)] == ["1", "1.1", "1.2"]
    assert ws.cell(12, 2).alignment.indent == 2
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def _pdf_text(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) is absent")
def test_pdf_has_the_table(world: World, history: dict[str, Dossier], tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", exc_type=OSError)  # skipped only when pango is missing
    path = tmp_path / "ii06a.pdf"
    code, _out, err = run(*PERIOD, "--format", "pdf", "--output", str(path))
    assert code == 0, err
    assert path.read_bytes().startswith(b"%PDF")
    text = _pdf_text(path, "-layout")
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "Biểu số II.06a/VPCP/KSTT" in text
    # Headers wrap inside their cells: read them in reading order, whitespace folded.
    flowing = " ".join(_pdf_text(path).split())
    for header in ("Số hồ sơ nhận giải quyết", "Từ kỳ trước chuyển qua", "Tạm dừng, chờ bổ sung"):
        assert header in flowing
    assert "Hộ tịch (HT)" in flowing
    total = next(line for line in text.splitlines() if "Tổng cộng" in line)
    assert total.split()[2:] == TOTAL_ROW
    assert "80,00%" in text and "18,18%" in text


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--from", "2026-13-01", "--to", "2026-03-31"], ["--from"]),
        (["--to", "2026-03-31"], ["--from"]),
        (["--from", "2026-03-02", "--to", "2026-03-01"], ["--from"]),
        ([*PERIOD, "--as-of", "soon"], ["--as-of"]),
        ([*PERIOD, "--as-of", "2026-01-01T00:00"], ["--as-of"]),
        ([*PERIOD, "--agency", "000.00.77.H99"], ["--agency"]),
        ([*PERIOD, "--level", "village"], ["--level"]),
        ([*PERIOD, "--field", "XX"], ["--field"]),
        ([*PERIOD, "--procedure", "0.000000"], ["--procedure"]),
        ([*PERIOD, "--channel", "pigeon"], ["--channel"]),
        ([*PERIOD, "--breakdown", "weekday"], ["--breakdown"]),
        ([*PERIOD, "--format", "docx"], ["--format"]),
        (
            ["--from", "x", "--to", "y", "--channel", "fax", "--format", "csv"],
            ["--from", "--to", "--channel", "--format"],
        ),
    ],
)
def test_bad_arguments_exit_2_naming_them(
    world: World, tmp_path: Path, args: list[str], names: list[str]
) -> None:
    target = tmp_path / "out.xlsx"
    fmt = [] if "--format" in args else ["--format", "xlsx"]
    code, out, err = run(*args, *fmt, "--output", str(target))
    assert code == 2
    assert err.startswith("error: ")
    assert {line.split(":")[0] for line in err.splitlines()[1:]} == set(names)
    assert "Traceback" not in err and out == ""
    assert list(tmp_path.iterdir()) == []


def test_bad_output_paths(world: World, tmp_path: Path) -> None:
    code, _out, err = run(*PERIOD, "--output", str(tmp_path))
    assert code == 2 and "--output:" in err
    code, _out, err = run(*PERIOD, "--output", str(tmp_path / "missing" / "r.json"))
    assert code == 2 and "--output:" in err
    assert list(tmp_path.iterdir()) == []


def test_json_to_a_file(world: World, history: dict[str, Dossier], tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    code, out, err = run(*PERIOD, "--output", str(path))
    assert code == 0, err
    assert out == ""
    assert json.loads(path.read_text(encoding="utf-8"))["total"] == 11


def test_form_rows_of_a_deeper_tree_with_own_dossiers() -> None:
    """An agency that resolves dossiers itself and has agencies below it: its row holds the
    subtree's totals, then a row for its own dossiers, then its children, numbered 1, 1.1, …"""

    def figures(online: int) -> Figures:
        f = Figures()
        f.received["online"] = online
        f.in_progress["within_deadline"] = online
        return f

    leaf = Row(code="C", name="Phòng C", figures=figures(1), own=figures(1))
    middle = Row(code="B", name="UBND xã B", figures=figures(3), own=figures(2), children=[leaf])
    other = Row(code="D", name="UBND xã D", figures=figures(4), own=figures(4))
    top = Row(
        code="A", name="UBND A", figures=figures(12), own=figures(5), children=[middle, other]
    )
    args = ReportArgs(
        scope=Scope(),
        period=Period(date(2026, 3, 1), date(2026, 3, 31)),
        requested_as_of=None,
        breakdown="agency",
    )
    as_of = datetime(2026, 4, 1, tzinfo=LOCAL_TZ)
    report = Report(args, as_of, False, figures(12), breakdown="agency", rows=[top])
    table = build_table(report)
    assert [(r.number, r.name, r.depth, r.values[1]) for r in table.rows] == [
        ("1", "UBND A", 0, 12),
        ("1.1", "UBND A (trực tiếp giải quyết)", 1, 5),
        ("1.2", "UBND xã B", 1, 3),
        ("1.2.1", "UBND xã B (trực tiếp giải quyết)", 2, 2),
        ("1.2.2", "Phòng C", 2, 1),
        ("1.3", "UBND xã D", 1, 4),
    ]
    assert [r.strong for r in table.rows] == [True, False, True, False, False, False]
    assert table.total.values[1] == 12
