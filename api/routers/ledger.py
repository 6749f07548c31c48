"""The members' ledger: statements, balances and the trial balance for the office; payments,
payouts, adjustments, reversals, bank statements, month close and money rules for the
accountant. A member reads their own statement here too (another member's is 404)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, require
from api.schemas.ledger import (
    AdjustmentCreate,
    BalancesRead,
    BankImportRead,
    ChargeRuleCreate,
    ChargeRuleRead,
    CloseQueued,
    CommissionRuleCreate,
    CommissionRuleRead,
    EntryCreated,
    MonthsRead,
    PaymentCreate,
    ReversalCreate,
    StatementRead,
    TrialBalanceRead,
)
from core.errors import Conflict
from core.tenancy import Tenant
from fleet.cooperatives import local_today
from fleet.csv_io import FileTooLarge
from fleet.enums import Role
from fleet.validators import BigId, Id
from ledger import bank, entries, months, reads, rules
from ledger.chart import Account
from reports import export, ledger_statements
from reports.period import Period
from worker import queue

router = APIRouter(tags=["ledger"])

READERS = (Role.ADMIN, Role.DIRECTOR, Role.ACCOUNTANT)
"""See every member's money."""
WRITERS = (Role.ADMIN, Role.ACCOUNTANT)
"""Record money and close months."""
ReaderTenant = Annotated[Tenant, Depends(require(*READERS))]
WriterTenant = Annotated[Tenant, Depends(require(*WRITERS))]
StatementTenant = Annotated[Tenant, Depends(require(*READERS, Role.MEMBER))]
Month = Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{2}$", description="2026-11")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "pdf": "application/pdf"}
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, XLSX: {}, "application/pdf": {}},
        "description": "JSON, or a CSV, XLSX or PDF download (``format``)",
    }
}


def first_day(month: str) -> date:
    return Period.month(month).first


def _download(body: bytes, name: str, format: str) -> Response:
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/ledger/members/{member_id}/statement",
    response_model=StatementRead,
    responses=FILES,
    summary="A member's monthly statement",
)
async def member_statement(
    member_id: Id,
    month: Month,
    tenant: StatementTenant,
    session: SessionDep,
    format: Literal["json", "csv", "xlsx", "pdf"] = "json",
    lang: Literal["vi", "en"] = "vi",
) -> Any:
    """Opening balance, every entry of the month with the running balance, closing balance.
    Positive balances are owed by the member, negative ones owed to them. A member reads
    only their own (another member's id answers 404)."""
    if format == "json":
        answer, _ = await ledger_statements.member_statement(
            session, tenant, member_id, first_day(month), lang
        )
        return answer
    body, name = await ledger_statements.statement_file(
        session, tenant, member_id, first_day(month), format
    )
    return _download(body, name, format)


@router.get(
    "/ledger/balances",
    response_model=BalancesRead,
    responses=FILES,
    summary="Every member's balance and its ageing",
)
async def balances(
    tenant: ReaderTenant,
    session: SessionDep,
    as_of: Annotated[date | None, Query(ge=date(1970, 1, 1), le=date(2999, 12, 31))] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Any:
    """Balances on ``as_of`` (today by default) with what is owed by age: ≤ 30, 31–60, 61–90
    and over 90 days (oldest debts are paid first)."""
    day = as_of or await local_today(session, tenant)
    report = await reads.balances(session, tenant.cooperative_id, day)
    if format == "json":
        return report
    columns = ledger_statements.BALANCES
    if format == "csv":
        body = export.to_csv(columns, report["rows"])
    else:
        body = export.to_xlsx("Số dư", columns, report["rows"])
    return _download(body, f"so-du-{day}.{format}", format)


@router.get(
    "/ledger/trial-balance", response_model=TrialBalanceRead, summary="The month's trial balance"
)
async def trial_balance(
    month: Month, tenant: ReaderTenant, session: SessionDep, lang: Literal["vi", "en"] = "vi"
) -> Any:
    """Each account (members together): opening, the month's debits and credits, closing."""
    return await reads.trial_balance(session, tenant.cooperative_id, first_day(month), lang)


@router.post(
    "/ledger/payments", response_model=EntryCreated, status_code=201, summary="Record a payment"
)
async def record_payment(
    body: PaymentCreate, tenant: WriterTenant, session: SessionDep
) -> EntryCreated:
    """A member's payment (``payment``) or the cooperative's payout to them (``payout``). A
    bank reference is recorded once: the same reference again is 409."""
    entry = await entries.record_payment(
        session, tenant, member_id=body.member_id, amount_vnd=body.amount_vnd,
        posted_on=body.posted_on, payout=body.direction == "payout",
        account=Account(body.account), reference=body.reference, note=body.note,
    )  # fmt: skip
    if entry is None:
        raise Conflict("this reference was already recorded", field="reference")
    return EntryCreated(id=entry)


@router.post(
    "/ledger/adjustments",
    response_model=EntryCreated,
    status_code=201,
    summary="Adjust a member's account",
)
async def adjust(body: AdjustmentCreate, tenant: WriterTenant, session: SessionDep) -> EntryCreated:
    """Positive: the member owes more; negative: less. The reason shows on the statement."""
    entry = await entries.adjust(
        session, tenant, member_id=body.member_id, amount_vnd=body.amount_vnd,
        posted_on=body.posted_on, reason=body.reason,
    )  # fmt: skip
    return EntryCreated(id=entry)


@router.post(
    "/ledger/entries/{entry_id}/reverse",
    response_model=EntryCreated,
    status_code=201,
    summary="Reverse an entry",
)
async def reverse(
    entry_id: BigId, body: ReversalCreate, tenant: WriterTenant, session: SessionDep
) -> EntryCreated:
    """A new entry with every line negated on ``posted_on`` (an open month); the original is
    never changed. An entry is reversed once (409 after)."""
    entry = await entries.reverse(
        session, tenant, entry_id=entry_id, posted_on=body.posted_on, reason=body.reason
    )
    return EntryCreated(id=entry)


@router.post(
    "/bank_statements/import",
    response_model=BankImportRead,
    tags=["ledger"],
    summary="Import a bank statement (CSV)",
)
async def import_bank_statement(
    tenant: WriterTenant,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile, File(description="CSV: date, amount_vnd, reference, transaction_id")
    ],
) -> Any:
    """Each row whose ``reference`` carries a member's payment code (``XV`` + member number)
    becomes their payment (a credit) or payout (a debit), once per ``transaction_id``; the
    others are listed in ``unmatched``."""
    content = await file.read(settings.csv_max_bytes + 1)
    if len(content) > settings.csv_max_bytes:
        raise FileTooLarge(f"the file is over {settings.csv_max_bytes} bytes", field="file")
    rows = bank.parse(content, settings.csv_max_rows)
    return await bank.import_statement(session, tenant, rows)


