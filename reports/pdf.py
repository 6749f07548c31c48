"""The monthly report as a PDF: totals, a chart of the busiest vehicles, the least used ones
and compliance counts, in Vietnamese (DejaVu Sans from Debian's fonts-dejavu-core)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF

from core.errors import DomainError

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


class FontMissing(DomainError):
    status = 500
    code = "font_missing"


def dejavu_fonts() -> tuple[Path, Path]:
    """The regular and bold DejaVu Sans files: every PDF we write needs Vietnamese glyphs."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    raise FontMissing("the PDF needs the fonts-dejavu-core package (DejaVuSans.ttf)")


def monthly(
    cooperative: str, month: str, usage: dict[str, Any], compliance: dict[str, Any]
) -> bytes:
    regular, bold = dejavu_fonts()
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    year, number = month.split("-")
    pdf.cell(0, 10, f"Báo cáo hoạt động tháng {number}/{year}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 7, cooperative, new_x="LMARGIN", new_y="NEXT")
    totals = usage["totals"]
    lines = [
        f"Tổng quãng đường: {totals['km']:,.1f} km",
        f"Giờ chạy: {totals['moving_hours']:,.1f} h — giờ nổ máy: {totals['engine_hours']:,.1f} h",
        f"Số chuyến: {int(totals['trips']):,} — đơn đã giao: {int(totals['orders_served']):,}",
        f"Doanh thu: {totals['revenue_vnd']:,} VND",
        f"Hiệu suất sử dụng trung bình: {usage['averages']['utilization'] * 100:.1f} %",
    ]
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    rows = usage["rows"]
    top = sorted(rows, key=lambda r: -r["km"])[:10]
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, "Quãng đường theo xe (10 xe chạy nhiều nhất)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    _bars(pdf, [(str(r["label"]), float(r["km"])) for r in top], unit="km")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, "Xe sử dụng thấp nhất (10 % cuối)", new_x="LMARGIN", new_y="NEXT")
    _table(
        pdf,
        ["Biển số", "Quãng đường (km)", "Giờ chạy", "Hiệu suất sử dụng"],
        [
            [str(r["label"]), f"{r['km']:,.1f}", f"{r['moving_hours']:,.1f}",
             f"{r['utilization'] * 100:.1f} %"]
            for r in rows if r["bottom_10_percent"]
        ],
    )  # fmt: skip
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, "Tuân thủ", new_x="LMARGIN", new_y="NEXT")
    counts = {
        "Vi phạm lái liên tục": "continuous_driving_violation",
        "Cảnh báo thời gian lái": "driving_time_warning",
        "Quá tốc độ": "overspeed",
        "Mất tín hiệu": "not_transmitting",
    }
    drivers = [r for r in compliance["rows"] if r["subject"] == "driver"]
    vehicles = [r for r in compliance["rows"] if r["subject"] == "vehicle"]
    _table(
        pdf,
        ["Loại", "Số lần"],
        [
            [label, str(sum(r[key] for r in (drivers if "lái" in label else vehicles)))]
            for label, key in counts.items()
        ],
    )
    pdf.cell(
        0, 6, f"Giấy tờ hết hạn hoặc sắp hết hạn: {len(compliance['documents'])}",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    return bytes(pdf.output())


def _bars(pdf: FPDF, items: list[tuple[str, float]], unit: str) -> None:
    if not items:
        pdf.cell(0, 6, "Không có dữ liệu", new_x="LMARGIN", new_y="NEXT")
        return
    largest = max(value for _, value in items) or 1.0
    width = pdf.w - pdf.l_margin - pdf.r_margin - 60
    for label, value in items:
        y = pdf.get_y()
        pdf.cell(35, 6, label)
        pdf.set_fill_color(46, 125, 50)
        pdf.rect(pdf.l_margin + 36, y + 1, max(0.5, width * value / largest), 4, style="F")
        pdf.set_xy(pdf.l_margin + 38 + width, y)
        pdf.cell(0, 6, f"{value:,.0f} {unit}", new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, header: list[str], rows: list[list[str]]) -> None:
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=tuple(1 for _ in header), text_align="LEFT") as table:
        row = table.row()
        for cell in header:
            row.cell(cell)
        for values in rows:
            row = table.row()
            for cell in values:
                row.cell(cell)


def table_document(title: str, lines: list[str], header: list[str], rows: list[list[str]]) -> bytes:
    """A landscape A4 PDF of one table under a title and a few lines (in Vietnamese)."""
    regular, bold = dejavu_fonts()
    pdf = FPDF(format="A4", orientation="L")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _table(pdf, header, rows)
    return bytes(pdf.output())
