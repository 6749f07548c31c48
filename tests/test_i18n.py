"""Errors speak Vietnamese to callers who ask for it, English otherwise."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.i18n import wants_vietnamese
from tests import factories
from tests.conftest import CoopWorld


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("vi-VN,vi;q=0.9,en;q=0.8", True),
        ("en-US,en;q=0.9,vi;q=0.8", False),
        ("en;q=0.5, vi;q=0.9", True),
        ("fr-FR", False),
        ("", False),
        (None, False),
    ],
)
def test_language_negotiation(header: str | None, expected: bool) -> None:
    assert wants_vietnamese(header) is expected


async def test_errors_in_vietnamese_keep_the_english_detail(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    await factories.make_vehicle(session, coop_a.coop, plate="60C-123.45")
    await session.commit()
    vi = {**coop_a.admin.headers, "Accept-Language": "vi-VN,vi;q=0.9"}
    invalid = await client.post(
        "/api/v1/vehicles", json={"plate": "X", "kind": "truck", "payload_kg": 1}, headers=vi
    )
    assert invalid.status_code == 422
    assert invalid.json()["message"] == "Dữ liệu không hợp lệ ở trường «plate»."
    assert "Vietnamese plate" in invalid.json()["detail"]
    duplicate = await client.post(
        "/api/v1/vehicles",
        json={"plate": "60C-123.45", "kind": "truck", "payload_kg": 1},
        headers=vi,
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["message"].startswith("Giá trị của trường «plate»")
    missing = await client.get("/api/v1/vehicles/999999", headers=vi)
    assert missing.json()["message"] == "Không tìm thấy dữ liệu yêu cầu."

    english = await client.get("/api/v1/vehicles/999999", headers=coop_a.admin.headers)
    assert english.json()["message"] == "vehicle 999999 not found"
    assert "detail" not in english.json()
