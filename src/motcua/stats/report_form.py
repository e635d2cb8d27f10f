"""The period report laid out as the official form Biểu II.06a, shared by every rendering
(screen table, Excel, PDF).

The form is a Vietnamese administrative document: its fixed texts (titles, column headers,
notes) are data of the form and stay in Vietnamese whatever the interface language. Columns are
numbered as on the form, (1) to (13); motcua adds (14), the dossiers paused or awaiting a
supplement, which the form has no column for: they are in progress, neither within the deadline
nor overdue (statistics.md), so (11) = (12) + (13) + (14).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from motcua.core.localtime import local

from .figures import Figures
from .report import Report, Row

FORM_CODE = "Biểu số II.06a/VPCP/KSTT"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
SUBTITLE = "TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
UNIT = "Đơn vị tính: Số hồ sơ TTHC"
REPORTING_UNIT = "Đơn vị báo cáo"
RECEIVING_UNIT = "Đơn vị nhận báo cáo"
TOTAL = "Tổng cộng"
OWN = "trực tiếp giải quyết"
SIGNERS = ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ")
SIGN_HINT = "(Ký, ghi rõ họ tên)"

# Column (2) names what the rows are.
ROW_HEADERS = {
    None: "Lĩnh vực giải quyết",
    "field": "Lĩnh vực giải quyết",
    "agency": "Cơ quan, đơn vị giải quyết",
    "level": "Cấp giải quyết",
    "procedure": "Thủ tục hành chính",
    "channel": "Hình thức tiếp nhận",
    "month": "Tháng",
}
RESULT = "Kết quả giải quyết"
GROUPS = (
    ("Số hồ sơ nhận giải quyết", 4),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số hồ sơ đang giải quyết", 4),
)
# The two header levels under each group: (sub-group or None, column header).
COLUMNS = (
    (None, "Tổng số"),
    ("Số mới tiếp nhận trong kỳ", "Trực tuyến"),
    ("Số mới tiếp nhận trong kỳ", "Trực tiếp, dịch vụ bưu chính"),
    (None, "Từ kỳ trước chuyển qua"),
    (None, "Tổng số"),
    (None, "Trước hạn"),
    (None, "Đúng hạn"),
    (None, "Quá hạn"),
    (None, "Tổng số"),
    (None, "Trong hạn"),
    (None, "Quá hạn"),
    (None, "Tạm dừng, chờ bổ sung"),
)
# Short headers for the fixed-width screen table.
SHORT = (
    "Tổng số",
    "Trực tuyến",
    "Trực tiếp, BCCI",
    "Kỳ trước",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
    "Tạm dừng",
)
NUMBERS = tuple(f"({i})" for i in range(1, 15))
RATES = (
    ("on_time_rate", "Tỷ lệ giải quyết trước hạn, đúng hạn trên số hồ sơ đã giải quyết"),
    ("online_rate", "Tỷ lệ hồ sơ trực tuyến trên số hồ sơ mới tiếp nhận"),
    (
        "on_time_rate_of_total",
        "Tỷ lệ giải quyết trước hạn, đúng hạn trên tổng số hồ sơ nhận giải quyết",
    ),
    ("online_share_of_total", "Tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ nhận giải quyết"),
)
NO_RATE = "— (không có hồ sơ)"
NOTES = (
    "(3) = (4) + (5) + (6); (7) = (8) + (9) + (10); (11) = (12) + (13) + (14); (3) = (7) + (11).",
    "Cột (14) do motcua bổ sung: hồ sơ đang tạm dừng hoặc chờ bổ sung tại thời điểm tính số "
    "liệu (không tính thời gian giải quyết, không trong hạn cũng không quá hạn).",
    "Trước hạn: giải quyết xong vào ngày trước ngày hẹn trả; đúng hạn: trong ngày hẹn trả, "
    "không muộn hơn giờ hẹn; quá hạn: sau giờ hẹn trả.",
)
SCOPE_LABELS = {
    "level": "Cấp",
    "field": "Lĩnh vực",
    "procedure": "Thủ tục",
    "channel": "Hình thức tiếp nhận",
}
LEVEL_NAMES = {
    "central": "Trung ương",
    "province": "Cấp tỉnh",
    "district": "Cấp huyện",
    "commune": "Cấp xã",
}
CHANNEL_NAMES = {
    "counter": "Trực tiếp",
    "online": "Trực tuyến",
    "postal": "Dịch vụ bưu chính công ích",
}


def cells(figures: Figures) -> list[int]:
    """The values of columns (3)–(14)."""
    r, s, p = figures.received, figures.resolved, figures.in_progress
    return [
        figures.total,
        r["online"],
        r["counter"] + r["postal"],
        figures.carried_over,
        figures.resolved_total,
        s["early"],
        s["on_time"],
        s["late"],
        figures.in_progress_total,
        p["within_deadline"],
        p["overdue"],
        p["paused"],
    ]


@dataclass
class FormRow:
    number: str  # column (1)
    name: str  # column (2)
    values: list[int]
    depth: int = 0
    strong: bool = False


@dataclass
class FormTable:
    unit: str
    receiving_unit: str
    period_line: str
    as_of_line: str
    scope_lines: list[str]
    row_header: str
    rows: list[FormRow]
    total: FormRow
    rates: list[tuple[str, Decimal | None]] = field(default_factory=list)


def vn_date(instant: datetime) -> str:
    return local(instant).strftime("%d/%m/%Y")


def vn_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def vn_percent(value: Decimal | None) -> str:
    if value is None:
        return NO_RATE
    return f"{value:.2f}".replace(".", ",") + "%"


def build_table(report: Report) -> FormTable:
    args = report.args
    agency = args.agency
    unit = f"{agency.name} ({agency.code})" if agency else "Toàn hệ thống"
    parent = agency.parent if agency is not None else None
    receiving = parent.name if parent is not None else "…"
    as_of = local(report.as_of)
    as_of_line = f"Số liệu tính đến {as_of:%H:%M} ngày {as_of:%d/%m/%Y}"
    if report.live:
        as_of_line += " (thời điểm hiện tại)"
    scope_lines = []
    if args.scope.level:
        scope_lines.append(f"{SCOPE_LABELS['level']}: {LEVEL_NAMES.get(args.scope.level, '')}")
    if args.field:
        scope_lines.append(f"{SCOPE_LABELS['field']}: {args.field.name} ({args.field.code})")
    if args.procedure:
        scope_lines.append(
            f"{SCOPE_LABELS['procedure']}: {args.procedure.name} ({args.procedure.code})"
        )
    if args.scope.channel:
        scope_lines.append(f"{SCOPE_LABELS['channel']}: {CHANNEL_NAMES[args.scope.channel]}")
    rows: list[FormRow] = []
    _rows(report.breakdown, report.rows, rows, prefix="", depth=0)
    rates = report.figures.rates()
    return FormTable(
        unit=unit,
        receiving_unit=receiving,
        period_line=(
            f"Kỳ báo cáo: từ ngày {report.period.first:%d/%m/%Y} "
            f"đến ngày {report.period.last:%d/%m/%Y}"
        ),
        as_of_line=as_of_line,
        scope_lines=scope_lines,
        row_header=ROW_HEADERS.get(report.breakdown, ROW_HEADERS[None]),
        rows=rows,
        total=FormRow(number="", name=TOTAL, values=cells(report.figures), strong=True),
        rates=[(label, rates[key]) for key, label in RATES],
    )


def _name(breakdown: str | None, row: Row) -> str:
    if breakdown == "level":
        return LEVEL_NAMES.get(row.code, row.name)
    if breakdown == "channel":
        return CHANNEL_NAMES.get(row.code, row.name)
    if breakdown == "month":
        return f"Tháng {row.name}"
    if breakdown in ("field", "procedure"):
        return f"{row.name} ({row.code})"
    return row.name


def _rows(
    breakdown: str | None, rows: list[Row], out: list[FormRow], prefix: str, depth: int
) -> None:
    for i, row in enumerate(rows, start=1):
        _emit(breakdown, row, f"{prefix}{i}", out, depth)


def _emit(breakdown: str | None, row: Row, number: str, out: list[FormRow], depth: int) -> None:
    """A row, then (agency tree) the agency's own dossiers and its children: 1, 1.1, 1.2…"""
    out.append(
        FormRow(number, _name(breakdown, row), cells(row.figures), depth, strong=bool(row.children))
    )
    if not row.children:
        return
    j = 1
    if row.own is not None and row.own.total:
        out.append(FormRow(f"{number}.{j}", f"{row.name} ({OWN})", cells(row.own), depth + 1))
        j += 1
    for child in row.children:
        _emit(breakdown, child, f"{number}.{j}", out, depth + 1)
        j += 1