@router.get("/ledger/months", response_model=MonthsRead, summary="Closed months")
async def closed_months(tenant: ReaderTenant, session: SessionDep) -> MonthsRead:
    """The months an accountant closed: no entry may be dated in them any more."""
    closed = await months.closed(session, tenant.cooperative_id)
    return MonthsRead(closed=[f"{month:%Y-%m}" for month in closed])


@router.post(
    "/ledger/months/{month}/close",
    response_model=CloseQueued,
    status_code=202,
    summary="Close a month",
)
async def close_month(
    month: Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9]{2}$", description="2026-11")],
    tenant: Annotated[Tenant, Depends(require(Role.ACCOUNTANT))],
    session: SessionDep,
) -> CloseQueued:
    """The accountant closes a month: the worker posts what it still lacks (charges, delivered
    jobs) and freezes it; then every entry dated in it is refused (409). 409 at once when the
    month is already closed."""
    first = first_day(month)
    if first in await months.closed(session, tenant.cooperative_id):
        raise months.MonthAlreadyClosed(f"{month} is already closed", field="month")
    await queue.defer(
        session, queue.CLOSE_MONTH, queue.HOUSEKEEPING_QUEUE,
        cooperative_id=tenant.cooperative_id, month=f"{first:%Y-%m}", user_id=tenant.user_id,
    )  # fmt: skip
    return CloseQueued(month=f"{first:%Y-%m}")


@router.get("/ledger/charge-rules", response_model=list[ChargeRuleRead], summary="Charge rules")
async def list_charge_rules(tenant: ReaderTenant, session: SessionDep) -> Any:
    """Every recurring charge rule, past and present (a rule is never edited)."""
    return await rules.charge_rules(session, tenant)


@router.post(
    "/ledger/charge-rules",
    response_model=ChargeRuleRead,
    status_code=201,
    summary="Add a recurring charge",
)
async def add_charge_rule(body: ChargeRuleCreate, tenant: WriterTenant, session: SessionDep) -> Any:
    """A monthly charge per vehicle (of one kind, or all) or per member, from ``starts_on``."""
    return await rules.add_charge_rule(
        session, tenant, charge=body.charge, per_vehicle=body.per_vehicle,
        vehicle_kind=body.vehicle_kind, amount_vnd=body.amount_vnd,
        starts_on=body.starts_on, ends_on=body.ends_on,
    )  # fmt: skip


@router.get(
    "/ledger/commission-rules", response_model=list[CommissionRuleRead], summary="Commission rules"
)
async def list_commission_rules(tenant: ReaderTenant, session: SessionDep) -> Any:
    """Every commission rule; a job takes the latest started by its delivery day."""
    return await rules.commission_rules(session, tenant)


@router.post(
    "/ledger/commission-rules",
    response_model=CommissionRuleRead,
    status_code=201,
    summary="Add a commission rule",
)
async def add_commission_rule(
    body: CommissionRuleCreate, tenant: WriterTenant, session: SessionDep
) -> Any:
    """The cooperative's share of delivered jobs for a kind (or by default) from ``starts_on``:
    ``percent`` in basis points, ``fixed`` VND, or ``per_km`` VND per km of the job."""
    return await rules.add_commission_rule(
        session, tenant, vehicle_kind=body.vehicle_kind, method=body.method,
        value=body.value, starts_on=body.starts_on,
    )  # fmt: skip
