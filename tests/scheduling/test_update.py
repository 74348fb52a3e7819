"""`PUT /api/admin/schedules/{id}`: the practice changes a slot without breaking its bookings."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.scheduling.errors import SlotFull
from tests.scheduling.builders import (
    NOW,
    SEED_START,
    book,
    iso,
    slot_body,
    stored_booking,
    stored_slot,
)
from tests.support.people import Person, add_clients
from tests.support.slots import add_slot, assert_seats_match_bookings


def path(schedule_id: int) -> str:
    return f"/api/admin/schedules/{schedule_id}"


async def update(
    client: httpx.AsyncClient, admin: Person, schedule_id: int, body: dict[str, Any]
) -> httpx.Response:
    return await client.put(path(schedule_id), json=body, headers=admin.headers)


async def booked_slot(
    database: Database, settings: Settings, *, capacity: int, bookings: int
) -> int:
    slot = await add_slot(database, SEED_START, capacity=capacity)
    for person in await add_clients(database, settings, bookings):
        await book(database, settings, person, slot)
    return slot


class TestUpdateSchedule:
    async def test_raise_capacity(
        self, client: httpx.AsyncClient, admin: Person, database: Database, clock: FrozenClock
    ) -> None:
        slot = await add_slot(database, SEED_START)
        clock.advance(timedelta(hours=1))

        response = await update(client, admin, slot, {"max_bookings": 4})

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Schedule updated successfully"
        schedule = body["schedule"]
        assert (schedule["id"], schedule["max_bookings"], schedule["remaining_slots"]) == (
            slot,
            4,
            4,
        )
        assert schedule["start_time"] == "2024-12-15T10:00:00Z"
        assert schedule["updated_at"] == iso(NOW + timedelta(hours=1))

    async def test_close_a_slot_with_bookings(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await booked_slot(database, settings, capacity=2, bookings=1)

        response = await update(client, admin, slot, {"is_available": False})

        assert response.status_code == 200
        schedule = response.json()["schedule"]
        assert (schedule["is_available"], schedule["booked_count"]) == (False, 1)

    async def test_move_a_slot_without_bookings(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        slot = await add_slot(database, SEED_START)
        later = SEED_START + timedelta(hours=4)

        response = await update(client, admin, slot, slot_body(later, 90))

        assert response.status_code == 200
        schedule = response.json()["schedule"]
        assert (schedule["start_time"], schedule["end_time"]) == (
            "2024-12-15T14:00:00Z",
            "2024-12-15T15:30:00Z",
        )

    async def test_lengthen_by_sending_only_the_end(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        slot = await add_slot(database, SEED_START)

        response = await update(client, admin, slot, {"end_time": "2024-12-15T11:30:00Z"})

        assert response.status_code == 200
        assert response.json()["schedule"]["end_time"] == "2024-12-15T11:30:00Z"

    async def test_capacity_down_to_the_bookings_held(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await booked_slot(database, settings, capacity=4, bookings=2)

        response = await update(client, admin, slot, {"max_bookings": 2})

        assert response.status_code == 200
        assert response.json()["schedule"]["remaining_slots"] == 0

    async def test_same_times_on_a_booked_slot_are_not_a_move(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await booked_slot(database, settings, capacity=2, bookings=1)

        response = await update(client, admin, slot, slot_body(max_bookings=3))

        assert response.status_code == 200
        assert response.json()["schedule"]["max_bookings"] == 3

    async def test_move_next_to_another_slot(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await add_slot(database, SEED_START)
        slot = await add_slot(database, SEED_START + timedelta(hours=3))

        response = await update(client, admin, slot, slot_body(SEED_START + timedelta(hours=1)))

        assert response.status_code == 200


class TestUpdateRefused:
    async def test_capacity_below_the_bookings_held(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await booked_slot(database, settings, capacity=3, bookings=2)

        response = await update(client, admin, slot, {"max_bookings": 1, "is_available": False})

        assert response.status_code == 409
        assert response.json() == {
            "error": "The capacity cannot be lower than the bookings the slot holds",
            "details": "2 booking(s) hold a seat in this slot: max_bookings must be at least 2.",
        }
        stored = await stored_slot(database, slot)
        assert stored is not None
        assert (stored.max_bookings, stored.booked_count, stored.is_available) == (3, 2, True)

    @pytest.mark.parametrize(
        "change",
        [
            {"start_time": "2024-12-15T09:00:00Z"},
            {"end_time": "2024-12-15T11:30:00Z"},
            {"start_time": "2024-12-16T10:00:00Z", "end_time": "2024-12-16T11:00:00Z"},
        ],
    )
    async def test_moving_a_booked_slot(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        database: Database,
        settings: Settings,
        change: dict[str, Any],
    ) -> None:
        slot = await booked_slot(database, settings, capacity=2, bookings=1)

        response = await update(client, admin, slot, change)

        assert response.status_code == 409
        assert response.json()["error"] == "The slot has bookings"
        stored = await stored_slot(database, slot)
        assert stored is not None
        assert (stored.start_at, stored.end_at) == (SEED_START, SEED_START + timedelta(hours=1))

    async def test_moving_onto_another_slot(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        other = await add_slot(database, SEED_START)
        slot = await add_slot(database, SEED_START + timedelta(hours=3))

        response = await update(client, admin, slot, slot_body(SEED_START + timedelta(minutes=30)))

        assert response.status_code == 409
        assert response.json() == {
            "error": "The slot overlaps another slot",
            "details": f"It overlaps slot {other}.",
        }

    @pytest.mark.parametrize(
        ("change", "details"),
        [
            ({"end_time": "2024-12-15T10:00:00Z"}, "end_time must be after start_time"),
            ({"start_time": "2024-12-15T12:00:00Z"}, "end_time must be after start_time"),
            ({"end_time": "2024-12-15T23:00:00Z"}, "A slot lasts at most 12 hours"),
            (
                {"start_time": "2024-11-30T10:00:00Z", "end_time": "2024-11-30T11:00:00Z"},
                "start_time must be in the future",
            ),
            ({"start_time": "2024-12-15T10:00:00"}, "Start time must be an RFC 3339"),
            ({"max_bookings": 0}, "Max bookings must be at least 1"),
            ({}, "Send at least one of start_time, end_time, max_bookings, is_available"),
            ({"max_bookings": None}, "Send at least one of"),
        ],
    )
    async def test_invalid_change(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        database: Database,
        change: dict[str, Any],
        details: str,
    ) -> None:
        slot = await add_slot(database, SEED_START)

        response = await update(client, admin, slot, change)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert response.json()["details"].startswith(details)
        stored = await stored_slot(database, slot)
        assert stored is not None
        assert (stored.start_at, stored.max_bookings) == (SEED_START, 1)

    @pytest.mark.parametrize("schedule_id", ["999", "0", "abc", str(2**40)])
    async def test_unknown_slot(
        self, client: httpx.AsyncClient, admin: Person, schedule_id: str
    ) -> None:
        response = await client.put(
            f"/api/admin/schedules/{schedule_id}", json={"max_bookings": 2}, headers=admin.headers
        )

        # An id that is not digits names no slot's path at all.
        expected = 404 if schedule_id in ("999", "abc") else 400
        assert response.status_code == expected
        if schedule_id == "999":
            assert response.json() == {
                "error": "Schedule not found",
                "details": "No slot has this id.",
            }

    async def test_anonymous(self, client: httpx.AsyncClient, database: Database) -> None:
        slot = await add_slot(database, SEED_START)

        response = await client.put(path(slot), json={"max_bookings": 2})

        assert response.status_code == 401

    async def test_client(
        self, client: httpx.AsyncClient, member: Person, database: Database
    ) -> None:
        slot = await add_slot(database, SEED_START)

        response = await update(client, member, slot, {"max_bookings": 2})

        assert response.status_code == 403
        stored = await stored_slot(database, slot)
        assert stored is not None
        assert stored.max_bookings == 1


class TestCapacityRacingBookings:
    async def test_never_below_the_seats_taken(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=4)
        people = await add_clients(database, settings, 4)

        async def try_to_book(person: Person) -> bool:
            try:
                await book(database, settings, person, slot)
            except SlotFull:
                return False
            return True

        shrink, booked = await asyncio.gather(
            update(client, admin, slot, {"max_bookings": 2}),
            asyncio.gather(*(try_to_book(person) for person in people)),
        )

        assert shrink.status_code in (200, 409)
        stored = await stored_slot(database, slot)
        assert stored is not None
        assert stored.booked_count == sum(booked)
        assert stored.booked_count <= stored.max_bookings
        assert stored.max_bookings == (2 if shrink.status_code == 200 else 4)
        await assert_seats_match_bookings(database)

    async def test_a_move_racing_a_booking(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=2)
        person = (await add_clients(database, settings, 1))[0]
        later = SEED_START + timedelta(hours=5)

        async def try_to_book() -> int | None:
            try:
                return await book(database, settings, person, slot)
            except SlotFull:
                return None

        moved, booking_id = await asyncio.gather(
            update(client, admin, slot, slot_body(later)), try_to_book()
        )

        stored = await stored_slot(database, slot)
        assert stored is not None
        if moved.status_code == 409:
            assert booking_id is not None
        else:
            assert moved.status_code == 200
        assert stored.start_at == (later if moved.status_code == 200 else SEED_START)
        if booking_id is not None:
            # The booking is at the slot's time, whichever side of the move it fell on.
            booking = await stored_booking(database, booking_id)
            assert booking is not None
            assert booking.scheduled_at == stored.start_at
        await assert_seats_match_bookings(database)
