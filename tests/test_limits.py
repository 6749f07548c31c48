"""Request body caps per route class, enforced before authentication and while the body streams;
proof uploads counted, spooled to disk and served safely (issue 21, items 7 and 8)."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.limits import MULTIPART_ROOM, BodyCaps
from api.routers.driver import _download_headers
from core.config import Settings
from core.storage import CHUNK, discard, spool
from devtools.apps import committed_app
from routing.models import ProofFile
from tests.conftest import CoopWorld
from tests.driver.test_walkthrough import png
from tests.routing.test_orders import make
from tests.waiting import SERVER_START_S, wait_until_async

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


@pytest_asyncio.fixture
async def served(settings: Settings, engine: AsyncEngine) -> AsyncIterator[int]:
    """The app behind a real uvicorn on a free port (the body arrives over a socket)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(committed_app(settings, engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    await wait_until_async(lambda: server.started, SERVER_START_S, what="the server started")
    yield port
    server.should_exit = True
    await asyncio.to_thread(thread.join, 10)


async def _answer_while_sending(port: int, head: bytes, chunk: bytes) -> tuple[bytes, int]:
    """Send ``head`` then ``chunk`` again and again, as an endless upload would, until the
    server answers; its status line and how many chunks went out by then."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head)
    sent = 0
    try:
        async with asyncio.timeout(10):
            while True:
                try:
                    return await asyncio.wait_for(reader.readline(), 0.02), sent
                except TimeoutError:
                    writer.write(chunk)
                    await writer.drain()
                    sent += 1
    finally:
        writer.close()


async def test_a_real_server_refuses_before_the_body_arrives(served: int) -> None:
    """Over a socket: a declared gigabyte is refused at once, with nothing of it sent; a chunked
    body is refused soon after it passes 16 KiB, while the client is still sending."""
    declared = (
        b"POST /api/v1/orders HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1073741824\r\n\r\n"
    )
    status, sent = await _answer_while_sending(served, declared, b"x" * 4096)
    assert status.startswith(b"HTTP/1.1 413"), status
    assert sent < 50  # not the gigabyte: the answer came before the body
    chunked = (
        b"POST /api/v1/auth/token HTTP/1.1\r\nHost: test\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    status, sent = await _answer_while_sending(served, chunked, b"1000\r\n" + b"x" * 4096 + b"\r\n")
    assert status.startswith(b"HTTP/1.1 413"), status
    assert sent < 200
