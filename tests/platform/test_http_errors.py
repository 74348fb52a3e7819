"""Every error a client can meet at the edge has the documented JSON shape."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal
from uuid import UUID

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

import attune
from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.errors import AttuneError, BadRequest, Conflict
from attune.platform.settings import Settings

probe = APIRouter()


class Note(BaseModel):
    text: str


@probe.post("/api/probe/notes", status_code=201)
async def create_note(note: Note) -> Note:
    return note


class Visit(BaseModel):
    """One field of each kind that the service's schemas use, to see every message people get."""

    model_config = ConfigDict(extra="forbid")

    first_name: Annotated[str, StringConstraints(min_length=1, max_length=5)]
    otp: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] = "123456"
    seats: Annotated[int, Field(ge=1, le=10)] = 1
    price: float = 1.0
    paid: bool = False
    day: date = date(2025, 1, 1)
    starts_at: AwareDatetime = datetime(2025, 1, 1, tzinfo=UTC)
    at: time = time(9, 0)
    kind: Literal["video", "phone"] = "video"
    preferred_dates: Annotated[list[date], Field(min_length=1, max_length=2)] = [date(2025, 1, 1)]
    room: UUID = UUID(int=0)


@probe.post("/api/probe/visits", status_code=201)
async def create_visit(visit: Visit) -> None:
    return None


@probe.get("/api/probe/crash")
async def crash() -> None:
    raise RuntimeError("database password is hunter2")


@probe.get("/api/probe/conflict")
async def conflict() -> None:
    raise Conflict("The selected time slot is no longer available")


@probe.get("/api/probe/bad-date")
async def bad_date() -> None:
    raise BadRequest(
        "Date of birth cannot be in the future", details="Enter a past date.", field="date_of_birth"
    )


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
    assert response.json() == {
        "error": "Not found",
        "details": "No endpoint answers at this path; GET /api/ lists them.",
    }


async def test_wrong_method_is_a_json_405_naming_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/health")

    assert response.status_code == 405
    assert response.json() == {
        "error": "Method not allowed",
        "details": "This path answers GET, HEAD.",
    }
    assert response.headers["allow"] == "GET, HEAD"


def _error_classes(root: type[AttuneError]) -> Iterator[type[AttuneError]]:
    for subclass in root.__subclasses__():
        yield subclass
        yield from _error_classes(subclass)


def test_every_error_says_what_to_do_in_its_details() -> None:
    for module in pkgutil.walk_packages(attune.__path__, "attune."):
        if not module.name.endswith("__main__") and ".migrations" not in module.name:
            importlib.import_module(module.name)

    without = [
        f"{error.__module__}.{error.__name__}"
        for error in _error_classes(AttuneError)
        if not error.details or error.details == error.error
    ]

    assert without == []


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


# Words of the validator's own messages, which mean nothing to the person who typed the value.
VALIDATOR_WORDING = ("should", "Input", "String", "pattern", "Value error", "[", "{", "_")


