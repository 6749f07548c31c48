"""The OpenAPI document describes every endpoint, with examples for every request body."""

from __future__ import annotations

from typing import Any

import httpx


async def test_every_operation_is_documented_with_examples(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    schemas: dict[str, Any] = spec["components"]["schemas"]
    undocumented, without_example = [], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            if not operation.get("summary") or not operation.get("description"):
                undocumented.append(name)
            content = operation.get("requestBody", {}).get("content", {})
            json_body = content.get("application/json")
            if json_body is None:
                continue
            ref = json_body["schema"].get("$ref", "")
            schema = schemas.get(ref.rsplit("/", 1)[-1], json_body["schema"])
            if "examples" not in schema and "example" not in json_body:
                without_example.append(name)
    assert undocumented == [], undocumented
    assert without_example == [], without_example
    assert len(spec["paths"]) >= 20
