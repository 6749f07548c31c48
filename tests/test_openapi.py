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


def _integer_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The integer alternatives of a parameter or property schema (``int | None`` is anyOf)."""
    options = schema.get("anyOf", [schema])
    found = [option for option in options if option.get("type") == "integer"]
    items = [option["items"] for option in options if option.get("type") == "array"]
    return found + [item for item in items if item.get("type") == "integer"]


async def test_every_id_is_bounded_to_its_column(client: httpx.AsyncClient) -> None:
    """An id beyond its column is a 422 from validation, never a database error: every id path
    or query parameter and every id field of a request body declares its range."""
    spec = (await client.get("/api/v1/openapi.json")).json()
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if name == "ident" or name.endswith("_id"):
                    for schema in _integer_schemas(parameter["schema"]):
                        if "maximum" not in schema or "minimum" not in schema:
                            unbounded.append(f"{method.upper()} {path} {name}")
    bodies = {
        content["schema"].get("$ref", "").rsplit("/", 1)[-1]
        for operations in spec["paths"].values()
        for operation in operations.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
    }
    for model, schema in spec["components"]["schemas"].items():
        if model not in bodies or "properties" not in schema:
            continue
        for name, prop in schema["properties"].items():
            if name.endswith(("_id", "_ids")):
                for option in _integer_schemas(prop):
                    if "maximum" not in option or "minimum" not in option:
                        unbounded.append(f"{model}.{name}")
    assert unbounded == [], unbounded


def _bare(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """A schema that says nothing of the answer: empty (``Any``), an object without properties
    (``dict[str, Any]``), or a list or union of those."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    if not set(schema) - {"title", "description", "default", "examples"}:
        return True
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return any(_bare(option, schemas) for option in options if option.get("type") != "null")
    if schema.get("type") == "array":
        return _bare(schema.get("items", {}), schemas)
    if schema.get("type") == "object" and not schema.get("properties"):
        values = schema.get("additionalProperties")
        return not isinstance(values, dict) or _bare(values, schemas)
    return False


async def test_every_operation_declares_what_it_answers(client: httpx.AsyncClient) -> None:
    """Every operation has a 2xx answer with a schema that is not a bare object; downloads and
    streams declare their media type instead (204 has no body)."""
    spec = (await client.get("/api/v1/openapi.json")).json()
    schemas: dict[str, Any] = spec["components"]["schemas"]
    vague = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {path}"
            answers = {
                code: answer
                for code, answer in operation["responses"].items()
                if code.startswith("2")
            }
            if not answers:
                vague.append(f"{name}: no 2xx answer")
            for code, answer in answers.items():
                content = answer.get("content", {})
                if not content and code != "204":
                    vague.append(f"{name}: {code} without content")
                json_body = content.get("application/json")
                if json_body is not None and _bare(json_body.get("schema", {}), schemas):
                    vague.append(f"{name}: {code} is a bare object")
    assert vague == [], vague
