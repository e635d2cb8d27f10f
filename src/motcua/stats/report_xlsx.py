"""The period report as an Excel workbook laid out like the official form Biểu II.06a: the form's
code, title and reporting unit, the period, the numbered columns (1)…(14) under merged
headers, one row per line of the breakdown and the total row, the rates, notes and signatures;
A4 landscape, fitted to the page width, header rows repeated on every printed page."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .report import Report
from .report_form import (
    COLUMNS,
    FORM_CODE,
    GROUPS,
    NO_RATE,
    NOTES,
    NUMBERS,
    RECEIVING_UNIT,
    REPORTING_UNIT,
    RESULT,
    SIGN_HINT,
    SIGNERS,
    SUBTITLE,
    TITLE,
    UNIT,
    FormRow,
    build_table,
)

SHEET_TITLE = "Biểu II.06a"
HEADER_TOP = 7  # first header row: rows 1–6 hold the form's title block
FIRST_DATA = HEADER_TOP + 4
LAST_COLUMN = 14
NUMBER_FORMAT = "#,##0"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WIDTHS = {1: 7, 2: 42, **dict.fromkeys(range(3, LAST_COLUMN + 1), 11.5)}


def render_xlsx(report: Report) -> bytes:
    table = build_table(report)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    _title_block(
        ws, table.unit, table.receiving_unit, table.period_line, table.as_of_line, table.scope_lines
    )
    _header(ws, table.row_header)
    row = FIRST_DATA
    for line in table.rows:
        _data_row(ws, row, line)
        row += 1
    _data_row(ws, row, table.total, total=True)
    last_row = row
    row += 2
    for label, value in table.rates:
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=8)
        ws.cell(row, 2, label)
        cell = ws.cell(row, 9, NO_RATE if value is None else float(value) / 100)
        cell.number_format = "0.00%"
        cell.alignment = Alignment(horizontal="right")
        row += 1
    row += 1
    for note in NOTES:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=LAST_COLUMN)
        ws.cell(row, 1, note).font = Font(italic=True, size=9)
        row += 1
    row += 1
    for column, signer in ((2, SIGNERS[0]), (10, SIGNERS[1])):
        ws.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + 3)
        ws.cell(row, column, signer).font = Font(bold=True)
        ws.cell(row, column).alignment = CENTRE
        ws.merge_cells(
            start_row=row + 1, start_column=column, end_row=row + 1, end_column=column + 3
        )
        ws.cell(row + 1, column, SIGN_HINT).font = Font(italic=True)
        ws.cell(row + 1, column).alignment = CENTRE
    _page_setup(ws, last_row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _merge(ws: Worksheet, top: int, left: int, bottom: int, right: int, value: str) -> Cell:
    if (top, left) != (bottom, right):
        ws.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
    cell = ws.cell(top, left, value)
    return cell


def _title_block(
    ws: Worksheet,
    unit: str,
    receiving: str,
    period_line: str,
    as_of_line: str,
    scope_lines: list[str],
) -> None:
    _merge(ws, 1, 1, 1, 3, FORM_CODE).font = Font(bold=True)
    title = _merge(ws, 1, 4, 1, 11, TITLE)
    title.font = Font(bold=True, size=13)
    title.alignment = CENTRE
    sub = _merge(ws, 2, 4, 2, 11, SUBTITLE)
    sub.font = Font(bold=True)
    sub.alignment = CENTRE
    period = _merge(ws, 3, 4, 3, 11, period_line)
    period.alignment = CENTRE
    as_of = _merge(ws, 4, 4, 4, 11, as_of_line)
    as_of.alignment = CENTRE
    as_of.font = Font(italic=True)
    reporting = _merge(ws, 1, 12, 2, LAST_COLUMN, f"{REPORTING_UNIT}: {unit}")
    reporting.alignment = Alignment(wrap_text=True, vertical="top")
    received = _merge(ws, 3, 12, 4, LAST_COLUMN, f"{RECEIVING_UNIT}: {receiving}")
    received.alignment = Alignment(wrap_text=True, vertical="top")
    if scope_lines:
        _merge(ws, 5, 4, 5, 11, "; ".join(scope_lines)).alignment = CENTRE
    unit_cell = _merge(ws, 6, 11, 6, LAST_COLUMN, UNIT)
    unit_cell.alignment = Alignment(horizontal="right")
    unit_cell.font = Font(italic=True)
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[3].height = 18


def _header(ws: Worksheet, row_header: str) -> None:
    top = HEADER_TOP
    _merge(ws, top, 1, top + 2, 1, "STT")
    _merge(ws, top, 2, top + 2, 2, row_header)
    # Row 1: "Số hồ sơ nhận giải quyết" over (3)–(6); "Kết quả giải quyết" over (7)–(14).
    _merge(ws, top, 3, top, 6, GROUPS[0][0])
    _merge(ws, top, 7, top, LAST_COLUMN, RESULT)
    # Row 2: under "nhận giải quyết": Tổng số, Trong kỳ (two columns), Từ kỳ trước;
    # under the result: the resolved and in-progress groups.
    _merge(ws, top + 1, 3, top + 2, 3, COLUMNS[0][1])
    _merge(ws, top + 1, 4, top + 1, 5, str(COLUMNS[1][0]))
    ws.cell(top + 2, 4, COLUMNS[1][1])
    ws.cell(top + 2, 5, COLUMNS[2][1])
    _merge(ws, top + 1, 6, top + 2, 6, COLUMNS[3][1])
    _merge(ws, top + 1, 7, top + 1, 10, GROUPS[1][0])
    _merge(ws, top + 1, 11, top + 1, LAST_COLUMN, GROUPS[2][0])
    for offset in range(4, 12):
        ws.cell(top + 2, 3 + offset, COLUMNS[offset][1])
    for column in range(1, LAST_COLUMN + 1):
        ws.cell(top + 3, column, NUMBERS[column - 1]).font = Font(italic=True)
        for r in range(top, top + 4):
            cell = ws.cell(r, column)
            cell.border = BOX
            cell.alignment = CENTRE
            if r < top + 3:
                cell.fill = HEADER_FILL
                cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(column)].width = WIDTHS[column]
    ws.row_dimensions[top + 2].height = 45


def _data_row(ws: Worksheet, row: int, line: FormRow, total: bool = False) -> None:
    ws.cell(row, 1, line.number).alignment = Alignment(horizontal="center")
    name = ws.cell(row, 2, line.name)
    name.alignment = Alignment(indent=line.depth * 2, wrap_text=True, vertical="center")
    for i, value in enumerate(line.values):
        cell = ws.cell(row, 3 + i, value)
        cell.number_format = NUMBER_FORMAT
    for column in range(1, LAST_COLUMN + 1):
        cell = ws.cell(row, column)
        cell.border = BOX
        if line.strong or total:
            cell.font = Font(bold=True)
        if total:
            cell.fill = TOTAL_FILL


def _page_setup(ws: Worksheet, last_row: int) -> None:
    ws.freeze_panes = ws.cell(FIRST_DATA, 3)
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_TOP}:{HEADER_TOP + 3}"
    ws.print_area = f"A1:{get_column_letter(LAST_COLUMN)}{last_row + 20}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
