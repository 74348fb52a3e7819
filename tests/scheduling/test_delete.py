"""`DELETE /api/admin/schedules/{id}`: only a slot that no booking holds a seat in."""

from __future__ import annotations

from datetime import timedelta

import httpx

from attune.models import BookingStatus
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.builders import SEED_START, book, cancel, stored_booking, stored_slot
from tests.support.people import Person, add_clients
from tests.support.slots import add_slot


def path(schedule_id: int) -> str:
    return f"/api/admin/schedules/{schedule_id}"


class TestDeleteSchedule:
    async def test_an_unbooked_slot(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        slot = await add_slot(database, SEED_START)

        response = await client.delete(path(slot), headers=admin.headers)

        assert response.status_code == 200
        assert response.json() == {"message": "Schedule deleted successfully"}
        assert await stored_slot(database, slot) is None
        day = await client.get("/api/schedules", params={"date": "2024-12-15"})
        assert day.json()["slots"] == []

    async def test_cancelled_bookings_keep_their_data(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await add_slot(database, SEED_START)
        person = (await add_clients(database, settings, 1))[0]
        booking_id = await book(database, settings, person, slot)
        await cancel(database, settings, admin, booking_id)

        response = await client.delete(path(slot), headers=admin.headers)

        assert response.status_code == 200
        booking = await stored_booking(database, booking_id)
        assert booking is not None
        assert (booking.schedule_id, booking.status) == (None, BookingStatus.cancelled)
        assert (booking.scheduled_at, booking.user_id) == (SEED_START, person.id)


class TestDeleteRefused:
    async def test_a_slot_with_bookings(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=3)
        person = (await add_clients(database, settings, 1))[0]
        await book(database, settings, person, slot)

        response = await client.delete(path(slot), headers=admin.headers)

        assert response.status_code == 409
        assert response.json()["error"] == "The slot has bookings"
        assert response.json()["details"].startswith("1 booking(s) hold a seat in this slot.")
        assert await stored_slot(database, slot) is not None

    async def test_a_slot_that_is_already_gone(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        slot = await add_slot(database, SEED_START + timedelta(hours=2))
        await client.delete(path(slot), headers=admin.headers)

        response = await client.delete(path(slot), headers=admin.headers)

        assert response.status_code == 404
        assert response.json() == {"error": "Schedule not found", "details": "No slot has this id."}

    async def test_anonymous(self, client: httpx.AsyncClient, database: Database) -> None:
        slot = await add_slot(database, SEED_START)

        response = await client.delete(path(slot))

        assert response.status_code == 401
        assert await stored_slot(database, slot) is not None

    async def test_client(
        self, client: httpx.AsyncClient, member: Person, database: Database
    ) -> None:
        slot = await add_slot(database, SEED_START)

        response = await client.delete(path(slot), headers=member.headers)

        assert response.status_code == 403
        assert await stored_slot(database, slot) is not None
