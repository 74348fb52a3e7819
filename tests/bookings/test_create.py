"""`POST /api/bookings`: taking a seat, the price, the room link, the notes, and refusals."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from attune.app import create_app
from attune.models import Booking
from attune.platform.clock import Clock, FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import (
    NOW,
    SLOT_TAKEN_BODY,
    book,
    later,
    seats_taken,
    stored_booking,
)
from tests.conftest import http_client, make_settings
from tests.scheduling.practice_builders import add_therapist
from tests.support.payments import record_paid
from tests.support.people import add_client, add_person
from tests.support.slots import add_slot, assert_seats_match_bookings


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(NOW)


async def booking_count(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count: int = await session.scalar(select(func.count()).select_from(Booking)) or 0
    return count


class TestCreate:
    async def test_answers_with_the_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))

        response = await client.post(
            "/api/bookings",
            json={"schedule_id": slot, "duration": 60, "notes": "First session"},
            headers=ada.headers,
        )

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Booking created successfully"
        booking = body["booking"]
        assert booking["user_id"] == ada.id
        assert booking["schedule_id"] == slot
        assert booking["scheduled_at"] == "2026-03-05T09:00:00Z"
        assert booking["ends_at"] == "2026-03-05T10:00:00Z"
        assert (booking["duration"], booking["status"]) == (60, "scheduled")
        assert (booking["amount"], booking["amount_cents"], booking["currency"]) == (
            100.0,
            10000,
            "usd",
        )
        assert (booking["payment_status"], booking["payment_id"]) == ("pending", None)
        assert booking["notes"] == "First session"
        assert booking["created_at"] == "2026-03-02T09:00:00Z"

    async def test_takes_a_seat(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), capacity=3)

        await book(client, ada, slot)

        assert await seats_taken(database, slot) == 1
        await assert_seats_match_bookings(database)

    async def test_duration_may_be_left_out(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), minutes=50)

        booking = await book(client, ada, slot)

        assert booking["duration"] == 50


class TestPrice:
    @pytest.mark.parametrize(
        ("minutes", "amount", "cents"), [(60, 100.0, 10000), (90, 150.0, 15000), (45, 75.0, 7500)]
    )
    async def test_is_the_session_price_per_hour_pro_rata(
        self,
        *,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        minutes: int,
        amount: float,
        cents: int,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), minutes=minutes)

        booking = await book(client, ada, slot, duration=minutes)

        assert (booking["amount"], booking["amount_cents"]) == (amount, cents)
        assert booking["payment_status"] == "pending"

    async def test_follows_the_configured_price(
        self, tmp_path: Path, database: Database, database_url: str, clock: Clock
    ) -> None:
        settings = make_settings(tmp_path, database_url, session_price_cents=12000)
        app = create_app(settings, database=database, clock=clock)
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), minutes=90)

        async with app.router.lifespan_context(app), http_client(app) as client:
            booking = await book(client, ada, slot)

        assert (booking["amount"], booking["amount_cents"]) == (180.0, 18000)

    async def test_a_price_sent_by_the_client_is_ignored(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))

        booking = await book(client, ada, slot, amount=1, amount_cents=1)

        assert booking["amount_cents"] == 10000


class TestVideoRoom:
    async def test_link_is_withheld_while_unpaid(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))

        booking = await book(client, ada, slot)

        assert (booking["jitsi_room_id"], booking["jitsi_room_url"]) == (None, None)

    async def test_with_payments_off_the_link_needs_only_the_join_window(
        self, tmp_path: Path, database: Database, database_url: str
    ) -> None:
        settings = make_settings(tmp_path, database_url, payments_enabled=False)
        clock = FrozenClock(NOW)
        app = create_app(settings, database=database, clock=clock)
        ada = await add_client(database, settings)
        starts_at = later(days=3)
        slot = await add_slot(database, starts_at)

        async with app.router.lifespan_context(app), http_client(app) as client:
            booking = await book(client, ada, slot)
            clock.at = starts_at - timedelta(minutes=10)
            joinable = (
                await client.get(f"/api/bookings/{booking['id']}", headers=ada.headers)
            ).json()["booking"]

        assert (booking["jitsi_room_id"], booking["jitsi_room_url"]) == (None, None)
        assert joinable["jitsi_room_id"].startswith("attune-")
        assert joinable["jitsi_room_url"] == f"https://meet.jit.si/{joinable['jitsi_room_id']}"

    async def test_bookings_of_different_slots_get_different_rooms(
        self, tmp_path: Path, database: Database, database_url: str, clock: Clock
    ) -> None:
        # The bookings of one slot share its room (tests/bookings/test_group_room.py).
        settings = make_settings(tmp_path, database_url, payments_enabled=False)
        app = create_app(settings, database=database, clock=clock)
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        slots = [await add_slot(database, later(days=3, hours=h), capacity=2) for h in (0, 2)]

        async with app.router.lifespan_context(app), http_client(app) as client:
            bookings = [
                (await book(client, p, s))["id"] for p, s in zip((ada, bob), slots, strict=True)
            ]

        rooms = {(await stored_booking(database, booking_id)).room_id for booking_id in bookings}
        assert len(rooms) == 2


class TestNotes:
    async def test_are_encrypted_at_rest(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        notes = "Trouble sleeping since the move"

        booking = await book(client, ada, slot, notes=notes)

        async with database.transaction(write=False) as session:
            stored = await session.scalar(
                text("SELECT notes_encrypted FROM bookings WHERE id = :id"), {"id": booking["id"]}
            )
        assert stored
        assert notes not in stored
        assert "sleeping" not in stored
        assert booking["notes"] == notes
        detail = await client.get(f"/api/bookings/{booking['id']}", headers=ada.headers)
        assert detail.json()["booking"]["notes"] == notes

    @pytest.mark.parametrize("notes", ["", "   "])
    async def test_blank_notes_are_no_notes(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, notes: str
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))

        booking = await book(client, ada, slot, notes=notes)

        assert booking["notes"] is None

    async def test_keep_their_line_breaks(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))

        booking = await book(client, ada, slot, notes="Line one\nLine two")

        assert booking["notes"] == "Line one\nLine two"


class TestRefused:
    async def test_unknown_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.post(
            "/api/bookings", json={"schedule_id": 999}, headers=ada.headers
        )

        assert response.status_code == 404
        assert response.json()["error"] == "Schedule not found"

    async def test_full_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        slot = await add_slot(database, later(days=3))
        await book(client, ada, slot)

        response = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=bob.headers
        )

        assert response.status_code == 409
        assert response.json() == SLOT_TAKEN_BODY
        assert await seats_taken(database, slot) == 1

    async def test_closed_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), available=False)

        response = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=ada.headers
        )

        assert response.status_code == 409
        assert response.json() == SLOT_TAKEN_BODY
        assert await booking_count(database) == 0

    @pytest.mark.parametrize("started", [later(minutes=-30), NOW])
    async def test_started_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, started: datetime
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, started)

        response = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=ada.headers
        )

        assert response.status_code == 409
        assert response.json()["error"] == "The selected time slot has already started"
        assert await seats_taken(database, slot) == 0

    async def test_a_second_seat_in_the_same_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), capacity=4)
        first = await book(client, ada, slot)

        response = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=ada.headers
        )

        assert response.status_code == 409
        assert response.json()["error"] == "You already have a booking at this time"
        assert str(first["id"]) in response.json()["details"]
        assert await seats_taken(database, slot) == 1

    async def test_a_slot_overlapping_another_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        first = await add_slot(database, later(days=3), minutes=60)
        # Two therapists' slots may overlap (one therapist's never do): the client may not
        # be in both.
        ida = await add_therapist(database, settings, "Ida")
        overlapping = await add_slot(
            database, later(days=3, minutes=30), minutes=60, therapist_id=ida.id
        )
        await book(client, ada, first)

        response = await client.post(
            "/api/bookings", json={"schedule_id": overlapping}, headers=ada.headers
        )

        assert response.status_code == 409
        assert response.json()["error"] == "You already have a booking at this time"

    async def test_a_cancelled_booking_does_not_overlap(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), capacity=2)
        first = await book(client, ada, slot)
        await client.put(f"/api/bookings/{first['id']}/cancel", headers=ada.headers)

        again = await book(client, ada, slot)

        assert again["status"] == "scheduled"
        assert await seats_taken(database, slot) == 1

    async def test_back_to_back_slots_do_not_overlap(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        first = await add_slot(database, later(days=3))
        second = await add_slot(database, later(days=3, hours=1))
        await book(client, ada, first)

        booking = await book(client, ada, second)

        assert booking["schedule_id"] == second

    async def test_more_unpaid_bookings_than_the_cap(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slots = [await add_slot(database, later(days=3, hours=hour)) for hour in range(4)]
        held = [await book(client, ada, slot) for slot in slots[:3]]

        response = await client.post(
            "/api/bookings", json={"schedule_id": slots[3]}, headers=ada.headers
        )

        assert response.status_code == 409
        assert response.json() == {
            "error": "Pay for or cancel your unpaid bookings before booking another",
            "details": "You hold 3 unpaid bookings; at most 3 may wait for payment at a time.",
        }
        assert await seats_taken(database, slots[3]) == 0
        await client.put(f"/api/bookings/{held[0]['id']}/cancel", headers=ada.headers)
        assert (await book(client, ada, slots[3]))["schedule_id"] == slots[3]

    async def test_the_cap_counts_only_unpaid_bookings(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slots = [await add_slot(database, later(days=3, hours=hour)) for hour in range(4)]
        for slot in slots[:3]:
            await record_paid(database, (await book(client, ada, slot))["id"])

        assert (await book(client, ada, slots[3]))["schedule_id"] == slots[3]

    async def test_no_cap_when_payments_are_off(
        self, database: Database, tmp_path: Path, clock: Clock
    ) -> None:
        unpaid = make_settings(tmp_path, database.url, payments_enabled=False)
        ada = await add_client(database, unpaid)
        slots = [await add_slot(database, later(days=3, hours=hour)) for hour in range(4)]
        app = create_app(unpaid, database=database, clock=clock)
        async with app.router.lifespan_context(app), http_client(app) as client:
            booked = [await book(client, ada, slot) for slot in slots]

        assert len(booked) == 4

    async def test_duration_other_than_the_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), minutes=90)

        response = await client.post(
            "/api/bookings", json={"schedule_id": slot, "duration": 60}, headers=ada.headers
        )

        assert response.status_code == 400
        assert response.json()["error"] == "The duration must be the slot's length"
        assert "90 minutes" in response.json()["details"]
        assert await seats_taken(database, slot) == 0

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"schedule_id": "one"},
            {"schedule_id": 0},
            {"schedule_id": 2**40},
            {"schedule_id": None},
            {"schedule_id": 1, "duration": 0},
            {"schedule_id": 1, "duration": "sixty"},
            {"schedule_id": 1, "notes": "x" * 2001},
            {"schedule_id": 1, "notes": "nul\x00byte"},
            {"schedule_id": 1, "notes": "reversed \u202etext"},
            {"schedule_id": 1, "notes": ["a list"]},
            [1],
            "1",
        ],
    )
    async def test_invalid_body(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, body: Any
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        assert slot == 1

        response = await client.post("/api/bookings", json=body, headers=ada.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert await seats_taken(database, slot) == 0
        assert await booking_count(database) == 0

    async def test_body_that_is_not_json(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        await add_slot(database, later(days=3))

        response = await client.post(
            "/api/bookings",
            content=b'{"schedule_id": 1',
            headers={**ada.headers, "Content-Type": "application/json"},
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert await booking_count(database) == 0

    async def test_unverified_email(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        unverified = await add_person(database, settings, email="new@example.com", verified=False)
        slot = await add_slot(database, later(days=3))

        response = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=unverified.headers
        )

        assert response.status_code == 403
        assert response.json()["error"] == "Email address not verified"
        assert await seats_taken(database, slot) == 0
