"""Report tables as CSV (UTF-8 with BOM, so Excel reads Vietnamese) and XLSX (numbers as
numbers, dates as dates, text always as text: never a formula), with Vietnamese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from fleet.csv_io import escape_formula

Column = tuple[str, str]  # key, Vietnamese header

UTILIZATION: list[Column] = [
    ("rank", "Hạng"),
    ("key", "Mã"),
    ("label", "Tên / biển số"),
    ("km", "Quãng đường (km)"),
    ("engine_hours", "Giờ nổ máy"),
    ("moving_hours", "Giờ chạy"),
    ("idle_hours", "Giờ nổ máy đứng yên"),
    ("idle_share", "Tỷ lệ nổ máy đứng yên"),
    ("days_active", "Ngày hoạt động"),
    ("utilization", "Hiệu suất sử dụng"),
    ("trips", "Số chuyến"),
    ("orders_served", "Đơn đã giao"),
    ("on_time_share", "Tỷ lệ đúng giờ"),
    ("revenue_vnd", "Doanh thu (VND)"),
    ("revenue_per_km_vnd", "Doanh thu/km (VND)"),
    ("events_per_100_km", "Sự kiện/100 km"),
    ("bottom_10_percent", "Nhóm 10% thấp nhất"),
    ("previous_km", "Kỳ trước: km"),
    ("previous_utilization", "Kỳ trước: hiệu suất"),
]
MEMBERS: list[Column] = [
    ("member_no", "Số thành viên"),
    ("full_name", "Họ tên"),
    ("vehicles", "Số xe"),
    ("km", "Quãng đường (km)"),
    ("moving_hours", "Giờ chạy"),
    ("orders_served", "Đơn đã giao"),
    ("revenue_vnd", "Doanh thu (VND)"),
    ("fee_per_vehicle_vnd", "Phí quản lý/xe (VND)"),
    ("fee_due_vnd", "Phí phải nộp trong tháng (VND)"),
    ("earnings_vnd", "Thu nhập từ chuyến (VND)"),
    ("paid_vnd", "Đã nộp (VND)"),
    ("closing_balance_vnd", "Số dư cuối tháng (VND)"),
]
COMPLIANCE: list[Column] = [
    ("subject", "Đối tượng"),
    ("id", "Mã"),
    ("label", "Tên / biển số"),
    ("km", "Quãng đường (km)"),
    ("driving_time_warning", "Cảnh báo thời gian lái"),
    ("continuous_driving_violation", "Vi phạm lái liên tục"),
    ("daily_driving_violation", "Vi phạm thời gian lái trong ngày"),
    ("weekly_driving_violation", "Vi phạm thời gian lái trong tuần"),
    ("overspeed", "Quá tốc độ"),
    ("overspeed_per_100_km", "Quá tốc độ/100 km"),
    ("not_transmitting", "Mất tín hiệu"),
    ("not_transmitting_minutes", "Phút mất tín hiệu"),
]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "x" if value else ""
    return value


def to_csv(columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _, header in columns])
    for row in rows:
        values = []
        for key, _ in columns:
            value = _cell(row.get(key))
            if isinstance(value, str):
                value = escape_formula(value)  # never a formula in a spreadsheet
            values.append("" if value is None else value)
        writer.writerow(values)
    return ("\ufeff" + out.getvalue()).encode()


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append one row, every string stored as text: openpyxl would otherwise store a string
    starting with ``=`` as a live formula (a member named ``=HYPERLINK(…)`` in the director's
    workbook). Every XLSX writer appends its rows through here."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def to_xlsx(title: str, columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    append_row(sheet, [header for _, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = []
        for key, _ in columns:
            value = _cell(row.get(key))
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)  # Excel has no zones: local times upstream
            values.append(value)
        append_row(sheet, values)
    for index, (key, _) in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 16
        if key.endswith("_vnd"):
            for cell in sheet[letter][1:]:
                cell.number_format = "#,##0"
        if any(isinstance(r.get(key), date) for r in rows):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
