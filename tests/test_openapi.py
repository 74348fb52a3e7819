"""The OpenAPI document served at /openapi.json (and rendered at /docs) describes the service."""

from __future__ import annotations

import json
from typing import Any

import httpx


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def resolved(document: dict[str, Any], node: Any) -> str:
    """The operation with the schemas it refers to, as text, to look for examples in."""
    text = json.dumps(node)
    for name, schema in document["components"]["schemas"].items():
        if f"#/components/schemas/{name}" in text:
            text += json.dumps(schema)
    return text


async def test_every_operation_has_a_summary_and_an_example(client: httpx.AsyncClient) -> None:
    document = await openapi(client)
    for method, path, operation in operations(document):
        assert operation.get("summary"), f"{method} {path} has no summary"
        if path != "/metrics":  # Prometheus text, not JSON
            assert "example" in resolved(document, operation), f"{method} {path} has no example"


async def test_validation_errors_are_documented_as_400_not_422(client: httpx.AsyncClient) -> None:
    document = await openapi(client)
    for method, path, operation in operations(document):
        assert "422" not in operation["responses"], f"{method} {path} documents a 422"
    assert "HTTPValidationError" not in document["components"]["schemas"]
    register = document["paths"]["/api/auth/register"]["post"]["responses"]
    assert register["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


async def test_docs_page_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
