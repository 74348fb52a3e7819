"""Every error a client can meet at the edge has the documented JSON shape."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.errors import Conflict
from attune.platform.settings import Settings

probe = APIRouter()


class Note(BaseModel):
    text: str


@probe.post("/api/probe/notes", status_code=201)
async def create_note(note: Note) -> Note:
    return note


@probe.get("/api/probe/crash")
async def crash() -> None:
    raise RuntimeError("database password is hunter2")


@probe.get("/api/probe/conflict")
async def conflict() -> None:
    raise Conflict("The selected time slot is no longer available")


class _DriverError(Exception):
    """Stands in for a driver's exception: what SQLAlchemy wraps, with a SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@probe.get("/api/probe/database/{sqlstate}")
async def database_error(sqlstate: str) -> None:
    raise DBAPIError("UPDATE schedules ...", None, _DriverError(sqlstate))


@probe.get("/api/probe/sqlite-busy")
async def sqlite_busy() -> None:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY
    raise DBAPIError("INSERT INTO bookings ...", None, error)


@probe.get("/api/probe/pool-exhausted")
async def pool_exhausted() -> None:
    raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached")


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> FastAPI:
    app = create_app(settings, database=database, clock=clock)
    app.include_router(probe)
    return app


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


async def test_wrong_method_is_a_json_405_naming_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/health")

    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}
    assert response.headers["allow"] == "GET, HEAD"


async def test_body_declared_too_large_is_refused_with_413(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    body = b'{"text": "' + b"x" * settings.max_body_bytes + b'"}'

    response = await client.post(
        "/api/probe/notes", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["error"] == "Request body too large"


async def test_chunked_body_streaming_past_the_limit_is_refused_with_413(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(settings.max_body_bytes // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    response = await client.post(
        "/api/probe/notes", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json() == {
        "error": "Request body too large",
        "details": "The body may be at most 1048576 bytes",
    }


async def test_chunked_body_within_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": '
        yield b'"hello"}'

    response = await client.post(
        "/api/probe/notes", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201
    assert response.json() == {"text": "hello"}


async def test_body_that_is_not_json_is_refused_with_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/probe/notes", content=b"text=hello", headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 415
    assert response.json()["error"] == "Unsupported media type"


async def test_json_with_a_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/probe/notes",
        content=b'{"text": "hello"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 201


async def test_malformed_json_is_a_400_invalid_request_format(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/probe/notes", content=b'{"text": ', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Invalid request format"
    assert body["details"] == "The body is not valid JSON"


async def test_missing_field_is_a_400_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/probe/notes", json={})

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid request format"
    assert response.json()["details"] == "Text is required"


async def test_domain_error_keeps_its_status_and_message(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/probe/conflict")

    assert response.status_code == 409
    assert response.json() == {"error": "The selected time slot is no longer available"}


async def test_unexpected_error_is_a_500_with_request_id_and_no_stack_trace(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/probe/crash")

    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json() == {"error": "Internal server error", "request_id": request_id}
    assert "Traceback" not in response.text
    assert "hunter2" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_unexpected_error_keeps_the_request_id_the_client_sent(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/probe/crash", headers={"X-Request-ID": "support-ticket-42"})

    assert response.status_code == 500
    assert response.json()["request_id"] == "support-ticket-42"


class TestDatabaseContention:
    @pytest.mark.parametrize("sqlstate", ["40001", "40P01", "55P03"])
    async def test_a_conflict_that_a_retry_resolves_is_a_503_to_retry(
        self, client: httpx.AsyncClient, sqlstate: str
    ) -> None:
        response = await client.get(f"/api/probe/database/{sqlstate}")

        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"] == "Service temporarily unavailable"
        assert "nothing was changed" in response.json()["details"]

    async def test_sqlite_still_busy_after_its_timeout_is_a_503_to_retry(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/probe/sqlite-busy")

        assert response.status_code == 503

    async def test_an_exhausted_connection_pool_is_a_503_to_retry(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/probe/pool-exhausted")

        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"

    async def test_any_other_database_error_is_a_500_that_reveals_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/probe/database/42P01")

        assert response.status_code == 500
        assert set(response.json()) == {"error", "request_id"}
        assert "schedules" not in response.text
