"""The public day view answered from memory: for at most ATTUNE_AVAILABILITY_CACHE_SECONDS when
another process writes, and never after a write of this process has committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from attune.app import create_app
from attune.models import Schedule
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.jobs import JobContext, JobRegistry, enqueue
from attune.platform.read_cache import MAX_ENTRIES, ReadCache
from attune.platform.settings import Settings
from attune.platform.worker import Worker
from tests.conftest import http_client, make_settings
from tests.scheduling.builders import NOW, SEED_START
from tests.support.mailbox import SmtpServer
from tests.support.people import Person
from tests.support.slots import add_slot

DAY = "2024-12-15"
DAY_DATE = date(2024, 12, 15)


@pytest.fixture
async def another_process(database_url: str) -> AsyncIterator[Database]:
    """The same database as another app process sees it: its commits are not heard here."""
    other = Database(database_url)
    yield other
    await other.dispose()


async def remaining(client: httpx.AsyncClient) -> list[int]:
    response = await client.get("/api/schedules", params={"date": DAY})
    assert response.status_code == 200
    return [slot["remaining_slots"] for slot in response.json()["slots"]]


async def set_capacity(database: Database, slot_id: int, capacity: int) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(Schedule).where(Schedule.id == slot_id).values(max_bookings=capacity)
        )


class TestAnsweredFromMemory:
    async def test_another_processs_change_shows_once_the_answer_expires(
        self,
        client: httpx.AsyncClient,
        database: Database,
        another_process: Database,
        clock: FrozenClock,
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=2)
        assert await remaining(client) == [2]

        await set_capacity(another_process, slot, 5)

        assert await remaining(client) == [2]
        clock.advance(timedelta(seconds=1))
        assert await remaining(client) == [5]

    async def test_a_booking_through_this_process_shows_at_once(
        self, client: httpx.AsyncClient, database: Database, member: Person
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=2)
        assert await remaining(client) == [2]

        booked = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=member.headers
        )

        assert booked.status_code == 201
        assert await remaining(client) == [1]

    async def test_the_job_queues_bookkeeping_keeps_the_answer(
        self,
        client: httpx.AsyncClient,
        settings: Settings,
        database: Database,
        another_process: Database,
        clock: FrozenClock,
    ) -> None:
        """The in-process worker claims, leases and closes jobs every second: writes to the
        queue alone, which must not empty the cache each time (it would never be used)."""
        registry = JobRegistry()
        ran: list[dict[str, Any]] = []

        @registry.job_handler("test.nothing_shown")
        async def nothing_shown(_context: JobContext, payload: dict[str, Any]) -> None:
            ran.append(payload)

        slot = await add_slot(database, SEED_START, capacity=2)
        assert await remaining(client) == [2]
        await set_capacity(another_process, slot, 5)
        async with another_process.transaction() as session:
            await enqueue(session, "test.nothing_shown", {})

        worker = Worker(settings, database, clock, registry=registry, events=EventBus())
        assert await worker.run_until_idle() == 1

        assert ran == [{}]
        assert await remaining(client) == [2]

    async def test_the_answer_is_the_same_as_a_fresh_one(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_slot(database, SEED_START, capacity=3)

        fresh = await client.get("/api/schedules", params={"date": DAY})
        remembered = await client.get("/api/schedules", params={"date": DAY})

        assert remembered.content == fresh.content
        assert remembered.headers["content-type"] == "application/json"

    async def test_a_remembered_answer_passes_the_edge_like_a_fresh_one(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_slot(database, SEED_START, capacity=3)

        fresh = await client.get("/api/schedules", params={"date": DAY})
        remembered = await client.get("/api/schedules", params={"date": DAY})
        head = await client.head("/api/schedules", params={"date": DAY})
        metrics = (await client.get("/metrics")).text

        assert remembered.headers["x-request-id"] != fresh.headers["x-request-id"]
        for name in ("content-security-policy", "cache-control", "content-length"):
            assert remembered.headers[name] == fresh.headers[name]
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == fresh.headers["content-length"]
        for method, count in (("GET", 2), ("HEAD", 1)):
            counted = f'{{method="{method}",route="/api/schedules",status="200"}} {count}.0'
            assert f"http_requests_total{counted}" in metrics

    async def test_a_query_is_answered_only_by_its_own_answer(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_slot(database, SEED_START, capacity=3)
        assert await remaining(client) == [3]

        other_day = await client.get("/api/schedules", params={"date": "2024-12-16"})
        not_a_date = await client.get("/api/schedules", params={"date": DAY + "x"})

        assert other_day.json()["slots"] == []
        assert not_a_date.status_code == 400

    async def test_turned_off_every_read_is_fresh(
        self,
        tmp_path: Path,
        database: Database,
        another_process: Database,
        smtp_server: SmtpServer,
        clock: FrozenClock,
    ) -> None:
        settings = make_settings(
            tmp_path, database.url, smtp_url=smtp_server.url, availability_cache_seconds=0
        )
        slot = await add_slot(database, SEED_START, capacity=2)
        app = create_app(settings, database=database, clock=clock)
        async with app.router.lifespan_context(app), http_client(app) as client:
            assert await remaining(client) == [2]
            await set_capacity(another_process, slot, 4)
            assert await remaining(client) == [4]


class TestTheCache:
    def test_forgets_an_answer_when_the_clock_goes_back(self) -> None:
        cache = ReadCache(1)
        cache.put(date(2024, 12, 15), b"{}", NOW)

        assert cache.get(date(2024, 12, 15), NOW + timedelta(milliseconds=999)) == b"{}"
        assert cache.get(date(2024, 12, 15), NOW - timedelta(seconds=1)) is None

    def test_holds_a_bounded_number_of_days(self) -> None:
        cache = ReadCache(1)
        first = date(2024, 1, 1)
        for offset in range(MAX_ENTRIES + 1):
            cache.put(first + timedelta(days=offset), b"{}", NOW)

        assert cache.get(first, NOW) is None
        assert cache.get(first + timedelta(days=MAX_ENTRIES), NOW) == b"{}"


class TestOneReadAtATime:
    async def test_requests_for_an_expired_day_share_one_read(self) -> None:
        cache = ReadCache(1)
        release = asyncio.Event()
        reads = 0

        async def read() -> bytes:
            nonlocal reads
            reads += 1
            await release.wait()
            return b'{"slots": []}'

        waiting = [asyncio.create_task(cache.answer(DAY_DATE, NOW, read)) for _ in range(10)]
        await asyncio.sleep(0)
        release.set()

        assert await asyncio.gather(*waiting) == [b'{"slots": []}'] * 10
        assert reads == 1

    async def test_a_read_begun_before_a_write_is_not_kept(self) -> None:
        cache = ReadCache(1)
        release = asyncio.Event()

        async def stale() -> bytes:
            await release.wait()
            return b"before"

        async def fresh() -> bytes:
            return b"after"

        before = asyncio.create_task(cache.answer(DAY_DATE, NOW, stale))
        await asyncio.sleep(0)
        cache.clear()  # a write of this process committed
        after = await cache.answer(DAY_DATE, NOW, fresh)
        release.set()

        assert (await before, after) == (b"before", b"after")
        assert cache.get(DAY_DATE, NOW) == b"after"

    async def test_a_failed_read_fails_every_waiter_and_is_not_kept(self) -> None:
        cache = ReadCache(1)
        release = asyncio.Event()

        async def failing() -> bytes:
            await release.wait()
            raise ConnectionRefusedError("database down")

        waiting = [asyncio.create_task(cache.answer(DAY_DATE, NOW, failing)) for _ in range(3)]
        await asyncio.sleep(0)
        release.set()
        results = await asyncio.gather(*waiting, return_exceptions=True)

        assert all(isinstance(result, ConnectionRefusedError) for result in results)
        assert cache.get(DAY_DATE, NOW) is None

    async def test_a_reader_that_goes_away_leaves_the_others_their_answer(self) -> None:
        cache = ReadCache(1)
        release = asyncio.Event()

        async def read() -> bytes:
            await release.wait()
            return b"answer"

        first = asyncio.create_task(cache.answer(DAY_DATE, NOW, read))
        await asyncio.sleep(0)
        second = asyncio.create_task(cache.answer(DAY_DATE, NOW, read))
        await asyncio.sleep(0)
        first.cancel()
        release.set()

        assert await second == b"answer"
        assert first.cancelled()
