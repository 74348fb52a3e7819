"""Capacity and booking state under many real concurrent requests (docs/architecture.md,
"Invariants the database guards" and "Tests").

The app runs under uvicorn on 127.0.0.1 and every request is a real HTTP request on its own
connection, so each one runs in its own transaction at the same time as the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from attune.models import Booking, Schedule
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import SLOT_TAKEN, seats_taken
from tests.support.live_server import live_client, live_server
from tests.support.people import Person, add_clients
from tests.support.slots import add_slot, assert_seats_match_bookings


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with live_server(app) as base_url, live_client(base_url) as client:
        yield client


def days_ahead(days: int, *, hour: int = 10) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days, hours=hour)


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


async def book_all(
    live: httpx.AsyncClient, people: list[Person], schedule_id: int
) -> list[httpx.Response]:
    return await asyncio.gather(
        *(
            live.post("/api/bookings", json={"schedule_id": schedule_id}, headers=p.headers)
            for p in people
        )
    )


class TestHundredClientsOneSlot:
    @pytest.mark.parametrize("capacity", [1, 3])
    async def test_exactly_the_capacity_is_booked(
        self,
        live: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        capacity: int,
    ) -> None:
        people = await add_clients(database, settings, 100)
        slot = await add_slot(database, days_ahead(3), capacity=capacity)

        responses = await book_all(live, people, slot)

        assert statuses(responses) == {201: capacity, 409: 100 - capacity}
        refused = [r.json() for r in responses if r.status_code == 409]
        assert all(body["error"] == SLOT_TAKEN for body in refused)
        assert await seats_taken(database, slot) == capacity
        await assert_seats_match_bookings(database)


class TestFirstSeatsTakenAtOnce:
    async def test_every_booking_of_the_slot_has_one_room(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        people = await add_clients(database, settings, 6)
        slot = await add_slot(database, days_ahead(3), capacity=6)

        responses = await book_all(live, people, slot)

        assert statuses(responses) == {201: 6}
        async with database.transaction(write=False) as session:
            rooms = set(await session.scalars(select(Booking.room_id)))
            slot_room = await session.scalar(select(Schedule.room_id))
        assert len(rooms) == 1
        assert rooms == {slot_room}


class TestConcurrentReschedules:
    async def test_only_the_free_seats_are_taken(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        people = await add_clients(database, settings, 24)
        # Capacity 5 with 3 seats already held: two free seats for twenty movers.
        target = await add_slot(database, days_ahead(5), capacity=5)
        for holder in people[:3]:
            (response,) = await book_all(live, [holder], target)
            assert response.status_code == 201
        movers = people[3:23]
        bookings = []
        for number, mover in enumerate(movers):
            origin = await add_slot(database, days_ahead(4, hour=0) + timedelta(hours=number))
            (response,) = await book_all(live, [mover], origin)
            bookings.append((mover, response.json()["booking"]["id"], origin))

        responses = await asyncio.gather(
            *(
                live.put(
                    f"/api/bookings/{booking_id}/reschedule",
                    json={"new_schedule_id": target},
                    headers=mover.headers,
                )
                for mover, booking_id, _origin in bookings
            )
        )

        assert statuses(responses) == {200: 2, 409: 18}
        assert all(r.json()["error"] == SLOT_TAKEN for r in responses if r.status_code == 409)
        assert await seats_taken(database, target) == 5
        for response, (_mover, _booking_id, origin) in zip(responses, bookings, strict=True):
            # A mover who got no seat keeps the old one; one who moved gave it back.
            assert await seats_taken(database, origin) == (0 if response.status_code == 200 else 1)
        await assert_seats_match_bookings(database)


class TestCancelRacingReschedule:
    async def test_exactly_one_wins(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        people = await add_clients(database, settings, 10)
        soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        winners: Counter[str] = Counter()
        for number, person in enumerate(people):
            origin = await add_slot(database, days_ahead(6, hour=0) + timedelta(hours=number))
            # Inside the 24-hour cancel notice: once moved there, the booking can no longer be
            # cancelled by the client, so whichever request runs second is refused.
            target = await add_slot(database, soon + timedelta(hours=6 + number))
            (created,) = await book_all(live, [person], origin)
            booking_id = created.json()["booking"]["id"]

            cancelled, moved = await asyncio.gather(
                live.put(f"/api/bookings/{booking_id}/cancel", headers=person.headers),
                live.put(
                    f"/api/bookings/{booking_id}/reschedule",
                    json={"new_schedule_id": target},
                    headers=person.headers,
                ),
            )

            assert sorted([cancelled.status_code, moved.status_code]) == [200, 409]
            detail = (await live.get(f"/api/bookings/{booking_id}", headers=person.headers)).json()
            seats = (await seats_taken(database, origin), await seats_taken(database, target))
            if cancelled.status_code == 200:
                winners["cancel"] += 1
                assert detail["booking"]["status"] == "cancelled"
                assert seats == (0, 0)
            else:
                winners["reschedule"] += 1
                assert (detail["booking"]["status"], detail["booking"]["schedule_id"]) == (
                    "scheduled",
                    target,
                )
                assert seats == (0, 1)
        assert winners.total() == len(people)
        await assert_seats_match_bookings(database)