# ----- the screen table ------------------------------------------------------------------------
def width(text: str) -> int:
    """Display width: combining marks take no column (names may come decomposed)."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in unicodedata.normalize("NFC", text))


def pad(text: str, size: int, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def render_table(report: Report) -> str:
    """An aligned text table: the columns of II.06a with short headers, then the rates."""
    table = build_table(report)
    body = [*table.rows, table.total]
    names = [("  " * r.depth) + r.name for r in body]
    name_width = max(width(table.row_header), *(width(n) for n in names))
    number_width = max(3, *(width(r.number) for r in body))
    widths = [
        max(width(SHORT[i]), width(NUMBERS[i + 2]), *(width(vn_number(r.values[i])) for r in body))
        for i in range(12)
    ]

    def line(number: str, name: str, values: list[str]) -> str:
        cells_ = [pad(v, widths[i], right=True) for i, v in enumerate(values)]
        groups = ["  ".join(cells_[i : i + 4]) for i in (0, 4, 8)]
        return _SEP.join([pad(number, number_width), pad(name, name_width), *groups])

    group_titles = []
    for i, (title, span) in enumerate(GROUPS):
        span_width = sum(widths[i * span : (i + 1) * span]) + (span - 1) * 2
        group_titles.append(pad(title.center(span_width), span_width))
    header = [
        _SEP.join([pad("", number_width), pad("", name_width), *group_titles]),
        line("STT", table.row_header, list(SHORT)),
        line("(1)", "(2)", list(NUMBERS[2:])),
    ]
    rule = "─" * max(width(h) for h in header)
    lines = [
        f"{TITLE} ({FORM_CODE})",
        SUBTITLE,
        f"{REPORTING_UNIT}: {table.unit}",
        table.period_line,
        table.as_of_line,
        *table.scope_lines,
        UNIT,
        rule,
        *header,
        rule,
    ]
    for row, name in zip(body, names, strict=True):
        if row is table.total:
            lines.append(rule)
        lines.append(line(row.number, name, [vn_number(v) for v in row.values]))
    lines += [rule, ""]
    label_width = max(width(label) for label, _value in table.rates)
    lines += [f"{pad(label, label_width)} : {vn_percent(value)}" for label, value in table.rates]
    return "\n".join(line.rstrip() for line in lines) + "\n"


_SEP = " │ "
