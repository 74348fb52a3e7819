"""The OpenAPI document served at /openapi.json (and rendered at /docs) describes the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from schemathesis.errors import FailureGroup

from attune.platform.ratelimit import EXEMPT_PATHS
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.fuzz.documented import assert_documented


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


class TestEdgeAnswers:
    """What the middleware, the auth dependencies and the database can answer to any operation
    is in the document, and real answers of that kind match it."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return make_settings(tmp_path, database_url, rate_limits=True, max_body_bytes=1024)

    async def test_every_operation_documents_the_errors_it_can_meet(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        for method, path, operation in operations(document):
            responses = operation["responses"]
            assert "500" in responses, f"{method} {path}"
            assert ("429" in responses) == (path not in EXEMPT_PATHS), f"{method} {path}"
            if method in ("POST", "PUT", "PATCH"):
                assert {"413", "415"} <= responses.keys(), f"{method} {path}"
            if operation.get("security"):
                assert "401" in responses, f"{method} {path}"
            for status, response in responses.items():
                assert "X-Request-ID" in response["headers"], f"{method} {path} {status}"

    async def test_busy_database_is_documented_where_the_database_is_used(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await openapi(client)
        busy = document["paths"]["/api/bookings"]["post"]["responses"]["503"]
        assert busy["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
        assert "Retry-After" in busy["headers"]
        assert "503" not in document["paths"]["/health"]["get"]["responses"]

    async def test_rate_limited_answer_matches_the_document(
        self, client: httpx.AsyncClient
    ) -> None:
        login = {"email": "nobody@example.com", "password": "not the password"}
        for _ in range(5):
            assert (await client.post("/api/auth/login", json=login)).status_code == 401
        response = await client.post("/api/auth/login", json=login)

        assert response.status_code == 429
        assert_documented(await openapi(client), "POST", "/api/auth/login", response)

    async def test_body_too_large_matches_the_document(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            content=json.dumps({"first_name": "x" * 2000}),
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 413
        assert_documented(await openapi(client), "POST", "/api/auth/register", response)

    async def test_body_that_is_not_json_matches_the_document(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/login", content="email=a", headers={"Content-Type": "text/plain"}
        )

        assert response.status_code == 415
        assert_documented(await openapi(client), "POST", "/api/auth/login", response)

    async def test_missing_login_matches_the_document(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/bookings")

        assert response.status_code == 401
        assert_documented(await openapi(client), "GET", "/api/bookings", response)

    async def test_an_undocumented_answer_is_caught(self, client: httpx.AsyncClient) -> None:
        """The check above can fail: a 401 is not an answer that /health documents."""
        response = await client.get("/api/bookings")

        with pytest.raises(FailureGroup):
            assert_documented(await openapi(client), "GET", "/health", response)
