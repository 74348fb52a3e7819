"""Prometheus metrics: requests and latency by route template, the job queue, the process.

Each app has its own registry, so several apps in one process (tests) never collide. Routes are
labelled by template (`/api/bookings/{booking_id}`), never by path, so ids in paths cannot
multiply the series; unrouted requests share the label `unmatched`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from attune.platform.crypto import same_secret
from attune.platform.database import Database
from attune.platform.dependencies import AppDatabase, AppSettings
from attune.platform.errors import Unauthorized
from attune.platform.job_model import Job, JobStatus
from attune.platform.openapi import documented_errors

logger = logging.getLogger("attune.metrics")

router = APIRouter(tags=["monitoring"])

UNMATCHED_ROUTE = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REPORTED_JOB_STATUSES = (JobStatus.queued, JobStatus.running, JobStatus.failed)
JOB_COUNT_TIMEOUT_SECONDS = 2.0


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.jobs = Gauge(
            "attune_jobs",
            "Jobs in the outbox by status, read from the database at scrape time.",
            ["status"],
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        # The series of each method, route and status, looked up once rather than by their
        # labels on every request.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        # A method outside the known set is a client's invention: one label for all of them.
        method = method if method in KNOWN_METHODS else "OTHER"
        series = self._series.get((method, route, status))
        if series is None:
            series = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._series[(method, route, status)] = series
        requests, latency = series
        requests.inc()
        latency.observe(seconds)

    async def refresh_job_counts(self, database: Database) -> None:
        """Read the job counts; on a database failure the gauges are left out of this scrape."""
        query = (
            select(Job.status, func.count())
            .where(Job.status.in_(REPORTED_JOB_STATUSES))
            .group_by(Job.status)
        )
        try:
            async with asyncio.timeout(JOB_COUNT_TIMEOUT_SECONDS):
                async with database.transaction(write=False) as session:
                    counts = dict((await session.execute(query)).all())
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            logger.warning("job counts unavailable for metrics: %s", error)
            self.jobs.clear()
            return
        for status in REPORTED_JOB_STATUSES:
            self.jobs.labels(status.value).set(counts.get(status, 0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def require_metrics_token(
    settings: AppSettings, authorization: Annotated[str | None, Header()] = None
) -> None:
    """With ATTUNE_METRICS_TOKEN set, only a scraper holding it may read the metrics."""
    if settings.metrics_token is None:
        return
    scheme, _, token = (authorization or "").partition(" ")
    expected = settings.metrics_token.get_secret_value()
    if scheme.lower() != "bearer" or not same_secret(token.strip(), expected):
        raise Unauthorized(
            "Invalid metrics token",
            details="Send the token of ATTUNE_METRICS_TOKEN as `Authorization: Bearer <token>`.",
        )


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(require_metrics_token)],
    summary="Prometheus metrics",
    responses={
        200: {"content": {CONTENT_TYPE_PLAIN_0_0_4: {}}},
        **documented_errors(Unauthorized, body=False),
    },
)
async def read_metrics(
    database: AppDatabase, metrics: Annotated[Metrics, Depends(get_metrics)]
) -> Response:
    await metrics.refresh_job_counts(database)
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
