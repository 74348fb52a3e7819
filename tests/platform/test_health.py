"""Health checks as a load balancer and an operator read them."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from attune.app import create_app
from attune.platform.clock import Clock, FrozenClock
from attune.platform.database import Database
from attune.platform.health import CHECK_TIMEOUT_SECONDS
from attune.platform.job_model import Job, JobStatus
from tests.conftest import http_client, make_settings

NOW = datetime(2025, 3, 10, 9, 30, 15, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(NOW)


async def add_job(database: Database, status: JobStatus, run_at: datetime) -> None:
    async with database.transaction() as session:
        session.add(Job(kind="probe", payload={}, status=status, max_attempts=3, run_at=run_at))


async def test_health_answers_in_the_seed_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "message": "Video Conference Booking System API",
        "timestamp": "2025-03-10T09:30:15Z",
    }


async def test_detailed_health_reports_every_check_healthy(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/detailed")

    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "checks": {"database": "healthy", "job_manager": "healthy", "memory": "healthy"},
        "timestamp": "2025-03-10T09:30:15Z",
    }


async def test_jobs_waiting_long_past_their_time_degrade_the_job_manager(
    client: httpx.AsyncClient, database: Database
) -> None:
    await add_job(database, JobStatus.queued, NOW - timedelta(minutes=2))
    still_fine = await client.get("/health/detailed")
    await add_job(database, JobStatus.queued, NOW - timedelta(minutes=6))

    response = await client.get("/health/detailed")

    assert still_fine.json()["checks"]["job_manager"] == "healthy"
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["job_manager"] == "degraded"


async def test_old_failed_jobs_do_not_degrade_the_job_manager(
    client: httpx.AsyncClient, database: Database
) -> None:
    await add_job(database, JobStatus.failed, NOW - timedelta(hours=3))

    response = await client.get("/health/detailed")

    assert response.json()["checks"]["job_manager"] == "healthy"


async def test_unreachable_database_is_a_quick_503_unhealthy(tmp_path: Path) -> None:
    # Port 1 on the loopback: nothing listens there, so the connection is refused.
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/attune"
    settings = make_settings(tmp_path, url)
    app = create_app(settings, database=Database(url), clock=FrozenClock(NOW))

    started = time.monotonic()
    async with app.router.lifespan_context(app), http_client(app) as client:
        response = await client.get("/health/detailed")
        liveness = await client.get("/health")

    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"] == "unhealthy"
    assert body["checks"]["job_manager"] == "unknown"
    # The process itself still answers: liveness does not depend on the database.
    assert liveness.status_code == 200


async def test_database_that_never_answers_is_503_within_the_check_timeout(
    tmp_path: Path,
) -> None:
    release = asyncio.Event()
    connections: list[asyncio.Task[Any]] = []

    async def accept_and_say_nothing(
        _reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.append(task)
        await release.wait()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/attune"
    app = create_app(make_settings(tmp_path, url), database=Database(url), clock=FrozenClock(NOW))

    started = time.monotonic()
    async with server:
        async with app.router.lifespan_context(app), http_client(app) as client:
            response = await client.get("/health/detailed")
        release.set()
        await asyncio.gather(*connections)

    assert time.monotonic() - started < CHECK_TIMEOUT_SECONDS + 2
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unhealthy"


async def test_health_is_documented_under_monitoring(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert paths["/health"]["get"]["tags"] == ["monitoring"]
    assert paths["/health/detailed"]["get"]["tags"] == ["monitoring"]
    assert paths["/metrics"]["get"]["tags"] == ["monitoring"]
