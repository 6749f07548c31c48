"""CSV import benchmark: a 3,000-row vehicles file through the API (target: under 5 s).

``python -m bench.csv_import`` builds a throwaway database, imports the file five times into
fresh cooperatives through the real app (httpx over ASGI, a signed-in dispatcher) and prints each
run and the median; as the raw baseline it times, in the same run, a plain COPY of the same rows
(derived columns computed beforehand) into the same table.
"""

from __future__ import annotations

import asyncio
import csv
import io
import statistics
import time
from datetime import date
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from devtools.throwaway import database
from fleet.csv_io import LIST_SEPARATOR
from fleet.entities import VEHICLES
from fleet.models import Cooperative, Vehicle

ROWS = 3000
RUNS = 5


def vehicles(count: int) -> list[dict[str, Any]]:
    """Rows as an office would have them: some cells empty, some vehicles with features."""
    return [
        {
            "plate": f"60C-{n // 100:03d}.{n % 100:02d}",
            "kind": "truck",
            "payload_kg": 5000 + n,
            "make": "Hino" if n % 2 else None,
            "model": "FG8JP7A" if n % 2 else None,
            "year": 2010 + n % 15 if n % 5 else None,
            "features": ["crane", "tail_lift"][: n % 3],
            "inspection_expiry": date(2027, 1, 1 + n % 28),
            "tracking_device_id": f"VT-{n:015d}" if n % 4 else None,
        }
        for n in range(count)
    ]


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(rows[0])
    for row in rows:
        writer.writerow(
            LIST_SEPARATOR.join(value) if isinstance(value, list) else value
            for value in row.values()
        )
    return buffer.getvalue().encode()


async def import_runs(url: str, content: bytes) -> list[float]:
    settings = Settings(database_url=url, secret_key="bench-" * 8)
    engine = create_async_engine(url)
    app = committed_app(settings, engine)
    timings = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n in range(RUNS):
            async with app.state.session_factory() as session:
                coop = Cooperative(name=f"HTX {n}", tax_code=f"39{n:08d}")
                session.add(coop)
                await session.commit()
            headers = await committed_bearer(
                engine, settings, cooperative_id=coop.id, role="dispatcher", login=f"d{n}@bench"
            )
            started = time.perf_counter()
            response = await client.post(
                "/api/v1/vehicles/import",
                files={"file": ("vehicles.csv", content, "text/csv")},
                headers=headers,
            )
            timings.append(time.perf_counter() - started)
            if response.status_code != 200 or response.json()["imported"] != ROWS:
                raise RuntimeError(f"the import failed: {response.text[:500]}")
            print(f"run {n + 1}: {timings[-1]:.3f} s", flush=True)
    await engine.dispose()
    return timings


def copy_baseline(url: str, rows: list[dict[str, Any]]) -> float:
    """Seconds to COPY the same rows, with their derived columns, into ``vehicles`` and commit."""
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    columns = ["cooperative_id", *rows[0], "plate_key", "search"]
    with psycopg.connect(libpq) as conn:
        inserted = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('raw', '3999999999') RETURNING id"
        ).fetchone()
        assert inserted is not None
        records = []
        for values in rows:
            vehicle = Vehicle(cooperative_id=inserted[0], **values)
            VEHICLES.derive(vehicle)
            records.append([getattr(vehicle, column) for column in columns])
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY vehicles ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for record in records:
                copy.write_row(record)
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    with database("csv") as url:
        rows = vehicles(ROWS)
        timings = asyncio.run(import_runs(url, as_csv(rows)))
        baseline = copy_baseline(url, rows)
    median = statistics.median(timings)
    print(f"median import of {ROWS} rows through the API: {median:.3f} s (target < 5 s)")
    print(f"raw COPY of the same rows: {baseline:.3f} s")
    print(f"API import / raw COPY = {median / baseline:.1f}x")


if __name__ == "__main__":
    main()
