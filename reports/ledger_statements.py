"""A member's monthly statement and every member's balances as files: CSV and XLSX (through
``reports.export``, so text is never a formula) and the statement as a Vietnamese PDF (fpdf2,
DejaVu Sans as the monthly report uses: it has every Vietnamese glyph)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fpdf import FPDF
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.tenancy import Tenant, get_scoped
from fleet.enums import Role
from fleet.models import Cooperative, Member
from ledger import reads
from ledger.bank import payment_code
from ledger.reads import Statement
from reports import export
from reports.pdf import dejavu_fonts

STATEMENT: list[export.Column] = [
    ("posted_on", "Ngày"),
    ("entry_id", "Số bút toán"),
    ("source_label", "Loại"),
    ("memo", "Diễn giải"),
    ("reference", "Tham chiếu"),
    ("debit_vnd", "Phát sinh nợ (VND)"),
    ("credit_vnd", "Phát sinh có (VND)"),
    ("balance_vnd", "Số dư (VND)"),
]
BALANCES: list[export.Column] = [
    ("member_no", "Số thành viên"),
    ("full_name", "Họ tên"),
    ("balance_vnd", "Số dư (VND)"),
    ("current_vnd", "Trong hạn ≤ 30 ngày (VND)"),
    ("days_31_60_vnd", "Quá hạn 31–60 ngày (VND)"),
    ("days_61_90_vnd", "Quá hạn 61–90 ngày (VND)"),
    ("over_90_vnd", "Quá hạn > 90 ngày (VND)"),
    ("overdue_vnd", "Tổng quá hạn (VND)"),
]


def vnd(amount: int) -> str:
    """1.500.000 VND, as Vietnamese write it (dots between thousands)."""
    return f"{amount:,} VND".replace(",", ".")


def statement_rows(statement: Statement) -> list[dict[str, Any]]:
    """The statement's lines framed by its opening and closing balances (for CSV and XLSX)."""
    first = {"memo": "Số dư đầu kỳ", "balance_vnd": statement.opening_vnd}
    last = {
        "memo": "Số dư cuối kỳ",
        "debit_vnd": statement.debits_vnd,
        "credit_vnd": statement.credits_vnd,
        "balance_vnd": statement.closing_vnd,
    }
    return [first, *statement.lines, last]


def statement_pdf(cooperative: str, member_no: str, full_name: str, statement: Statement) -> bytes:
    regular, bold = dejavu_fonts()
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    month = statement.month
    pdf.cell(0, 9, f"Sao kê tài khoản thành viên tháng {month:%m/%Y}",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("DejaVu", "", 10)
    for line in (
        cooperative,
        f"Thành viên: {full_name} — số {member_no}",
        f"Nội dung chuyển khoản khi nộp tiền: {payment_code(member_no)}",
        f"Số dư đầu kỳ: {vnd(statement.opening_vnd)}",
    ):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(col_widths=(16, 12, 60, 22, 22, 24), text_align="LEFT") as table:
        header = table.row()
        for cell in ("Ngày", "Số", "Diễn giải", "Nợ", "Có", "Số dư"):
            header.cell(cell)
        for item in statement.lines:
            row = table.row()
            row.cell(f"{item['posted_on']:%d/%m}")
            row.cell(str(item["entry_id"]))
            memo = item["memo"] + (f" (lý do: {item['reason']})" if item["reason"] else "")
            row.cell(memo)
            row.cell(vnd(item["debit_vnd"]) if item["debit_vnd"] else "")
            row.cell(vnd(item["credit_vnd"]) if item["credit_vnd"] else "")
            row.cell(vnd(item["balance_vnd"]))
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, f"Số dư cuối kỳ: {vnd(statement.closing_vnd)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0, 5,
        f"Phát sinh nợ {vnd(statement.debits_vnd)}, phát sinh có {vnd(statement.credits_vnd)}. "
        "Số dư dương: thành viên còn phải nộp cho HTX; số dư âm: HTX còn phải trả thành viên.",
    )  # fmt: skip
    return bytes(pdf.output())


async def member_statement(
    session: AsyncSession, tenant: Tenant, member_id: int, month: date, language: str = "vi"
) -> tuple[dict[str, Any], Statement]:
    """One member's month, as the API answers it. A member may read only their own (another
    member's id answers 404, as another cooperative's does)."""
    if tenant.role == Role.MEMBER and tenant.member_id != member_id:
        raise NotFound(f"member {member_id} not found", field="member_id")
    member = await get_scoped(session, Member, member_id, tenant, what="member")
    statement = await reads.statement(session, tenant.cooperative_id, member.id, month, language)
    answer = {
        "member_id": member.id,
        "member_no": member.member_no,
        "full_name": member.full_name,
        "payment_code": payment_code(member.member_no),
        "month": f"{month:%Y-%m}",
        "opening_vnd": statement.opening_vnd,
        "debits_vnd": statement.debits_vnd,
        "credits_vnd": statement.credits_vnd,
        "closing_vnd": statement.closing_vnd,
        "lines": statement.lines,
    }
    return answer, statement


async def statement_file(
    session: AsyncSession, tenant: Tenant, member_id: int, month: date, format: str
) -> tuple[bytes, str]:
    """The statement as a CSV, XLSX or PDF file: (body, file name)."""
    answer, statement = await member_statement(session, tenant, member_id, month)
    name = f"sao-ke-{answer['member_no']}-{month:%Y-%m}.{format}"
    if format == "csv":
        return export.to_csv(STATEMENT, statement_rows(statement)), name
    if format == "xlsx":
        return export.to_xlsx("Sao kê", STATEMENT, statement_rows(statement)), name
    cooperative = await session.get(Cooperative, tenant.cooperative_id)
    title = cooperative.name if cooperative else ""
    return statement_pdf(title, answer["member_no"], answer["full_name"], statement), name
