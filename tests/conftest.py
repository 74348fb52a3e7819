"""Fixtures: a real database (SQLite, or PostgreSQL when ATTUNE_TEST_DATABASE_URL is set), a real
SMTP server, and the app driven through HTTP (docs/architecture.md, "Tests")."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

import attune.models  # noqa: F401  (registers every table)
from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Base, Database
from attune.platform.settings import Environment, Settings
from tests.support.mailbox import Mailbox, SmtpServer

TEST_DATABASE_URL = os.environ.get("ATTUNE_TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("ATTUNE_TEST_REDIS_URL") or None
# CI sets this: a test that needs PostgreSQL or Redis then fails instead of skipping.
REQUIRE_SERVICES = os.environ.get("ATTUNE_TEST_REQUIRE_SERVICES") == "1"
TEST_SECRET = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
CLIENT_ADDRESS = ("203.0.113.10", 50000)
# Tests that count rate-limited requests wait this long for Redis: a loaded machine can stall
# it past the service's own timeout, and the limiter would then (rightly) let a request through.
COUNTING_STORAGE_TIMEOUT = 10.0


class PostgresSchema:
    """Whether this test process has built the PostgreSQL schema yet."""

    ready = False


def missing_service(name: str) -> None:
    message = f"{name} is not configured for this run"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (ATTUNE_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("postgres") and TEST_DATABASE_URL is None:
            item.add_marker(pytest.mark.skip(reason="needs ATTUNE_TEST_DATABASE_URL"))


@pytest.fixture(autouse=True)
async def settle_event_loop() -> AsyncIterator[None]:
    """A closed socket is released on the event loop's next turn: give it that turn before the
    test's loop is torn down, or the socket leaks and warns (ResourceWarning) in a later test."""
    yield
    for _ in range(3):
        await asyncio.sleep(0)


@pytest.fixture
def postgres_url() -> str:
    if TEST_DATABASE_URL is None:
        missing_service("PostgreSQL (ATTUNE_TEST_DATABASE_URL)")
    assert TEST_DATABASE_URL is not None
    return TEST_DATABASE_URL


@pytest.fixture
def redis_url() -> str:
    if TEST_REDIS_URL is None:
        missing_service("Redis (ATTUNE_TEST_REDIS_URL)")
    assert TEST_REDIS_URL is not None
    return TEST_REDIS_URL


async def reset_postgres(database: Database) -> None:
    """Create the schema once per test process, then empty every table before each test."""
    async with database.engine.begin() as connection:
        if not PostgresSchema.ready:
            # The whole schema, not only today's tables: the database may hold tables of
            # another revision (a migration test, an older checkout) that depend on ours.
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
            await connection.run_sync(Base.metadata.create_all)
            PostgresSchema.ready = True
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return TEST_DATABASE_URL or f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    if database.is_sqlite:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
    else:
        await reset_postgres(database)
    yield database
    await database.dispose()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    return smtp_server.mailbox


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: fast password hashing, no in-process worker, nothing from .env."""
    values: dict[str, Any] = {
        "env": Environment.test,
        "var_dir": tmp_path / "var",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "run_worker": False,
        "rate_limits": False,
        "password_time_cost": 1,
        "password_memory_kib": 1024,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, smtp_url=smtp_server.url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> FastAPI:
    return create_app(settings, database=database, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), http_client(app) as client:
        yield client


def http_client(
    app: FastAPI, client_address: tuple[str, int] = CLIENT_ADDRESS
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=client_address)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def run_jobs(app: FastAPI) -> int:
    """Run every job that is due now, as the worker would; returns how many ran."""
    count: int = await app.state.worker.run_until_idle()
    return count
