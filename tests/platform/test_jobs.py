"""The outbox and the worker: enqueueing in a transaction, retries, periodic jobs, leases, stop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.job_model import Job, JobStatus
from attune.platform.jobs import JobContext, JobRegistry, enqueue, retry_delay
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork
from attune.platform.worker import Worker
from tests.conftest import make_settings

START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
LEASE_SECONDS = 60


@pytest.fixture
def job_settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        job_poll_seconds=0.01,
        job_lease_seconds=LEASE_SECONDS,
        job_max_attempts=4,
        job_backoff_seconds=10,
        job_backoff_cap_seconds=1000,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def registry() -> JobRegistry:
    return JobRegistry()


@pytest.fixture
def ran(registry: JobRegistry) -> list[dict[str, Any]]:
    """Payloads that the `test.record` handler received, in order."""
    payloads: list[dict[str, Any]] = []

    @registry.job_handler("test.record")
    async def record(_context: JobContext, payload: dict[str, Any]) -> None:
        payloads.append(payload)

    return payloads


def worker_for(
    settings: Settings,
    database: Database,
    clock: FrozenClock,
    registry: JobRegistry,
    **options: Any,
) -> Worker:
    return Worker(settings, database, clock, registry=registry, events=EventBus(), **options)


async def add_job(database: Database, kind: str, payload: dict[str, Any], **options: Any) -> None:
    async with database.transaction() as session:
        await enqueue(session, kind, payload, **options)


async def all_jobs(database: Database) -> list[Job]:
    async with database.transaction(write=False) as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


async def only_job(database: Database) -> Job:
    jobs = await all_jobs(database)
    assert len(jobs) == 1
    return jobs[0]


@dataclass(frozen=True)
class Announced:
    number: int


class TestEnqueue:
    async def test_a_job_runs_with_its_payload(
        self,
        job_settings: Settings,
        database: Database,
        clock: FrozenClock,
        registry: JobRegistry,
        ran: list[dict[str, Any]],
    ) -> None:
        await add_job(database, "test.record", {"booking_id": 7})

        assert await worker_for(job_settings, database, clock, registry).run_until_idle() == 1

        assert ran == [{"booking_id": 7}]
        job = await only_job(database)
        assert job.status == JobStatus.succeeded
        assert (job.attempts, job.finished_at, job.last_error) == (1, START, None)

    async def test_a_rolled_back_transaction_leaves_no_job(
        self,
        job_settings: Settings,
        database: Database,
        clock: FrozenClock,
        registry: JobRegistry,
        ran: list[dict[str, Any]],
    ) -> None:
        class BookingRefused(Exception):
            pass

        async def book_then_refuse() -> None:
            async with database.transaction() as session:
                await enqueue(session, "test.record", {"booking_id": 7})
                raise BookingRefused

        with pytest.raises(BookingRefused):
            await book_then_refuse()

        assert await worker_for(job_settings, database, clock, registry).run_until_idle() == 0
        assert ran == []
        assert await all_jobs(database) == []

    async def test_the_same_key_twice_makes_one_job(
        self,
        job_settings: Settings,
        database: Database,
        clock: FrozenClock,
        registry: JobRegistry,
        ran: list[dict[str, Any]],
    ) -> None:
        await add_job(database, "test.record", {"try": 1}, key="confirmation:7")
        async with database.transaction() as session:
            await enqueue(session, "test.record", {"try": 2}, key="confirmation:7")
            await enqueue(session, "test.record", {"try": 3}, key="confirmation:7")

        assert await worker_for(job_settings, database, clock, registry).run_until_idle() == 1
        assert ran == [{"try": 1}]

    async def test_a_job_for_later_waits_until_it_is_due(
        self,
        job_settings: Settings,
        database: Database,
        clock: FrozenClock,
        registry: JobRegistry,
        ran: list[dict[str, Any]],
    ) -> None:
        await add_job(
            database, "test.record", {"reminder": "24h"}, run_at=START + timedelta(hours=2)
        )
        worker = worker_for(job_settings, database, clock, registry)

        clock.advance(timedelta(hours=2) - timedelta(seconds=1))
        assert await worker.run_until_idle() == 0
        clock.advance(timedelta(seconds=1))
        assert await worker.run_until_idle() == 1
        assert ran == [{"reminder": "24h"}]


class TestEvents:
    async def test_a_jobs_unit_of_work_reaches_the_apps_listeners(
        self, job_settings: Settings, database: Database, clock: FrozenClock
    ) -> None:
        heard: list[int] = []
        events = EventBus()

        async def listen(_uow: UnitOfWork, event: Announced) -> None:
            heard.append(event.number)

        events.subscribe(Announced, listen)
        registry = JobRegistry()

        @registry.job_handler("test.announce")
        async def announce(context: JobContext, payload: dict[str, Any]) -> None:
            async with context.unit_of_work() as uow:
                await uow.publish(Announced(payload["number"]))

        await add_job(database, "test.announce", {"number": 4})
        worker = Worker(job_settings, database, clock, registry, events)

        assert await worker.run_until_idle() == 1
        assert heard == [4]


class TestRetries:
    async def test_a_failing_job_backs_off_further_each_time_then_fails_with_its_error(
        self, job_settings: Settings, database: Database, clock: FrozenClock, registry: JobRegistry
    ) -> None:
        @registry.job_handler("test.smtp_down")
        async def smtp_down(_context: JobContext, _payload: dict[str, Any]) -> None:
            raise ConnectionRefusedError("connection refused by 127.0.0.1:25")

        await add_job(database, "test.smtp_down", {"to": "client@example.com"})
        worker = worker_for(job_settings, database, clock, registry)

        delays = []
        for attempt in (1, 2, 3):
            assert await worker.run_until_idle() == 1
            job = await only_job(database)
            assert (job.status, job.attempts) == (JobStatus.queued, attempt)
            assert job.last_error == "ConnectionRefusedError: connection refused by 127.0.0.1:25"
            delay = job.run_at - clock.now()
            nominal = timedelta(seconds=10 * 2 ** (attempt - 1))
            assert 0.9 * nominal <= delay <= nominal
            delays.append(delay)
            # Not a moment before the backoff is over.
            clock.advance(delay - timedelta(milliseconds=1))
            assert await worker.run_until_idle() == 0
            clock.advance(timedelta(milliseconds=1))
        assert delays == sorted(delays)

        assert await worker.run_until_idle() == 1
        job = await only_job(database)
        assert (job.status, job.attempts, job.finished_at) == (JobStatus.failed, 4, clock.now())
        assert job.last_error == "ConnectionRefusedError: connection refused by 127.0.0.1:25"
        assert "client@example.com" not in job.last_error
        clock.advance(timedelta(days=1))
        assert await worker.run_until_idle() == 0

    async def test_the_backoff_stops_growing_at_the_cap(self, job_settings: Settings) -> None:
        cap = timedelta(seconds=job_settings.job_backoff_cap_seconds)
        assert 0.9 * cap <= retry_delay(job_settings, 8) <= cap
        assert 0.9 * cap <= retry_delay(job_settings, 5000) <= cap

    async def test_a_job_may_allow_fewer_attempts_than_the_default(
        self, job_settings: Settings, database: Database, clock: FrozenClock, registry: JobRegistry
    ) -> None:
        @registry.job_handler("test.refund")
        async def refund(_context: JobContext, _payload: dict[str, Any]) -> None:
            raise RuntimeError("card declined")

        await add_job(database, "test.refund", {}, max_attempts=1)

        assert await worker_for(job_settings, database, clock, registry).run_until_idle() == 1
        job = await only_job(database)
        assert (job.status, job.attempts) == (JobStatus.failed, 1)

    async def test_a_job_that_hangs_is_stopped_at_the_timeout_and_retried(
        self, tmp_path: Path, database_url: str, database: Database, clock: FrozenClock
    ) -> None:
        settings = make_settings(tmp_path, database_url, job_timeout_seconds=0.05)
        registry = JobRegistry()

        @registry.job_handler("test.hang")
        async def hang(_context: JobContext, _payload: dict[str, Any]) -> None:
            await asyncio.Event().wait()

        await add_job(database, "test.hang", {})

        assert await worker_for(settings, database, clock, registry).run_until_idle() == 1
        job = await only_job(database)
        assert (job.status, job.last_error) == (JobStatus.queued, "timed out after 0.05 s")

    async def test_a_job_of_an_unknown_kind_fails_at_once_with_a_clear_error(
        self, job_settings: Settings, database: Database, clock: FrozenClock, registry: JobRegistry
    ) -> None:
        await add_job(database, "test.renamed_long_ago", {})

        assert await worker_for(job_settings, database, clock, registry).run_until_idle() == 1
        job = await only_job(database)
        assert (job.status, job.attempts) == (JobStatus.failed, 1)
        assert job.last_error == "no handler is registered for job kind 'test.renamed_long_ago'"


class TestPeriodic:
    async def test_each_interval_runs_once_however_many_workers_run(
        self, job_settings: Settings, database: Database, clock: FrozenClock
    ) -> None:
        registry = JobRegistry()
        sweeps: list[datetime] = []

        @registry.periodic("test.sweep", every=timedelta(minutes=5))
        async def sweep(context: JobContext, _payload: dict[str, Any]) -> None:
            sweeps.append(context.clock.now())

        first = worker_for(job_settings, database, clock, registry)
        second = worker_for(job_settings, database, clock, registry)

        assert await first.run_until_idle() + await second.run_until_idle() == 1
        clock.advance(timedelta(minutes=4))
        assert await second.run_until_idle() + await first.run_until_idle() == 0
        clock.advance(timedelta(minutes=1))
        assert await second.run_until_idle() + await first.run_until_idle() == 1

        assert sweeps == [START, START + timedelta(minutes=5)]


class TestCombinedRegistry:
    async def test_a_combined_registry_runs_each_packages_jobs_and_schedules(
        self, job_settings: Settings, database: Database, clock: FrozenClock
    ) -> None:
        ran: list[str] = []
        mail, sweeps = JobRegistry(), JobRegistry()

        @mail.job_handler("test.mail")
        async def send(_context: JobContext, _payload: dict[str, Any]) -> None:
            ran.append("test.mail")

        @sweeps.periodic("test.sweep", every=timedelta(minutes=5))
        async def sweep(_context: JobContext, _payload: dict[str, Any]) -> None:
            ran.append("test.sweep")

        combined = JobRegistry()
        combined.include(mail)
        combined.include(sweeps)
        await add_job(database, "test.mail", {})

        assert await worker_for(job_settings, database, clock, combined).run_until_idle() == 2
        assert sorted(ran) == ["test.mail", "test.sweep"]

    def test_two_packages_may_not_handle_the_same_kind(self) -> None:
        first, second = JobRegistry(), JobRegistry()
        for registry in (first, second):

            @registry.job_handler("test.mail")
            async def send(_context: JobContext, _payload: dict[str, Any]) -> None: ...

        combined = JobRegistry()
        combined.include(first)
        with pytest.raises(ValueError, match="already has a handler"):
            combined.include(second)


class TestLease:
    async def test_the_job_of_a_dead_worker_is_taken_over_once_its_lease_expires(
        self,
        job_settings: Settings,
        database: Database,
        clock: FrozenClock,
        registry: JobRegistry,
        ran: list[dict[str, Any]],
    ) -> None:
        await add_job(database, "test.record", {"booking_id": 7})
        async with database.transaction() as session:
            await session.execute(
                update(Job).values(
                    status=JobStatus.running,
                    attempts=1,
                    locked_by="host:123:dead",
                    locked_until=clock.now() + timedelta(seconds=LEASE_SECONDS),
                )
            )
        worker = worker_for(job_settings, database, clock, registry)

        clock.advance(timedelta(seconds=LEASE_SECONDS - 1))
        assert await worker.run_until_idle() == 0
        clock.advance(timedelta(seconds=1))
        assert await worker.run_until_idle() == 1

        assert ran == [{"booking_id": 7}]
        job = await only_job(database)
        assert (job.status, job.attempts, job.locked_by) == (JobStatus.succeeded, 2, worker.name)


class TestGracefulStop:
    async def test_the_running_job_may_finish_within_the_grace_period(
        self, job_settings: Settings, database: Database, clock: FrozenClock, registry: JobRegistry
    ) -> None:
        started, proceed = asyncio.Event(), asyncio.Event()

        @registry.job_handler("test.slow")
        async def slow(_context: JobContext, _payload: dict[str, Any]) -> None:
            started.set()
            await proceed.wait()

        await add_job(database, "test.slow", {})
        worker = worker_for(job_settings, database, clock, registry, grace_seconds=10)
        running = asyncio.create_task(worker.run())
        async with asyncio.timeout(10):
            await started.wait()
            worker.stop()
            proceed.set()
            await running

        job = await only_job(database)
        assert (job.status, job.attempts) == (JobStatus.succeeded, 1)

    async def test_a_job_that_outlasts_the_grace_period_is_given_back_for_another_worker(
        self, job_settings: Settings, database: Database, clock: FrozenClock, registry: JobRegistry
    ) -> None:
        started, proceed = asyncio.Event(), asyncio.Event()
        finished: list[str] = []

        @registry.job_handler("test.slow")
        async def slow(_context: JobContext, _payload: dict[str, Any]) -> None:
            started.set()
            await proceed.wait()
            finished.append("done")

        await add_job(database, "test.slow", {})
        stopping = worker_for(job_settings, database, clock, registry, grace_seconds=0.01)
        running = asyncio.create_task(stopping.run())
        async with asyncio.timeout(10):
            await started.wait()
            stopping.stop()
            await running

        job = await only_job(database)
        assert finished == []
        assert (job.status, job.attempts, job.locked_by) == (JobStatus.queued, 0, None)

        proceed.set()
        assert await worker_for(job_settings, database, clock, registry).run_until_idle() == 1
        job = await only_job(database)
        assert (job.status, job.attempts) == (JobStatus.succeeded, 1)
        assert finished == ["done"]

    async def test_a_stopped_worker_claims_nothing_more(
        self,
        job_settings: Settings,
        database: Database,
        clock: FrozenClock,
        registry: JobRegistry,
        ran: list[dict[str, Any]],
    ) -> None:
        worker = worker_for(job_settings, database, clock, registry)
        worker.stop()
        await add_job(database, "test.record", {"booking_id": 7})

        async with asyncio.timeout(10):
            await worker.run()

        assert ran == []
        assert (await only_job(database)).status == JobStatus.queued
