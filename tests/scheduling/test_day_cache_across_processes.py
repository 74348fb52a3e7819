"""The day view's cache between two real `attune serve` processes on one database: a booking
made through one process shows in that process's next read at once, and in the other's once
the cache's age (ATTUNE_AVAILABILITY_CACHE_SECONDS) has passed. Until then the other process
may still show the old seat count; only the bound is asserted, never the staleness."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from attune.platform.database import Database
from tests.conftest import TEST_DATABASE_URL, make_settings
from tests.support.people import Person, add_client
from tests.support.processes import attune_environment, attune_processes
from tests.support.scratch_database import scratch_database
from tests.support.slots import add_slot

pytestmark = pytest.mark.processes

CACHE_SECONDS = 1.0
SEATS = 3
# Generous: on a busy machine a request may wait; the test asserts outcomes, never speed.
REQUEST_TIMEOUT_SECONDS = 60


@dataclass
class TwoProcesses:
    a: httpx.AsyncClient
    b: httpx.AsyncClient
    database: Database
    client: Person


@contextmanager
def migrated_by_serve(tmp_path: Path) -> Iterator[str]:
    """An empty database that `attune serve` migrates: a SQLite file, or on PostgreSQL a
    scratch database beside the tests' own (which the fixtures build without migrations)."""
    if TEST_DATABASE_URL is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
        return
    with scratch_database(TEST_DATABASE_URL, "day_cache") as url:
        yield url


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[TwoProcesses]:
    with migrated_by_serve(tmp_path) as url, attune_processes(tmp_path / "processes") as started:
        environment = attune_environment(
            url,
            tmp_path / "var",
            availability_cache_seconds=str(CACHE_SECONDS),
            run_worker="false",
            rate_limits="false",
        )
        # One after the other: the first applies the migrations the second then finds done.
        a = started.serve("app-a", environment)
        b = started.serve("app-b", environment)
        database = Database(url)
        client = await add_client(database, make_settings(tmp_path, url))
        try:
            async with (
                httpx.AsyncClient(base_url=a.base_url, timeout=REQUEST_TIMEOUT_SECONDS) as on_a,
                httpx.AsyncClient(base_url=b.base_url, timeout=REQUEST_TIMEOUT_SECONDS) as on_b,
            ):
                yield TwoProcesses(on_a, on_b, database, client)
        finally:
            await database.dispose()


async def seats_left(process: httpx.AsyncClient, start: datetime) -> int:
    """The slot's `remaining_slots` in the process's day view of the slot's day."""
    answer = await process.get("/api/schedules", params={"date": start.date().isoformat()})
    assert answer.status_code == 200
    [slot] = answer.json()["slots"]
    remaining: int = slot["remaining_slots"]
    return remaining


class TestTwoProcesses:
    async def test_a_booking_shows_here_at_once_and_there_within_the_caches_age(
        self, two_processes: TwoProcesses
    ) -> None:
        a, b = two_processes.a, two_processes.b
        start = (datetime.now(UTC) + timedelta(days=3)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        slot = await add_slot(two_processes.database, start, capacity=SEATS)
        # Both processes now hold the day's answer in memory.
        assert await seats_left(a, start) == SEATS
        assert await seats_left(b, start) == SEATS

        booked = await a.post(
            "/api/bookings", json={"schedule_id": slot}, headers=two_processes.client.headers
        )
        assert booked.status_code == 201, booked.text
        answered = time.monotonic()

        assert await seats_left(a, start) == SEATS - 1
        # The other process may still answer from memory, but never beyond the cache's age.
        assert await seats_left(b, start) in (SEATS, SEATS - 1)
        await asyncio.sleep(max(0.0, CACHE_SECONDS - (time.monotonic() - answered)))
        assert await seats_left(b, start) == SEATS - 1
