"""The booking notice and the buffer of a service: a slot starting too soon, or too close to a
booked session of its therapist, is not offered and cannot be booked, even by clients booking
neighbouring slots at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.scheduling.builders import NOW, SEED_START, book
from tests.scheduling.practice_builders import add_therapist, set_terms
from tests.support.live_server import live_client, live_server
from tests.support.mailbox import SmtpServer
from tests.support.people import Person, add_clients
from tests.support.slots import add_slot, assert_seats_match_bookings

DEFAULT_SERVICE = 1
HOUR = timedelta(hours=1)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with live_server(app) as base_url, live_client(base_url) as client:
        yield client


async def offered(client: httpx.AsyncClient, date: str = "2024-12-15") -> dict[int, bool]:
    response = await client.get("/api/schedules", params={"date": date})
    assert response.status_code == 200
    return {slot["id"]: slot["is_available"] for slot in response.json()["slots"]}


async def book_http(client: httpx.AsyncClient, person: Person, slot: int) -> httpx.Response:
    return await client.post("/api/bookings", json={"schedule_id": slot}, headers=person.headers)


class TestBookingNotice:
    async def test_a_slot_sooner_than_the_notice_is_not_offered_nor_booked(
        self, client: httpx.AsyncClient, admin: Person, member: Person, database: Database
    ) -> None:
        await set_terms(database, DEFAULT_SERVICE, booking_notice_hours=24)
        soon = await add_slot(database, NOW + timedelta(hours=10))
        later = await add_slot(database, NOW + timedelta(hours=24))

        shown = await offered(client, "2024-12-01")
        refused = await book_http(client, member, soon)
        accepted = await book_http(client, member, later)

        assert shown == {soon: False}
        assert refused.status_code == 409
        assert refused.json()["error"] == "The slot starts too soon to be booked"
        assert "24 hours" in refused.json()["details"]
        assert accepted.status_code == 201

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, booking_notice_hours=12
        )

    async def test_the_practice_setting_is_the_default(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        soon = await add_slot(database, NOW + timedelta(hours=11))
        later = await add_slot(database, NOW + timedelta(hours=13))

        assert await offered(client, "2024-12-01") == {soon: False, later: True}


class TestBuffer:
    async def test_slots_within_the_buffer_of_a_booked_session_are_held_back(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        database: Database,
        settings: Settings,
    ) -> None:
        await set_terms(database, DEFAULT_SERVICE, buffer_minutes=30)
        ida = await add_therapist(database, settings)
        first, second = await add_clients(database, settings, 2)
        booked = await add_slot(database, SEED_START)
        next_to_it = await add_slot(database, SEED_START + HOUR)
        clear_of_it = await add_slot(database, SEED_START + 2 * HOUR + timedelta(minutes=30))
        idas = await add_slot(database, SEED_START + HOUR, therapist_id=ida.id)
        await book(database, settings, first, booked)

        shown = await offered(client)
        refused = await book_http(client, second, next_to_it)

        assert shown == {booked: False, next_to_it: False, idas: True, clear_of_it: True}
        assert refused.status_code == 409
        assert refused.json()["error"] == (
            "The slot is too close to another booked session of the therapist"
        )
        assert (await book_http(client, second, idas)).status_code == 201

    async def test_a_group_slot_keeps_taking_its_own_clients(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        await set_terms(database, DEFAULT_SERVICE, buffer_minutes=30)
        first, second = await add_clients(database, settings, 2)
        group = await add_slot(database, SEED_START, capacity=4)
        await book(database, settings, first, group)

        assert await offered(client) == {group: True}
        assert (await book_http(client, second, group)).status_code == 201

    async def test_a_client_may_not_move_into_the_buffer(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        await set_terms(database, DEFAULT_SERVICE, buffer_minutes=15)
        first, second = await add_clients(database, settings, 2)
        booked = await add_slot(database, SEED_START)
        next_to_it = await add_slot(database, SEED_START + HOUR)
        elsewhere = await add_slot(database, SEED_START + 5 * HOUR)
        await book(database, settings, first, booked)
        moving = await book(database, settings, second, elsewhere)

        response = await client.put(
            f"/api/bookings/{moving}/reschedule",
            json={"new_schedule_id": next_to_it},
            headers=second.headers,
        )

        assert response.status_code == 409, response.text
        assert response.json()["error"] == (
            "The slot is too close to another booked session of the therapist"
        )

    async def test_two_clients_booking_neighbouring_slots_at_once(
        self, live: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        await set_terms(database, DEFAULT_SERVICE, buffer_minutes=10)
        people = await add_clients(database, settings, 8)
        slots = [await add_slot(database, SEED_START + n * HOUR) for n in range(2)]

        responses = await asyncio.gather(
            *(book_http(live, person, slots[n % 2]) for n, person in enumerate(people))
        )

        codes = sorted(response.status_code for response in responses)
        assert codes == [201] + [409] * 7, [r.text for r in responses]
        await assert_seats_match_bookings(database)
