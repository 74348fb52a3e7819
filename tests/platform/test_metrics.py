"""Prometheus metrics as a scraper reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families

from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.job_model import Job, JobStatus
from tests.conftest import http_client, make_settings

METRICS_TOKEN = "scrape-token-0123456789"

probe = APIRouter()


@probe.get("/api/probe/bookings/{booking_id}")
async def read_booking(booking_id: int) -> dict[str, int]:
    return {"id": booking_id}


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.include_router(probe)
    return app


def samples(exposition: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_requests_are_counted_by_route_template(client: httpx.AsyncClient) -> None:
    for booking_id in (1, 2, 3):
        await client.get(f"/api/probe/bookings/{booking_id}")
    await client.get("/api/probe/bookings/4/")
    await client.get("/no/such/page")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    counts = samples(response.text, "http_requests_total")
    template = "/api/probe/bookings/{booking_id}"
    assert counts[(("method", "GET"), ("route", template), ("status", "200"))] == 4
    assert counts[(("method", "GET"), ("route", "unmatched"), ("status", "404"))] == 1
    assert not [labels for labels in counts if ("route", "/api/probe/bookings/1") in labels]
    latency = samples(response.text, "http_request_duration_seconds_count")
    assert latency[(("method", "GET"), ("route", template))] == 4


async def test_job_queue_is_reported_by_status(
    client: httpx.AsyncClient, database: Database
) -> None:
    async with database.transaction() as session:
        for number, status in enumerate(
            [JobStatus.queued, JobStatus.queued, JobStatus.running, JobStatus.failed]
        ):
            session.add(
                Job(
                    kind="probe",
                    payload={},
                    status=status,
                    max_attempts=3,
                    run_at=datetime.now(UTC),
                    idempotency_key=f"probe-{number}",
                )
            )

    response = await client.get("/metrics")

    jobs = samples(response.text, "attune_jobs")
    assert jobs == {
        (("status", "queued"),): 2,
        (("status", "running"),): 1,
        (("status", "failed"),): 1,
    }


async def test_process_metrics_are_exposed(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")

    assert samples(response.text, "process_resident_memory_bytes")


async def test_apps_in_one_process_keep_separate_counts(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    settings = make_settings(tmp_path, database_url)
    busy, quiet = create_app(settings, database=database), create_app(settings, database=database)
    async with busy.router.lifespan_context(busy), http_client(busy) as to_busy:
        for _ in range(3):
            await to_busy.get("/health")
    async with quiet.router.lifespan_context(quiet), http_client(quiet) as to_quiet:
        response = await to_quiet.get("/metrics")

    health = (("method", "GET"), ("route", "/health"), ("status", "200"))
    assert health not in samples(response.text, "http_requests_total")


@pytest.fixture
async def guarded(tmp_path: Path, database_url: str, database: Database, clock: Clock) -> FastAPI:
    settings = make_settings(tmp_path, database_url, metrics_token=METRICS_TOKEN)
    return create_app(settings, database=database, clock=clock)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {METRICS_TOKEN}", "Bearer"]
)
async def test_with_a_token_configured_strangers_get_401(
    guarded: FastAPI, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with guarded.router.lifespan_context(guarded), http_client(guarded) as client:
        response = await client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.json() == {
        "error": "Invalid metrics token",
        "details": "Send the token of ATTUNE_METRICS_TOKEN as `Authorization: Bearer <token>`.",
    }
    assert "http_requests_total" not in response.text


async def test_with_a_token_configured_the_scraper_holding_it_reads_metrics(
    guarded: FastAPI,
) -> None:
    async with guarded.router.lifespan_context(guarded), http_client(guarded) as client:
        response = await client.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )

    assert response.status_code == 200
    assert "# TYPE http_requests_total counter" in response.text
