"""The outbox: jobs enqueued in the caller's transaction, and their handlers (docs/architecture.md,
"The outbox and the worker").

A side effect that leaves the process is a job enqueued in the same transaction as the change
that caused it, so a rollback never sends it and a crash never loses it. Each package that has
jobs registers its handlers, by kind, in a `JobRegistry` of its own; the entry points combine
them into one (`attune.job_handlers.job_registry`) and hand it to the worker that runs them,
`attune.platform.worker.Worker`. Delivery is at least once, so a handler makes a repeat
harmless (an idempotency key, a mark such as a scrubbed payload).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.platform.clock import Clock
from attune.platform.database import (
    Database,
    execute_bulk,
    insert_skipping_duplicates,
    utcnow,
)
from attune.platform.events import EventBus
from attune.platform.job_model import Job, JobStatus
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work

# 2**64 backoff units already exceed any cap; a larger exponent would overflow a float.
_MAX_BACKOFF_EXPONENT = 64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class JobContext:
    """What a handler gets besides its payload; it opens its own transactions on `database`."""

    settings: Settings
    database: Database
    clock: Clock
    # The app's domain events: a service a job calls publishes to the same listeners as a
    # request's would.
    events: EventBus
    job_id: int
    attempt: int

    def unit_of_work(self, now: datetime | None = None) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work of the job's own, at `now` (the job's clock by default)."""
        return unit_of_work(self.database, self.settings, self.events, now=now or self.clock.now())

    async def replace_payload(self, payload: dict[str, Any]) -> None:
        """Overwrite this job's stored payload, e.g. to drop personal data once it is used."""
        async with self.database.transaction(queue_only=True) as session:
            await execute_bulk(
                session, update(Job).where(Job.id == self.job_id).values(payload=payload)
            )


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Schedule:
    """A periodic job: enqueued once per interval, counted from the Unix epoch."""

    kind: str
    every: timedelta

    def bucket(self, now: datetime) -> int:
        return int((now - _EPOCH) / self.every)

    def starts_at(self, bucket: int) -> datetime:
        return _EPOCH + bucket * self.every

    def key(self, bucket: int) -> str:
        return f"{self.kind}:{bucket}"


@dataclass
class JobRegistry:
    """Handlers by kind, and the periodic schedules: a package's own, or every package's
    combined with `include` for a worker; tests build their own."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)

    def job_handler(self, kind: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if kind in self.handlers:
                raise ValueError(f"job kind {kind!r} already has a handler")
            self.handlers[kind] = handler
            return handler

        return register

    def periodic(self, kind: str, every: timedelta) -> Callable[[Handler], Handler]:
        if every <= timedelta(0):
            raise ValueError("a periodic job needs a positive interval")
        register = self.job_handler(kind)

        def schedule(handler: Handler) -> Handler:
            self.schedules.append(Schedule(kind, every))
            return register(handler)

        return schedule

    def include(self, other: JobRegistry) -> None:
        """Add another registry's handlers and schedules; a kind may have only one handler."""
        for kind, handler in other.handlers.items():
            self.job_handler(kind)(handler)
        self.schedules.extend(other.schedules)


# The outbox's own housekeeping.
registry = JobRegistry()


@dataclass(frozen=True)
class NewJob:
    """A job to add to the outbox (`enqueue_all`)."""

    kind: str
    payload: dict[str, Any]
    key: str | None = None
    run_at: datetime | None = None
    max_attempts: int | None = None


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
) -> None:
    """Add a job in the caller's transaction; a `key` already used makes this do nothing."""
    await enqueue_all(session, [NewJob(kind, payload, key, run_at, max_attempts)])


async def enqueue_all(session: AsyncSession, jobs: Sequence[NewJob]) -> None:
    """Add jobs in the caller's transaction, in one statement; each whose `key` is already
    used is left out."""
    if not jobs:
        return
    now = utcnow()
    rows = [
        {
            "kind": job.kind,
            "payload": job.payload,
            "idempotency_key": job.key,
            "status": JobStatus.queued,
            "attempts": 0,
            "max_attempts": job.max_attempts,
            # A job for "now" has run_at == created_at, which the worker treats as due at
            # once: a worker whose clock lags the enqueuing process's must not hold it back.
            "run_at": job.run_at or now,
            "created_at": now,
        }
        for job in jobs
    ]
    # The session's own connection and transaction; one statement, executed for every row.
    connection = await session.connection()
    await connection.execute(
        insert_skipping_duplicates(session, Job, unique="idempotency_key"), rows
    )


def retry_delay(settings: Settings, attempt: int) -> timedelta:
    """Exponential backoff after the given failed attempt, capped, less up to 10 % jitter.

    The jitter spreads out jobs that failed together (an SMTP outage) so that they do not all
    retry in the same instant; it only ever shortens the delay, so the cap holds.
    """
    exponent = min(max(attempt - 1, 0), _MAX_BACKOFF_EXPONENT)
    nominal = min(settings.job_backoff_seconds * 2**exponent, settings.job_backoff_cap_seconds)
    jitter = random.uniform(0.9, 1.0)  # noqa: S311  (spreading retries, not a secret)
    return timedelta(seconds=nominal * jitter)


# Succeeded jobs are kept this long for the admin to look at; failed ones stay until handled.
FINISHED_JOB_RETENTION = timedelta(days=30)


@registry.periodic("jobs.purge_succeeded", every=timedelta(hours=1))
async def purge_succeeded_jobs(context: JobContext, _payload: dict[str, Any]) -> None:
    cutoff = context.clock.now() - FINISHED_JOB_RETENTION
    async with context.database.transaction(queue_only=True) as session:
        await execute_bulk(
            session,
            delete(Job).where(Job.status == JobStatus.succeeded, Job.finished_at < cutoff),
        )
