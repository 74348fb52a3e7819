"""The job worker: claims due jobs from the outbox and runs them (docs/architecture.md, "The
outbox and the worker").

A worker claims one job at a time under a lease that it renews while the job runs. A worker that
dies stops renewing; once the lease expires another worker takes the job over, so delivery is
at least once and handlers make a repeat harmless. On PostgreSQL the claim skips rows that other
workers have locked, so any number of workers never run one job twice at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from attune.platform.clock import Clock
from attune.platform.database import Database, execute_bulk
from attune.platform.events import EventBus
from attune.platform.job_model import Job, JobStatus
from attune.platform.jobs import JobContext, JobRegistry, enqueue, retry_delay
from attune.platform.settings import Settings

logger = logging.getLogger("attune.jobs")

# Below the 10 s that `docker stop` and most supervisors wait before SIGKILL, so a job that cannot
# finish in time is given back rather than left to wait out its lease.
DEFAULT_GRACE_SECONDS = 8.0
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds the lease of; `attempt` counts this run."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int | None


class Worker:
    """Claims due jobs one at a time and runs them with the handlers of its registry; any
    number may share one database."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        clock: Clock,
        registry: JobRegistry,
        events: EventBus,
        *,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
    ) -> None:
        self.settings = settings
        self.database = database
        self.clock = clock
        self.registry = registry
        self.events = events
        self.grace_seconds = grace_seconds
        self.name = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stopping = asyncio.Event()
        # The interval for which each periodic kind was last enqueued, to skip needless INSERTs.
        self._scheduled: dict[str, int] = {}

    async def run(self) -> None:
        """Run due jobs until stop(); a database outage is logged and waited out."""
        logger.info("worker %s started", self.name)
        while not self._stopping.is_set():
            try:
                ran = await self._run_next()
            except Exception:
                logger.exception("worker %s failed to claim or record a job", self.name)
                ran = False
            if not ran:
                await self._pause()
        logger.info("worker %s stopped", self.name)

    def stop(self) -> None:
        """Stop claiming; a running job gets `grace_seconds` to finish, else it is given back."""
        self._stopping.set()

    async def run_until_idle(self) -> int:
        """Run every job due now, periodic ones included, and return how many ran (tests)."""
        ran = 0
        while (job := await self._claim_next()) is not None:
            await self._execute(job)
            ran += 1
        return ran

    async def _run_next(self) -> bool:
        job = await self._claim_next()
        if job is None:
            return False
        await self._run_within_grace(job)
        return True

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.job_poll_seconds):
                await self._stopping.wait()

    async def _run_within_grace(self, job: ClaimedJob) -> None:
        running = asyncio.create_task(self._execute(job), name=f"attune-job-{job.id}")
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not running.done():
                logger.info("worker %s stopping; job %d may finish first", self.name, job.id)
                await asyncio.wait({running}, timeout=self.grace_seconds)
        finally:
            stopping.cancel()
            if not running.done():
                # Out of grace (or this worker was cancelled): _execute gives the job back.
                running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running

    async def _execute(self, job: ClaimedJob) -> None:
        handler = self.registry.handlers.get(job.kind)
        if handler is None:
            await self._fail(job, f"no handler is registered for job kind {job.kind!r}")
            return
        if job.attempt > self._attempt_limit(job):
            await self._fail(job, "abandoned: the workers running it stopped before it finished")
            return
        context = JobContext(
            self.settings, self.database, self.clock, self.events, job.id, job.attempt
        )
        deadline = asyncio.timeout(self.settings.job_timeout_seconds)
        finished = asyncio.Event()
        lease = asyncio.create_task(self._keep_lease(job, finished))
        try:
            async with deadline:
                await handler(context, job.payload)
        except asyncio.CancelledError:
            await self._release(job)
            raise
        except Exception as error:
            if deadline.expired():
                reason = f"timed out after {self.settings.job_timeout_seconds:g} s"
            else:
                reason = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
            await self._record_failure(job, reason)
        else:
            await self._succeed(job)
        finally:
            finished.set()
            await lease

    def _attempt_limit(self, job: ClaimedJob) -> int:
        return job.max_attempts or self.settings.job_max_attempts

    async def _claim_next(self) -> ClaimedJob | None:
        now = self.clock.now()
        await self._enqueue_periodic(now)
        queued = and_(
            Job.status == JobStatus.queued,
            or_(Job.run_at <= now, and_(Job.attempts == 0, Job.run_at <= Job.created_at)),
        )
        abandoned = and_(Job.status == JobStatus.running, Job.locked_until <= now)
        # SKIP LOCKED lets concurrent PostgreSQL workers pass over each other's candidates;
        # SQLite drops the clause, and there BEGIN IMMEDIATE already serialises the claim.
        # The candidate is a CTE, which PostgreSQL evaluates once: as a plain subquery the
        # planner may run it again per row and lock (and claim) more than one job.
        candidate = (
            select(Job.id)
            .where(or_(queued, abandoned))
            .order_by(Job.run_at, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .cte("candidate")
        )
        claim = (
            update(Job)
            .where(Job.id.in_(select(candidate.c.id)))
            .values(
                status=JobStatus.running,
                attempts=Job.attempts + 1,
                locked_by=self.name,
                locked_until=now + timedelta(seconds=self.settings.job_lease_seconds),
            )
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
        )
        async with self.database.transaction(queue_only=True) as session:
            row = (await execute_bulk(session, claim)).one_or_none()
        if row is None:
            return None
        return ClaimedJob(row.id, row.kind, row.payload, row.attempts, row.max_attempts)

    async def _enqueue_periodic(self, now: datetime) -> None:
        due = [
            (schedule, bucket)
            for schedule in self.registry.schedules
            if self._scheduled.get(schedule.kind) != (bucket := schedule.bucket(now))
        ]
        if not due:
            return
        # The key makes the INSERT a no-op for every worker but the first in each interval.
        async with self.database.transaction(queue_only=True) as session:
            for schedule, bucket in due:
                await enqueue(
                    session,
                    schedule.kind,
                    {},
                    key=schedule.key(bucket),
                    run_at=schedule.starts_at(bucket),
                )
        self._scheduled.update((schedule.kind, bucket) for schedule, bucket in due)

    async def _keep_lease(self, job: ClaimedJob, finished: asyncio.Event) -> None:
        interval = self.settings.job_lease_seconds / 3
        while not finished.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await finished.wait()
            if finished.is_set():
                return
            try:
                lease = timedelta(seconds=self.settings.job_lease_seconds)
                # Finding the job no longer running (just finished) leaves nothing to renew.
                await self._update_own(job, locked_until=self.clock.now() + lease)
            except Exception:
                logger.exception("worker %s could not renew the lease of job %d", self.name, job.id)

    async def _record_failure(self, job: ClaimedJob, reason: str) -> None:
        limit = self._attempt_limit(job)
        if job.attempt >= limit:
            await self._fail(job, reason)
            return
        retry_at = self.clock.now() + retry_delay(self.settings, job.attempt)
        logger.warning(
            "job %d (%s) failed on attempt %d of %d, retrying at %s: %s",
            job.id,
            job.kind,
            job.attempt,
            limit,
            retry_at.isoformat(),
            reason,
        )
        await self._record(
            job, status=JobStatus.queued, run_at=retry_at, last_error=reason, locked_until=None
        )

    async def _fail(self, job: ClaimedJob, reason: str) -> None:
        logger.error(
            "job %d (%s) failed for good on attempt %d: %s", job.id, job.kind, job.attempt, reason
        )
        await self._record(
            job,
            status=JobStatus.failed,
            finished_at=self.clock.now(),
            last_error=reason,
            locked_until=None,
        )

    async def _succeed(self, job: ClaimedJob) -> None:
        logger.info("job %d (%s) succeeded on attempt %d", job.id, job.kind, job.attempt)
        # locked_by stays, to show which worker ran it.
        await self._record(
            job,
            status=JobStatus.succeeded,
            finished_at=self.clock.now(),
            last_error=None,
            locked_until=None,
        )

    async def _release(self, job: ClaimedJob) -> None:
        logger.info("job %d (%s) given back unfinished by worker %s", job.id, job.kind, self.name)
        # The attempt did not fail, so it does not count towards max_attempts.
        await self._record(
            job,
            status=JobStatus.queued,
            attempts=Job.attempts - 1,
            locked_by=None,
            locked_until=None,
        )

    async def _record(self, job: ClaimedJob, **values: Any) -> None:
        if not await self._update_own(job, **values):
            logger.warning("job %d was taken over by another worker: its lease ran out", job.id)

    async def _update_own(self, job: ClaimedJob, **values: Any) -> bool:
        """Update the job only while this worker still holds it; False if it no longer does."""
        statement = (
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.running, Job.locked_by == self.name)
            .values(**values)
            .returning(Job.id)
        )
        async with self.database.transaction(queue_only=True) as session:
            held = (await execute_bulk(session, statement)).first()
        return held is not None
