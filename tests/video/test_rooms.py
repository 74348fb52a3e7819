"""Every slot's bookings get an unguessable Jitsi room of their own, kept when a booking moves."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.people import add_admin, add_client, add_clients
from tests.support.slots import add_slot
from tests.video.builders import book, meeting, reschedule

# In the past: the people's access tokens are issued at the real time and stay valid for any
# frozen time before they expire.
BOOKED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STARTS_AT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
# "attune-" and 128 random bits in lower-case hex: Jitsi room names ignore case.
ROOM_ID = re.compile(r"attune-[0-9a-f]{32}")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BOOKED_AT)


class TestRoomIds:
    async def test_every_slot_has_its_own_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        # One booking a slot: the bookings of one slot share its room (test_group_room.py).
        clients = await add_clients(database, settings, 30)
        theo = await add_admin(database, settings)
        slot_ids = [await add_slot(database, STARTS_AT + timedelta(hours=h)) for h in range(30)]
        booking_ids = [
            await book(client, person, slot_id)
            for person, slot_id in zip(clients, slot_ids, strict=True)
        ]

        rooms = [(await meeting(client, id_, theo))["room_id"] for id_ in booking_ids]

        assert len(set(rooms)) == 30
        for room in rooms:
            assert ROOM_ID.fullmatch(room), room

    async def test_the_room_stays_when_the_booking_moves(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        first_slot = await add_slot(database, STARTS_AT)
        later_slot = await add_slot(database, STARTS_AT + timedelta(days=2))
        booking_id = await book(client, ada, first_slot)
        before = await meeting(client, booking_id, theo)

        await reschedule(client, booking_id, ada, later_slot)
        after = await meeting(client, booking_id, theo)

        assert after["room_id"] == before["room_id"]
        assert after["meeting_url"] == before["meeting_url"]
        assert after["scheduled_at"] == "2025-03-06T10:00:00Z"
        assert after["join_opens_at"] == "2025-03-06T09:50:00Z"
