"""The members' ledger at the size of a large cooperative: a year of 3,000 members (targets:
month close ≤ 10 s, one member's statement p95 ≤ 100 ms, all balances p95 ≤ 1 s).

``python -m bench.ledger`` builds a throwaway database with the demo cooperative (3,000 members
and vehicles) and writes a year (January–December 2026) with COPY, not the ORM: each month a
management fee per vehicle, ~150,000 settled jobs split 90/10 between the owner and the
cooperative, and a payout (or a payment) per member settling the month for 95 % of them. Then:

- month close as the worker runs it (``worker.ledger.close_month``: the month's charges and
  deliveries brought up to date — all already there — then the trial balance to the month's end
  and the period recorded), for October, November and December; beside it the bare trial-balance
  SQL;
- one member's November statement through the API (in process, as the accountant) for random
  members; beside it the statement's two bare SQL queries;
- every member's balance with its ageing through the API; beside it a bare sum per member.

Each figure is printed with its bare SQL. The machine is shared: quote medians of several runs.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import time
from datetime import date, timedelta

import httpx
import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from devtools.throwaway import database
from ledger.months import month_end
from worker import ledger as ledger_jobs
from worker.runtime import Runtime

YEAR = 2026
FEE_VND = 500_000
COMMISSION_BP = 1_000
ACCOUNT_KINDS = ("fee_income", "commission_income", "customers", "bank")


def _months() -> list[date]:
    return [date(YEAR, month, 1) for month in range(1, 13)]


class _Writer:
    """COPY text for entries and lines, numbered as it goes."""

    def __init__(self, coop: int, accounts: dict[str, int], member_accounts: dict[int, int]):
        self.coop = coop
        self.accounts = accounts
        self.member_accounts = member_accounts
        self.entries = io.StringIO()
        self.lines = io.StringIO()
        self.entry_id = 0
        self.line_id = 0

    def entry(
        self, day: date, source: str, key: str, memo: str, lines: list[tuple[str, int | None, int]]
    ) -> None:
        self.entry_id += 1
        self.entries.write(f"{self.entry_id}\t{self.coop}\t{day}\t{source}\t{key}\t{memo}\n")
        for kind, member, amount in lines:
            self.line_id += 1
            account = self.member_accounts[member] if member else self.accounts[kind]
            member_text = str(member) if member else "\\N"
            self.lines.write(
                f"{self.line_id}\t{self.coop}\t{self.entry_id}\t{account}\t{member_text}"
                f"\t{day}\t{amount}\n"
            )


def fill(url: str, jobs_per_month: int, seed: int) -> tuple[int, int]:
    """A year of the demo cooperative's ledger by COPY; (cooperative id, lines written)."""
    rng = random.Random(seed)
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        coop = conn.execute(
            "SELECT id FROM cooperatives WHERE name = 'HTX Vận tải Biên Hòa'"
        ).fetchone()[0]  # type: ignore[index]
        vehicles = conn.execute(
            "SELECT id, owner_member_id FROM vehicles WHERE cooperative_id = %s"
            " AND owner_member_id IS NOT NULL AND status <> 'retired' ORDER BY id",
            (coop,),
        ).fetchall()
        members = [r[0] for r in conn.execute(
            "SELECT id FROM members WHERE cooperative_id = %s ORDER BY id", (coop,)
        )]  # fmt: skip
        rule = conn.execute(
            "INSERT INTO ledger_charge_rules (cooperative_id, charge, per_vehicle, amount_vnd,"
            " starts_on) VALUES (%s, 'management_fee', true, %s, %s) RETURNING id",
            (coop, FEE_VND, date(YEAR, 1, 1)),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO ledger_commission_rules (cooperative_id, method, value, starts_on)"
            " VALUES (%s, 'percent', %s, %s)",
            (coop, COMMISSION_BP, date(YEAR, 1, 1)),
        )
        accounts = {
            kind: conn.execute(
                "INSERT INTO ledger_accounts (cooperative_id, kind) VALUES (%s, %s) RETURNING id",
                (coop, kind),
            ).fetchone()[0]  # type: ignore[index]
            for kind in ACCOUNT_KINDS
        }
        member_accounts = {}
        for member in members:
            member_accounts[member] = conn.execute(
                "INSERT INTO ledger_accounts (cooperative_id, kind, member_id)"
                " VALUES (%s, 'member', %s) RETURNING id",
                (coop, member),
            ).fetchone()[0]  # type: ignore[index]
        writer = _Writer(coop, accounts, member_accounts)
        unpaid = set(rng.sample(members, len(members) // 20))  # 5 % leave their fees unpaid
        order = 0
        for first in _months():
            net: dict[int, int] = dict.fromkeys(members, 0)
            for vehicle, owner in vehicles:
                fee_lines = [("member", owner, FEE_VND), ("fee_income", None, -FEE_VND)]
                writer.entry(first, "charge", f"charge:{rule}:{first:%Y-%m}:v{vehicle}",
                             f"Phí quản lý {first:%m/%Y}", fee_lines)  # fmt: skip
                net[owner] += FEE_VND
            days = (month_end(first) - first).days + 1
            for _ in range(jobs_per_month):
                order += 1
                vehicle, owner = vehicles[rng.randrange(len(vehicles))]
                price = rng.randrange(300, 5_000) * 1_000
                fee = (price * COMMISSION_BP + 5_000) // 10_000
                day = first + timedelta(days=rng.randrange(days))
                writer.entry(day, "settlement", f"order:{order}", f"Chuyến DH-{order}",
                             [("customers", None, price), ("member", owner, fee - price),
                              ("commission_income", None, -fee)])  # fmt: skip
                net[owner] += fee - price
            payday = first + timedelta(days=27)
            for member, amount in net.items():
                if amount == 0 or (member in unpaid and amount > 0):
                    continue
                source = "payout" if amount < 0 else "payment"
                writer.entry(payday, source, f"bank:{first:%Y-%m}:{member}", "Quyết toán tháng",
                             [("member", member, -amount), ("bank", None, amount)])  # fmt: skip
        conn.execute("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_balanced")
        with conn.cursor() as cursor:
            with cursor.copy(
                "COPY ledger_entries (id, cooperative_id, posted_on, source, source_key, memo)"
                " FROM STDIN"
            ) as copy:
                copy.write(writer.entries.getvalue())
            with cursor.copy(
                "COPY ledger_lines (id, cooperative_id, entry_id, account_id, member_id,"
                " posted_on, amount_vnd) FROM STDIN"
            ) as copy:
                copy.write(writer.lines.getvalue())
        conn.execute("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_balanced")
        conn.execute("SELECT setval('ledger_entries_id_seq', %s)", (writer.entry_id,))
        conn.execute("SELECT setval('ledger_lines_id_seq', %s)", (writer.line_id,))
        conn.execute("VACUUM ANALYZE")
        return int(coop), writer.line_id


def _timed(values: list[float], started: float) -> None:
    values.append(time.perf_counter() - started)


async def measure(
    url: str, coop: int, statements: int, balance_runs: int
) -> dict[str, list[float]]:
    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40)
    keys = ("close", "close_sql", "statement", "statement_sql", "balances", "balances_sql")
    timings: dict[str, list[float]] = {key: [] for key in keys}
    runtime = Runtime.open(settings)
    sync = url.replace("+psycopg", "")
    try:
        for first in _months()[-3:]:
            with psycopg.connect(sync) as conn:
                started = time.perf_counter()
                conn.execute(
                    "SELECT sum(amount_vnd) FROM ledger_lines WHERE cooperative_id = %s"
                    " AND posted_on <= %s", (coop, month_end(first)),
                ).fetchone()  # fmt: skip
                _timed(timings["close_sql"], started)
            started = time.perf_counter()
            await ledger_jobs.close_month(runtime, coop, f"{first:%Y-%m}", None)
            _timed(timings["close"], started)
            with psycopg.connect(sync) as conn:
                closed = conn.execute(
                    "SELECT count(*) FROM ledger_periods WHERE cooperative_id = %s AND month = %s",
                    (coop, first),
                ).fetchone()[0]  # type: ignore[index]
                assert closed == 1, f"{first} was not closed"
    finally:
        await runtime.close()

    engine = create_async_engine(url, pool_size=5)
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="accountant", login="bench@ledger.vn"
    )
    with psycopg.connect(sync) as conn:
        members = [r[0] for r in conn.execute(
            "SELECT id FROM members WHERE cooperative_id = %s", (coop,))]  # fmt: skip
    picked = random.Random(7).sample(members, statements)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=committed_app(settings, engine)),
        base_url="http://bench",
        timeout=60,
    ) as client:
        for member in picked[:5]:  # warm up: the app's first answers are not measured
            await client.get(
                f"/api/v1/ledger/members/{member}/statement?month={YEAR}-10", headers=headers
            )
        for member in picked:
            started = time.perf_counter()
            answer = await client.get(
                f"/api/v1/ledger/members/{member}/statement?month={YEAR}-11", headers=headers
            )
            _timed(timings["statement"], started)
            assert answer.status_code == 200, answer.text
        for _ in range(balance_runs):
            started = time.perf_counter()
            answer = await client.get(
                f"/api/v1/ledger/balances?as_of={YEAR}-12-31", headers=headers
            )
            _timed(timings["balances"], started)
            assert answer.status_code == 200 and len(answer.json()["rows"]) == len(members)
    await engine.dispose()
    with psycopg.connect(sync) as conn:
        first, last = date(YEAR, 11, 1), date(YEAR, 11, 30)
        for member in picked:
            started = time.perf_counter()
            conn.execute(
                "SELECT coalesce(sum(amount_vnd), 0) FROM ledger_lines WHERE cooperative_id = %s"
                " AND member_id = %s AND posted_on < %s", (coop, member, first),
            ).fetchone()  # fmt: skip
            conn.execute(
                "SELECT l.posted_on, e.id, e.memo, l.amount_vnd FROM ledger_lines l"
                " JOIN ledger_entries e ON e.id = l.entry_id WHERE l.cooperative_id = %s"
                " AND l.member_id = %s AND l.posted_on BETWEEN %s AND %s"
                " ORDER BY l.posted_on, e.id", (coop, member, first, last),
            ).fetchall()  # fmt: skip
            _timed(timings["statement_sql"], started)
        for _ in range(balance_runs):
            started = time.perf_counter()
            conn.execute(
                "SELECT member_id, sum(amount_vnd) FROM ledger_lines WHERE cooperative_id = %s"
                " AND member_id IS NOT NULL AND posted_on <= %s GROUP BY member_id",
                (coop, date(YEAR, 12, 31)),
            ).fetchall()
            _timed(timings["balances_sql"], started)
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs-per-month", type=int, default=150_000)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--balance-runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with database("ledger", demo=True) as url:
        started = time.perf_counter()
        coop, lines = fill(url, args.jobs_per_month, args.seed)
        print(f"wrote a year: {lines:,} lines ({args.jobs_per_month:,} jobs a month) by COPY"
              f" in {time.perf_counter() - started:.0f} s")  # fmt: skip
        timings = asyncio.run(measure(url, coop, args.statements, args.balance_runs))
    close, close_sql = timings["close"], timings["close_sql"]
    print("month close (Oct, Nov, Dec; target ≤ 10 s): "
          + " / ".join(f"{v:.2f} s" for v in close)
          + "; bare trial-balance SQL " + " / ".join(f"{v:.2f} s" for v in close_sql))  # fmt: skip
    for key, target in (("statement", "p95 ≤ 100 ms"), ("balances", "p95 ≤ 1 s")):
        values, bare = timings[key], timings[f"{key}_sql"]
        print(
            f"{key}: median {_ms(statistics.median(values))}, p95 {_ms(_p95(values))} over"
            f" {len(values)} requests ({target}); bare SQL median {_ms(statistics.median(bare))},"
            f" p95 {_ms(_p95(bare))} (API / bare at p95 {_p95(values) / _p95(bare):.1f}×)"
        )


if __name__ == "__main__":
    main()
