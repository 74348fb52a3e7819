"""What an operator finds in the logs: one JSON object a line, with request ids, without secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import text

from attune.accounts.tokens import issue_access_token
from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.logging import configure_logging
from attune.platform.settings import LogFormat, Settings
from tests.conftest import http_client, make_settings

PASSWORD = "correct-horse-battery-staple"
logger = logging.getLogger("attune.probe")

probe = APIRouter()


class Credentials(BaseModel):
    email: str
    password: str


@probe.post("/api/probe/sign-in")
async def sign_in(credentials: Credentials, request: Request) -> dict[str, str]:
    # Careless logging of the kind redaction exists for.
    logger.info("sign-in attempt %s", credentials.model_dump())
    logger.info("sign-in header %s", request.headers.get("authorization"))
    return {"status": "ok"}


@probe.get("/api/probe/crash")
async def crash() -> None:
    raise RuntimeError(f"could not connect with password={PASSWORD}")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, log_format=LogFormat.json, log_level="INFO")


@pytest.fixture
def log_stream(settings: Settings, app: FastAPI) -> io.StringIO:
    """Every log line of the app under test, as written (after create_app configured logging)."""
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    return stream


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> FastAPI:
    app = create_app(settings, database=database, clock=clock)
    app.include_router(probe)
    return app


@pytest.fixture
async def client(app: FastAPI, log_stream: io.StringIO) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), http_client(app) as client:
        yield client


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_each_request_logs_one_access_line_with_its_request_id(
    client: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "trace-1234"})

    access = [line for line in lines(log_stream) if line["logger"] == "attune.access"]
    assert response.status_code == 200
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "trace-1234"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/health"
    assert line["status"] == 200
    assert line["client"] == "203.0.113.10"
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")


async def test_lines_logged_inside_a_request_carry_its_request_id(
    client: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    response = await client.post(
        "/api/probe/sign-in", json={"email": "ada@example.org", "password": PASSWORD}
    )

    request_id = response.headers["x-request-id"]
    probe_lines = [line for line in lines(log_stream) if line["logger"] == "attune.probe"]
    assert len(probe_lines) == 2
    assert all(line["request_id"] == request_id for line in probe_lines)


async def test_passwords_and_bearer_tokens_never_reach_the_log(
    client: httpx.AsyncClient, log_stream: io.StringIO, settings: Settings, clock: Clock
) -> None:
    token = issue_access_token(settings, user_id=5, session_id="s-5", now=clock.now())

    await client.post(
        "/api/probe/sign-in",
        json={"email": "ada@example.org", "password": PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
    )

    written = log_stream.getvalue()
    assert "sign-in attempt" in written  # the line was written, only the secrets are masked
    assert "ada@example.org" not in written
    assert PASSWORD not in written
    assert token not in written
    assert token.split(".")[1] not in written


async def test_query_strings_are_left_out_of_access_lines(
    client: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    await client.get("/health", params={"reset_code": "991177"})

    app_lines = [line for line in lines(log_stream) if line["logger"].startswith("attune")]
    assert [line["path"] for line in app_lines] == ["/health"]
    assert "991177" not in json.dumps(app_lines)


async def test_unexpected_error_is_logged_with_traceback_and_request_id_but_no_secret(
    client: httpx.AsyncClient, log_stream: io.StringIO
) -> None:
    response = await client.get("/api/probe/crash")

    errors = [line for line in lines(log_stream) if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == response.headers["x-request-id"]
    assert "RuntimeError" in errors[0]["exception"]
    assert PASSWORD not in log_stream.getvalue()


async def test_configuring_again_replaces_the_handler_instead_of_adding_one(
    settings: Settings,
) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(settings, stream=first)
    configure_logging(settings, stream=second)

    logger.warning("only once")

    assert first.getvalue() == ""
    assert second.getvalue().count("only once") == 1


async def test_text_format_is_one_readable_line(tmp_path: Path, database_url: str) -> None:
    stream = io.StringIO()
    configure_logging(make_settings(tmp_path, database_url, log_level="INFO"), stream=stream)

    logger.info("slot %s released", 42)

    line = stream.getvalue().strip()
    assert line.endswith("INFO attune.probe [-] slot 42 released")


async def test_loggers_with_handlers_of_their_own_are_redacted_too(
    settings: Settings, clock: Clock
) -> None:
    """A library that writes through a handler of its own (uvicorn's default configuration,
    SQLAlchemy's `echo`) never reaches the service's handler, and is redacted all the same."""
    configure_logging(settings, stream=io.StringIO())
    token = issue_access_token(settings, user_id=5, session_id="s-5", now=clock.now())
    stream = io.StringIO()
    library = logging.getLogger("attune_probe_library")
    library.addHandler(logging.StreamHandler(stream))
    library.propagate = False
    try:
        library.warning("retrying for %s with Authorization: Bearer %s", "ada@example.org", token)
        library.error("failed", exc_info=RuntimeError(f"password={PASSWORD}"))
    finally:
        library.handlers.clear()
        library.propagate = True

    written = stream.getvalue()
    assert "retrying for" in written
    assert "RuntimeError" in written
    assert "ada@example.org" not in written
    assert token not in written
    assert PASSWORD not in written


async def test_sql_and_its_parameters_stay_out_of_a_debug_log(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    stream = io.StringIO()
    configure_logging(make_settings(tmp_path, database_url, log_level="DEBUG"), stream=stream)

    async with database.transaction(write=False) as session:
        await session.execute(text("SELECT :name"), {"name": "Philippa Quartermaine"})
    logging.getLogger("attune.probe").debug("still written at DEBUG")

    assert "still written at DEBUG" in stream.getvalue()
    assert "Quartermaine" not in stream.getvalue()
