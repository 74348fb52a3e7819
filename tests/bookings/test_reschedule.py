"""`PUT /api/bookings/{id}/reschedule`: the seat moves, the room and the price stay."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import (
    NOW,
    SLOT_TAKEN_BODY,
    book,
    cancel,
    later,
    reschedule,
    seats_taken,
    stored_booking,
)
from tests.support.people import add_client
from tests.support.slots import add_slot, assert_seats_match_bookings


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


class TestReschedule:
    async def test_moves_the_booking_and_its_seat(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3))
        new = await add_slot(database, later(days=4, hours=5))
        booking = await book(client, ada, old, notes="Please call first")

        response = await reschedule(client, ada, booking["id"], new)

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Booking rescheduled successfully"
        moved = body["booking"]
        assert (moved["id"], moved["schedule_id"], moved["status"]) == (
            booking["id"],
            new,
            "scheduled",
        )
        assert (moved["scheduled_at"], moved["ends_at"]) == (
            "2026-03-06T14:00:00Z",
            "2026-03-06T15:00:00Z",
        )
        assert (moved["amount_cents"], moved["notes"]) == (10000, "Please call first")
        assert (await seats_taken(database, old), await seats_taken(database, new)) == (0, 1)
        await assert_seats_match_bookings(database)

    async def test_keeps_the_room_and_raises_the_calendar_sequence(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        first = await add_slot(database, later(days=3))
        second = await add_slot(database, later(days=4))
        third = await add_slot(database, later(days=5))
        booking = await book(client, ada, first)
        before = await stored_booking(database, booking["id"])

        await reschedule(client, ada, booking["id"], second)
        await reschedule(client, ada, booking["id"], third)

        after = await stored_booking(database, booking["id"])
        assert after.room_id == before.room_id
        assert (before.calendar_sequence, after.calendar_sequence) == (0, 2)

    async def test_back_to_the_slot_it_left(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        bob = await add_client(database, settings, 2)
        old = await add_slot(database, later(days=3))
        new = await add_slot(database, later(days=4))
        booking = await book(client, ada, old)
        await reschedule(client, ada, booking["id"], new)

        response = await reschedule(client, ada, booking["id"], old)

        assert response.status_code == 200
        assert (await seats_taken(database, old), await seats_taken(database, new)) == (1, 0)
        assert (await book(client, bob, new))["schedule_id"] == new


class TestRefused:
    async def test_a_full_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        old = await add_slot(database, later(days=3))
        full = await add_slot(database, later(days=4))
        await book(client, bob, full)
        booking = await book(client, ada, old)

        response = await reschedule(client, ada, booking["id"], full)

        assert response.status_code == 409
        assert response.json() == SLOT_TAKEN_BODY
        assert (await stored_booking(database, booking["id"])).schedule_id == old
        assert (await seats_taken(database, old), await seats_taken(database, full)) == (1, 1)
        await assert_seats_match_bookings(database)

    async def test_a_closed_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3))
        closed = await add_slot(database, later(days=4), available=False)
        booking = await book(client, ada, old)

        response = await reschedule(client, ada, booking["id"], closed)

        assert response.status_code == 409
        assert response.json() == SLOT_TAKEN_BODY
        assert await seats_taken(database, old) == 1

    async def test_a_started_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3))
        started = await add_slot(database, later(minutes=-10))
        booking = await book(client, ada, old)

        response = await reschedule(client, ada, booking["id"], started)

        assert response.status_code == 409
        assert response.json()["error"] == "The selected time slot has already started"
        assert (await seats_taken(database, old), await seats_taken(database, started)) == (1, 0)

    async def test_a_slot_of_another_length(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3), minutes=60)
        longer = await add_slot(database, later(days=4), minutes=90)
        booking = await book(client, ada, old)

        response = await reschedule(client, ada, booking["id"], longer)

        assert response.status_code == 409
        assert response.json()["error"] == "The new time slot must last as long as the booking"
        assert "90" in response.json()["details"]
        assert (await seats_taken(database, old), await seats_taken(database, longer)) == (1, 0)

    async def test_the_same_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), capacity=3)
        booking = await book(client, ada, slot)

        response = await reschedule(client, ada, booking["id"], slot)

        assert response.status_code == 409
        assert response.json()["error"] == "The booking is already in this time slot"
        assert await seats_taken(database, slot) == 1

    async def test_a_slot_where_the_client_already_has_a_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        first = await add_slot(database, later(days=3))
        shared = await add_slot(database, later(days=4), capacity=3)
        booking = await book(client, ada, first)
        await book(client, ada, shared)

        response = await reschedule(client, ada, booking["id"], shared)

        assert response.status_code == 409
        assert response.json()["error"] == "You already have a booking at this time"
        assert (await seats_taken(database, first), await seats_taken(database, shared)) == (1, 1)

    async def test_an_unknown_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3))
        booking = await book(client, ada, old)

        response = await reschedule(client, ada, booking["id"], 999)

        assert response.status_code == 404
        assert response.json()["error"] == "Schedule not found"
        assert await seats_taken(database, old) == 1

    async def test_a_cancelled_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3))
        new = await add_slot(database, later(days=4))
        booking = await book(client, ada, old)
        await cancel(client, ada, booking["id"])

        response = await reschedule(client, ada, booking["id"], new)

        assert response.status_code == 409
        assert response.json()["error"] == "Only a scheduled booking can be changed"
        assert (await seats_taken(database, old), await seats_taken(database, new)) == (0, 0)

    @pytest.mark.parametrize(
        "body", [{}, {"new_schedule_id": 0}, {"new_schedule_id": "two"}, {"schedule_id": 2}, [2]]
    )
    async def test_an_invalid_body(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, body: Any
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3))
        await add_slot(database, later(days=4))
        booking = await book(client, ada, old)

        response = await client.put(
            f"/api/bookings/{booking['id']}/reschedule", json=body, headers=ada.headers
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert (await stored_booking(database, booking["id"])).schedule_id == old

    async def test_no_body(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        old = await add_slot(database, later(days=3))
        booking = await book(client, ada, old)

        response = await client.put(
            f"/api/bookings/{booking['id']}/reschedule", headers=ada.headers
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert (await stored_booking(database, booking["id"])).schedule_id == old
