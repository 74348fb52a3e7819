"""The booking page of a visitor who is not signed in, kept in memory as the day view is: never
after a write of this process has committed, and at most ATTUNE_AVAILABILITY_CACHE_SECONDS when
another process writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from attune.models import Schedule
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.scheduling.builders import NOW, SEED_START
from tests.support.page_client import sign_in_over_http
from tests.support.people import Person, add_client
from tests.support.slots import add_slot

DAY = "2024-12-15"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """No worker in the app: its own commits would forget the kept page as any write does."""
    return make_settings(tmp_path, database_url)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def member(database: Database, settings: Settings) -> Person:
    """A client."""
    return await add_client(database, settings)


@pytest.fixture
async def another_process(database_url: str) -> AsyncIterator[Database]:
    """The same database as another app process sees it: its commits are not heard here."""
    other = Database(database_url)
    yield other
    await other.dispose()


async def offers(client: httpx.AsyncClient, slot_id: int) -> bool:
    """Whether a visitor's booking page of the day offers the slot."""
    response = await client.get("/book", params={"date": DAY})
    assert response.status_code == 200
    return f'href="/book/{slot_id}"' in response.text


class TestKeptPage:
    async def test_a_booking_through_this_process_shows_at_once(
        self, client: httpx.AsyncClient, database: Database, member: Person
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=1)
        assert await offers(client, slot)

        booked = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=member.headers
        )

        assert booked.status_code == 201
        assert not await offers(client, slot)

    async def test_another_processs_change_shows_once_the_page_expires(
        self,
        client: httpx.AsyncClient,
        database: Database,
        another_process: Database,
        clock: FrozenClock,
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=1)
        assert await offers(client, slot)

        async with another_process.transaction() as session:
            await session.execute(
                update(Schedule).where(Schedule.id == slot).values(is_available=False)
            )

        assert await offers(client, slot)
        clock.advance(timedelta(seconds=1))
        assert not await offers(client, slot)

    async def test_each_zone_is_kept_apart(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_slot(database, SEED_START, capacity=1)
        practice = await client.get("/book", params={"date": DAY})

        elsewhere = await client.get("/book", params={"date": DAY, "tz": "Asia/Tokyo"})

        assert "Times are in Asia/Tokyo." in elsewhere.text
        assert "Times are in Asia/Tokyo." not in practice.text

    async def test_the_kept_page_is_the_page(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_slot(database, SEED_START, capacity=1)

        made = await client.get("/book", params={"date": DAY})
        kept = await client.get("/book", params={"date": DAY})

        assert kept.content == made.content
        assert kept.headers["content-type"] == made.headers["content-type"]

    async def test_a_signed_in_visitor_never_gets_the_kept_page(
        self, client: httpx.AsyncClient, database: Database, member: Person
    ) -> None:
        await add_slot(database, SEED_START, capacity=1)
        visitors = await client.get("/book", params={"date": DAY})
        assert "Sign out" not in visitors.text

        await sign_in_over_http(client, member.email)
        members = await client.get("/book", params={"date": DAY})

        assert "Sign out" in members.text
        assert "My bookings" in members.text
