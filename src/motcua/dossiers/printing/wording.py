"""The fixed Vietnamese wording the printed forms need on the Python side.

The forms of Circular 03/2025/TT-VPCP are legal documents: they are printed in Vietnamese
whatever language the official's screen uses, so their words are data of the forms — kept here
(what both the PDF templates and the Excel register need) and in the templates — and not in
the translation catalogue. Dates follow Decree 30/2020/NĐ-CP on administrative documents:
"ngày 05 tháng 02 năm 2026", "ngày 10 tháng 3 năm 2026" (a zero before days below 10 and
before months 1 and 2, none before months 3 to 12). Times are always local (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from motcua.core.localtime import local

TIMELINESS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
# An open step or dossier has no timeliness yet: where it stands as of printing.
IN_PROGRESS = "Đang giải quyết"
OVERDUE = "Quá hạn (đang giải quyết)"

STATES = {
    "submitted": "Chờ tiếp nhận",
    "received": "Đã tiếp nhận",
    "in_progress": "Đang giải quyết",
    "awaiting_supplement": "Chờ bổ sung",
    "suspended": "Tạm dừng",
    "result_ready": "Có kết quả, chờ trả",
    "returned": "Đã trả kết quả",
    "refused": "Từ chối giải quyết",
    "rejected_at_reception": "Từ chối tiếp nhận",
    "withdrawn": "Công dân rút hồ sơ",
    "cancelled": "Hủy",
}
CHANNELS = {"counter": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}
RETURN_METHODS = {
    "counter": "Tại Bộ phận Một cửa",
    "post": "Qua dịch vụ bưu chính công ích",
    "online": "Trực tuyến",
}
TIME_UNITS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc"}

# Mẫu 07: the register's columns, in order, for the PDF and the Excel file alike.
REGISTER_TITLE = "SỔ THEO DÕI HỒ SƠ"
REGISTER_COLUMNS = (
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Tên cá nhân, tổ chức",
    "Cơ quan giải quyết",
    "Hình thức nộp",
    "Ngày, giờ nhận hồ sơ",
    "Hẹn trả kết quả",
    "Ngày, giờ trả kết quả",
    "Kết quả giải quyết",
    "Ghi chú",
)
NEW_APPOINTMENT = "Hẹn lại: %s"
PERIOD = "Từ ngày %s đến ngày %s"
PRINTED = "In ngày %s"

# Names of administrative units lose their kind in a document's place line ("Đồng Tháp,
# ngày …", not "Tỉnh Đồng Tháp, ngày …") unless the name is only a number ("Phường 1").
_UNIT_PREFIXES = ("Thành phố ", "Tỉnh ", "Đặc khu ", "Phường ", "Xã ", "Thị trấn ")


def day_text(value: date | datetime) -> str:
    """``ngày 10 tháng 3 năm 2026`` (local date for instants)."""
    day = local(value).date() if isinstance(value, datetime) else value
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def clock_text(value: datetime) -> str:
    """``10 giờ 05 phút`` in local time."""
    moment = local(value)
    return f"{moment.hour:02d} giờ {moment.minute:02d} phút"


def instant_text(value: datetime | None) -> str:
    """``10 giờ 05 phút, ngày 16 tháng 3 năm 2026``; empty for no instant."""
    if value is None:
        return ""
    return f"{clock_text(value)}, {day_text(value)}"


def short_text(value: datetime | None) -> str:
    """``16/03/2026 10:05`` for tables; empty for no instant."""
    if value is None:
        return ""
    return local(value).strftime("%d/%m/%Y %H:%M")


def short_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def number_text(value: Decimal | int | float) -> str:
    """A quantity the Vietnamese way: no useless decimals, a decimal comma (``0,5``)."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")


def duration_text(value: Decimal, unit: str) -> str:
    return f"{number_text(value)} {TIME_UNITS.get(unit, unit)}"


def place_name(unit_name: str | None) -> str:
    """The place line's name of an administrative unit; empty when unknown."""
    name = (unit_name or "").strip()
    for prefix in _UNIT_PREFIXES:
        rest = name[len(prefix) :].strip()
        if name.startswith(prefix) and rest and not rest[0].isdigit():
            return rest
    return name


def place_date(unit_name: str | None, value: date | datetime) -> str:
    """``Đồng Tháp, ngày 10 tháng 3 năm 2026`` (or just the date when the place is unknown)."""
    place = place_name(unit_name)
    return f"{place}, {day_text(value)}" if place else day_text(value).capitalize()


def step_standing(timeliness: str, due_at: datetime | None, now: datetime) -> str:
    """The timeliness word of a finished step or dossier, or where an open one stands."""
    if timeliness:
        return TIMELINESS.get(timeliness, timeliness)
    if due_at is not None and now > due_at:
        return OVERDUE
    return IN_PROGRESS