class TestValidationMessages:
    """Each validation error is a sentence about the field in words, for a person to act on."""

    @pytest.mark.parametrize(
        ("body", "details"),
        [
            ({"first_name": ""}, "First name is required"),
            ({"first_name": "Adalbert"}, "First name must be at most 5 characters long"),
            ({"first_name": 7}, "First name must be text"),
            ({"first_name": "Ada", "otp": "12345"}, "Enter the 6-digit code from the e-mail"),
            ({"first_name": "Ada", "seats": 0}, "Seats must be at least 1"),
            ({"first_name": "Ada", "seats": 11}, "Seats must be at most 10"),
            ({"first_name": "Ada", "seats": "two"}, "Seats must be a whole number"),
            ({"first_name": "Ada", "seats": 1.5}, "Seats must be a whole number"),
            ({"first_name": "Ada", "price": "cheap"}, "Price must be a number"),
            ({"first_name": "Ada", "paid": "maybe"}, "Paid must be true or false"),
            ({"first_name": "Ada", "day": "14/03/2025"}, "Day must be a date such as 2025-03-14"),
            (
                {"first_name": "Ada", "starts_at": "2025-03-14T10:00:00"},
                "Starts at must be a date and time with its offset, such as 2025-03-14T10:00:00Z",
            ),
            ({"first_name": "Ada", "at": "noon"}, "At must be a time of day such as 14:30"),
            (
                {"first_name": "Ada", "kind": "letter"},
                "Kind must be one of: 'video' or 'phone'",
            ),
            (
                {"first_name": "Ada", "preferred_dates": []},
                "Preferred dates must have at least 1 item",
            ),
            (
                {"first_name": "Ada", "preferred_dates": ["2025-01-01", "tomorrow"]},
                "Preferred dates (item 2) must be a date such as 2025-03-14",
            ),
            (
                {"first_name": "Ada", "preferred_dates": "2025-01-01"},
                "Preferred dates must be a list",
            ),
            (
                {"first_name": "Ada", "room": "abc"},
                "Room must be an id such as 3fa85f64-5717-4562-b3fc-2c963f66afa6",
            ),
            ({"first_name": "Ada", "colour": "red"}, "Colour is not an accepted field"),
            ([], "The body must be a JSON object"),
        ],
    )
    async def test_says_what_is_wrong_in_words(
        self, client: httpx.AsyncClient, body: object, details: str
    ) -> None:
        response = await client.post("/api/probe/visits", json=body)

        assert response.status_code == 400
        assert response.json()["details"] == details
        assert not any(word in details for word in VALIDATOR_WORDING)

    async def test_names_every_field_that_is_wrong_and_lists_them(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/probe/visits", json={"otp": "1", "seats": 0})

        assert response.json() == {
            "error": "Invalid request format",
            "details": "First name is required; Enter the 6-digit code from the e-mail; "
            "Seats must be at least 1",
            "fields": [
                {"field": "first_name", "message": "First name is required"},
                {"field": "otp", "message": "Enter the 6-digit code from the e-mail"},
                {"field": "seats", "message": "Seats must be at least 1"},
            ],
        }

    async def test_a_missing_body_is_named_as_such(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/probe/visits")

        assert response.status_code == 400
        assert response.json()["details"] == "The request needs a JSON body"

    async def test_a_code_of_the_wrong_shape_is_explained(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/verify-otp", json={"email": "ada@example.com", "otp": "12345"}
        )

        assert response.status_code == 400
        assert response.json()["details"] == "Enter the 6-digit code from the e-mail"

    async def test_an_empty_name_at_registration_is_required(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/register",
            json={
                "first_name": " ",
                "last_name": "Lovelace",
                "email": "ada@example.com",
                "password": "correct horse battery",
            },
        )

        assert response.status_code == 400
        assert response.json()["details"] == "First name is required"

    async def test_a_phone_number_of_the_wrong_shape_is_explained(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/register",
            json={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@example.com",
                "password": "correct horse battery",
                "phone_number": "call me",
            },
        )

        assert response.json()["details"] == (
            "Phone must be a phone number: digits, spaces and + - ( ) . only"
        )

    async def test_a_rule_of_the_schema_reads_as_a_sentence(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/register",
            json={
                "first_name": "Ada 2",
                "last_name": "Lovelace",
                "email": "ada@example",
                "password": "correct horse battery",
            },
        )

        assert response.json()["details"] == (
            "First name must contain only letters, spaces, hyphens and apostrophes; "
            "Email is not a valid e-mail address"
        )


async def test_domain_error_keeps_its_status_and_message(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/probe/conflict")

    assert response.status_code == 409
    assert response.json() == {
        "error": "The selected time slot is no longer available",
        "details": Conflict.details,
    }


async def test_domain_error_about_a_field_names_it_as_validation_errors_do(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/probe/bad-date")

    assert response.status_code == 400
    assert response.json() == {
        "error": "Date of birth cannot be in the future",
        "details": "Enter a past date.",
        "fields": [{"field": "date_of_birth", "message": "Enter a past date."}],
    }


async def test_unexpected_error_is_a_500_with_request_id_and_no_stack_trace(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/probe/crash")

    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json() == {
        "error": "Internal server error",
        "details": AttuneError.details,
        "request_id": request_id,
    }
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
        assert set(response.json()) == {"error", "details", "request_id"}
        assert "schedules" not in response.text
