"""Health checks for load balancers and operators (seed `000` shapes).

`/health` says the process answers. `/health/detailed` checks what the service needs: the
database (503 when it cannot be reached, so a load balancer takes the node out), the job queue
(degraded when due jobs wait: no worker is running them) and the process's memory. Every check
is bounded by a timeout, so the health check itself never hangs.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import psutil
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from attune.platform.database import Database
from attune.platform.dependencies import AppClock, AppDatabase
from attune.platform.job_model import Job, JobStatus

router = APIRouter(tags=["monitoring"])

SERVICE_MESSAGE = "Video Conference Booking System API"
CHECK_TIMEOUT_SECONDS = 2.0
# A queued job this late means no worker is taking jobs.
OVERDUE_AFTER = timedelta(minutes=5)
MEMORY_WARNING_BYTES = 512 * 1024 * 1024


class CheckStatus(StrEnum):
    healthy = "healthy"
    degraded = "degraded"
    warning = "warning"
    unhealthy = "unhealthy"
    unknown = "unknown"


class OverallStatus(StrEnum):
    healthy = "healthy"
    degraded = "degraded"
    unhealthy = "unhealthy"


class Health(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "message": SERVICE_MESSAGE,
                    "timestamp": "2024-12-06T10:00:00Z",
                }
            ]
        }
    )

    status: str
    message: str
    timestamp: str


class HealthChecks(BaseModel):
    database: CheckStatus
    job_manager: CheckStatus
    memory: CheckStatus


class DetailedHealth(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "healthy",
                    "checks": {
                        "database": "healthy",
                        "job_manager": "healthy",
                        "memory": "healthy",
                    },
                    "timestamp": "2024-12-06T10:00:00Z",
                },
                {
                    "status": "unhealthy",
                    "checks": {
                        "database": "unhealthy",
                        "job_manager": "unknown",
                        "memory": "healthy",
                    },
                    "timestamp": "2024-12-06T10:00:00Z",
                },
            ]
        }
    )

    status: OverallStatus
    checks: HealthChecks
    timestamp: str


def rfc3339(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def check_database(database: Database) -> CheckStatus:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError, TimeoutError):
        return CheckStatus.unhealthy
    return CheckStatus.healthy


async def check_job_manager(database: Database, now: datetime) -> CheckStatus:
    overdue = (
        select(func.count())
        .select_from(Job)
        .where(Job.status == JobStatus.queued, Job.run_at < now - OVERDUE_AFTER)
    )
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with database.transaction(write=False) as session:
                late = (await session.execute(overdue)).scalar_one()
    except (SQLAlchemyError, OSError, TimeoutError):
        return CheckStatus.unknown
    return CheckStatus.degraded if late else CheckStatus.healthy


def check_memory() -> CheckStatus:
    resident = psutil.Process().memory_info().rss
    return CheckStatus.healthy if resident < MEMORY_WARNING_BYTES else CheckStatus.warning


@router.get("/health", response_model=Health, summary="Liveness")
async def health(clock: AppClock) -> Health:
    return Health(status="ok", message=SERVICE_MESSAGE, timestamp=rfc3339(clock.now()))


@router.get(
    "/health/detailed",
    response_model=DetailedHealth,
    summary="Readiness: database, job queue and memory",
    responses={503: {"model": DetailedHealth, "description": "The database cannot be reached"}},
)
async def detailed_health(database: AppDatabase, clock: AppClock) -> JSONResponse:
    now = clock.now()
    database_status = await check_database(database)
    if database_status is CheckStatus.healthy:
        job_status = await check_job_manager(database, now)
    else:
        job_status = CheckStatus.unknown
    checks = HealthChecks(database=database_status, job_manager=job_status, memory=check_memory())
    if database_status is CheckStatus.unhealthy:
        overall = OverallStatus.unhealthy
    elif all(status is CheckStatus.healthy for status in (job_status, checks.memory)):
        overall = OverallStatus.healthy
    else:
        overall = OverallStatus.degraded
    body = DetailedHealth(status=overall, checks=checks, timestamp=rfc3339(now))
    status_code = 503 if overall is OverallStatus.unhealthy else 200
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code)
