"""Request body caps per route class, enforced before authentication and while the body streams;
proof uploads counted, spooled to disk and served safely (issue 21, items 7 and 8)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.limits import MULTIPART_ROOM, BodyCaps
from api.routers.driver import _download_headers
from core.config import Settings
from core.storage import CHUNK, discard, spool
from routing.models import ProofFile
from tests.conftest import CoopWorld
from tests.driver.test_walkthrough import png
from tests.routing.test_orders import make

V1 = "/api/v1"


def test_route_classes(settings: Settings) -> None:
    caps = BodyCaps.from_settings(settings)
    assert caps.for_request(f"{V1}/orders", signed=False) == settings.body_max_bytes_anonymous
    assert caps.for_request(f"{V1}/orders", signed=True) == settings.body_max_bytes
    assert caps.for_request(f"{V1}/orders/import", signed=True) == (
        settings.csv_max_bytes + MULTIPART_ROOM
    )
    assert caps.for_request(f"{V1}/members/import", signed=True) == caps.csv_import
    assert caps.for_request(f"{V1}/driver/jobs/12/proof", signed=True) == (
        settings.upload_max_bytes * settings.proof_max_files + MULTIPART_ROOM
    )
    assert caps.for_request(f"{V1}/driver/jobs/12/proof", signed=False) == caps.anonymous


async def test_a_large_body_without_credentials_is_413_not_401(client: httpx.AsyncClient) -> None:
    body = b'{"customer_name": "' + b"x" * 20_000 + b'"}'
    answer = await client.post(
        f"{V1}/orders", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == "too_large" and answer.json()["field"] == "body"
    small = await client.post(f"{V1}/orders", json={"customer_name": "x"})
    assert small.status_code == 401  # under the cap, authentication decides as before
    vietnamese = await client.post(
        f"{V1}/auth/token",
        content=b"username=" + b"a" * 20_000,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept-Language": "vi-VN,vi;q=0.9",
        },
    )
    assert vietnamese.status_code == 413
    assert "giới hạn" in vietnamese.json()["message"] and "detail" in vietnamese.json()


async def test_a_signed_json_body_has_its_own_cap(
    client: httpx.AsyncClient, settings: Settings, coop_a: CoopWorld
) -> None:
    over = b'{"notes": "' + b"x" * settings.body_max_bytes + b'"}'
    answer = await client.post(
        f"{V1}/orders",
        content=over,
        headers={**coop_a.dispatcher.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413 and answer.json()["field"] == "body"


async def test_a_chunked_body_over_the_cap_is_cut_off(client: httpx.AsyncClient) -> None:
    """No Content-Length: the chunks are counted as they arrive and reading stops at the cap."""
    sent = 0
    chunk = b"x" * 4096

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"username="
        for _ in range(1000):  # 4 MB if it were all read
            sent += 1
            yield chunk

    answer = await client.post(
        f"{V1}/auth/token",
        content=endless(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == "too_large"
    assert sent < 10  # 16 KiB is four chunks and a bit: the rest was never pulled


async def test_proof_files_are_counted_before_anything_is_read(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    """Eleven files in one proof request: 422 naming ``photos`` (any number was read, all in
    memory); one file is stored and served with nosniff and a safe Content-Disposition."""
    order = await make(client, coop_a, "PROOF-UP")
    await session.execute(
        text("UPDATE orders SET status = 'at_dropoff', driver_id = :d WHERE id = :id"),
        {"d": coop_a.driver.user.driver_id, "id": order["id"]},
    )
    url = f"{V1}/driver/jobs/{order['id']}/proof"
    driver = coop_a.driver.headers
    eleven = [("photos", (f"{n}.png", png(), "image/png")) for n in range(11)]
    refused = await client.post(url, files=eleven, headers=driver)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "photos" and "at most 10" in refused.json()["message"]
    kept = await client.post(
        url, files=[("photos", ("x.svg", png(), "image/svg+xml"))], headers=driver
    )
    assert kept.status_code == 200, kept.text
    (stored,) = kept.json()["files"]
    assert stored["size"] == len(png())
    served = await client.get(stored["url"], headers=coop_a.dispatcher.headers)
    assert served.status_code == 200 and served.content == png()
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == f'inline; filename="proof-{stored["id"]}.png"'


def test_a_proof_that_is_not_an_image_is_downloaded_not_shown() -> None:
    headers = _download_headers(ProofFile(id=7, content_type="application/pdf"))
    assert headers["Content-Disposition"] == 'attachment; filename="proof-7.bin"'
    assert headers["X-Content-Type-Options"] == "nosniff"


async def test_spooling_stops_one_byte_past_the_limit() -> None:
    """An upload goes to disk in chunks, hashed on the way, and reading stops past the limit."""
    asked: list[int] = []

    async def endless(size: int) -> bytes:
        asked.append(size)
        return b"\xff" * size

    spooled = await spool(endless, 200_000)
    try:
        assert spooled.size == 200_001 and spooled.path.stat().st_size == 200_001
        assert spooled.sha256 == hashlib.sha256(b"\xff" * 200_001).hexdigest()
        assert spooled.head == b"\xff" * 16
        assert max(asked) <= CHUNK and sum(asked) == 200_001
    finally:
        discard([spooled])
    assert not spooled.path.exists()
