"""Audit log benchmark: what the audit triggers cost a bulk write.

``python -m bench.audit`` builds a throwaway database and COPYs 3,000 vehicles into ``vehicles``
(as a CSV import or the seed writes them), alternately with the audit trigger on and off (the
raw baseline, same table, same run), and prints each run, the medians and their ratio. Each run
deletes its rows again with the triggers off, so every run starts from the same table.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg

from devtools.throwaway import database

ROWS = 3000
_COPY = (
    "COPY vehicles (cooperative_id, plate, plate_key, kind, payload_kg, make, inspection_expiry)"
    " FROM STDIN"
)


def _switch(conn: psycopg.Connection[tuple[object, ...]], on: bool, *events: str) -> None:
    for event in events:
        state = "ENABLE" if on else "DISABLE"
        conn.execute(f"ALTER TABLE vehicles {state} TRIGGER vehicles_audit_{event}")


def _copy(conn: psycopg.Connection[tuple[object, ...]], coop: int, audited: bool) -> float:
    _switch(conn, audited, "insert")
    conn.commit()
    started = time.perf_counter()
    with conn.cursor().copy(_COPY) as copy:
        for n in range(ROWS):
            copy.write_row((coop, f"60C-{n:05d}", f"60C{n:05d}", "truck", 5000 + n, "Hino",
                            "2027-01-01"))  # fmt: skip
    conn.commit()
    elapsed = time.perf_counter() - started
    _switch(conn, False, "insert", "delete")
    conn.execute("DELETE FROM vehicles")
    _switch(conn, True, "insert", "delete")
    conn.commit()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs each way")
    args = parser.parse_args()
    with database("audit") as url, psycopg.connect(url.replace("+psycopg", "")) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('HTX bench', '3600000002')"
            " RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        conn.commit()
        audited: list[float] = []
        raw: list[float] = []
        for run in range(args.runs):
            audited.append(_copy(conn, coop, True))
            raw.append(_copy(conn, coop, False))
            print(f"run {run + 1}: COPY {ROWS} vehicles {audited[-1]:.3f} s audited, "
                  f"{raw[-1]:.3f} s without the trigger", flush=True)  # fmt: skip
        with_median, raw_median = statistics.median(audited), statistics.median(raw)
        print(
            f"median {with_median:.3f} s audited, {raw_median:.3f} s raw: "
            f"{with_median / raw_median:.2f}x, {(with_median - raw_median) / ROWS * 1e6:.0f} µs "
            "per audited row"
        )


if __name__ == "__main__":
    main()
