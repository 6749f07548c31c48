"""CSV import benchmark: a 3,000-row vehicles file through the API (target: under 5 s).

``python -m bench.csv_import`` builds a throwaway database, imports the file five times into
fresh cooperatives through the real app (httpx over ASGI, a signed-in dispatcher) and prints each
run and the median; as the raw baseline it times a plain COPY of the same rows in the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

import httpx
import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from core.config import Settings
from fleet.models import Cooperative
from migrations import upgrade
from tests.conftest import BASE_URL, admin_dsn, committed_app, committed_bearer

ROWS = 3000


def vehicles_csv(rows: int) -> str:
    lines = ["plate,kind,payload_kg,make,model,year,inspection_expiry,tracking_device_id"]
    lines += [
        f"60C-{n // 100:03d}.{n % 100:02d},truck,{5000 + n},Hino,FG8JP7A,2020,"
        f"2027-01-{1 + n % 28:02d},VT-{n:015d}"
        for n in range(rows)
    ]
    return "\n".join(lines) + "\n"


async def run(url: str) -> None:
    settings = Settings(database_url=url, secret_key="bench-" * 8)
    engine = create_async_engine(url)
    app = committed_app(settings, engine)
    text = vehicles_csv(ROWS).encode()
    timings = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
        for n in range(5):
            async with app.state.session_factory() as session:
                coop = Cooperative(name=f"HTX {n}", tax_code=f"39{n:08d}")
                session.add(coop)
                await session.commit()
            headers = await committed_bearer(
                engine, settings, cooperative_id=coop.id, role="dispatcher", login=f"d{n}@bench"
            )
            started = time.perf_counter()
            response = await c.post(
                "/api/v1/vehicles/import",
                files={"file": ("v.csv", text, "text/csv")},
                headers=headers,
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.json()["imported"] == ROWS, (
                response.text
            )
            print(f"run {n + 1}: {timings[-1]:.3f} s", flush=True)
    await engine.dispose()
    baseline = copy_baseline(url)
    median = statistics.median(timings)
    print(f"median import of {ROWS} rows through the API: {median:.3f} s (target < 5 s)")
    print(
        f"raw COPY of the same rows: {baseline:.3f} s; API import / raw COPY = "
        f"{median / baseline:.1f}x"
    )


def copy_baseline(url: str) -> float:
    libpq = url.replace("+psycopg", "")
    with psycopg.connect(libpq) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('raw', '3900000099') RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY vehicles (cooperative_id, plate, plate_key, kind, payload_kg, make, model,"
                " year, inspection_expiry, tracking_device_id) FROM STDIN"
            ) as copy,
        ):
            for line in vehicles_csv(ROWS).splitlines()[1:]:
                plate, kind, payload, make, model, year, expiry, device = line.split(",")
                copy.write_row(
                    (
                        coop,
                        plate,
                        plate.replace("-", "").replace(".", ""),
                        kind,
                        int(payload),
                        make,
                        model,
                        int(year),
                        expiry,
                        device,
                    )
                )
        conn.commit()
        return time.perf_counter() - started


def main() -> None:
    name = f"coopfleet_bench_csv_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_dsn(BASE_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = BASE_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        asyncio.run(run(url))
    finally:
        with psycopg.connect(admin_dsn(BASE_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
