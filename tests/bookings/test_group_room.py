"""A slot's bookings share its video room: the clients of one group session meet in one room,
each joining with their own token; a slot freed of its bookings gives its room up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from attune.models import Booking
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.people import Person, add_client
from tests.support.slots import add_slot
from tests.video.builders import book, cancel, mark_paid, meeting, reschedule

# In the past: access tokens are issued at the real time and stay valid at any frozen time
# before they expire.
BOOKED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STARTS_AT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
OPENS_AT = STARTS_AT - timedelta(minutes=10)
APP_ID = "attune-practice"
APP_SECRET = "jitsi-app-secret-0123456789abcdefghijkl"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BOOKED_AT)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        jitsi_base_url="https://video.example.org/",
        jitsi_app_id=APP_ID,
        jitsi_app_secret=APP_SECRET,
    )


def claims_of(meeting_url: str) -> dict[str, Any]:
    [token] = parse_qs(urlsplit(meeting_url).query)["jwt"]
    claims: dict[str, Any] = jwt.decode(
        token,
        APP_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_nbf": False},
    )
    return claims


async def paid_booking(
    client: httpx.AsyncClient, database: Database, person: Person, slot: int
) -> int:
    booking_id = await book(client, person, slot)
    await mark_paid(database, booking_id)
    return booking_id


async def room_of(database: Database, booking_id: int) -> str:
    async with database.transaction(write=False) as session:
        booking = await session.get(Booking, booking_id)
    assert booking is not None
    return booking.room_id


class TestGroupSlot:
    async def test_two_clients_meet_in_one_room_each_with_their_own_token(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada, bea = await add_client(database, settings, 1), await add_client(database, settings, 2)
        slot = await add_slot(database, STARTS_AT, capacity=2)
        ada_booking = await paid_booking(client, database, ada, slot)
        bea_booking = await paid_booking(client, database, bea, slot)
        clock.at = OPENS_AT

        ada_meeting = await meeting(client, ada_booking, ada)
        bea_meeting = await meeting(client, bea_booking, bea)

        assert ada_meeting["room_id"] == bea_meeting["room_id"]
        room_url = f"https://video.example.org/{ada_meeting['room_id']}?jwt="
        assert ada_meeting["meeting_url"].startswith(room_url)
        assert bea_meeting["meeting_url"].startswith(room_url)
        assert ada_meeting["meeting_url"] != bea_meeting["meeting_url"]
        ada_claims = claims_of(ada_meeting["meeting_url"])
        bea_claims = claims_of(bea_meeting["meeting_url"])
        assert ada_claims["room"] == bea_claims["room"] == ada_meeting["room_id"]
        assert ada_claims["context"]["user"]["email"] == "client1@example.com"
        assert bea_claims["context"]["user"]["email"] == "client2@example.com"

    async def test_a_client_moved_into_a_group_slot_joins_its_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada, bea = await add_client(database, settings, 1), await add_client(database, settings, 2)
        group = await add_slot(database, STARTS_AT, capacity=2)
        other = await add_slot(database, STARTS_AT + timedelta(hours=3))
        ada_booking = await book(client, ada, group)
        bea_booking = await book(client, bea, other)

        await reschedule(client, bea_booking, bea, group)

        assert await room_of(database, bea_booking) == await room_of(database, ada_booking)

    async def test_a_client_moved_out_of_a_group_slot_gets_a_room_of_their_own(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada, bea = await add_client(database, settings, 1), await add_client(database, settings, 2)
        group = await add_slot(database, STARTS_AT, capacity=2)
        later = await add_slot(database, STARTS_AT + timedelta(hours=3))
        ada_booking = await book(client, ada, group)
        bea_booking = await book(client, bea, group)

        await reschedule(client, bea_booking, bea, later)
        carl = await add_client(database, settings, 3)
        carl_booking = await book(client, carl, group)

        group_room = await room_of(database, ada_booking)
        assert await room_of(database, carl_booking) == group_room
        assert await room_of(database, bea_booking) != group_room


class TestOneToOneSlot:
    async def test_a_moved_booking_keeps_its_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        first = await add_slot(database, STARTS_AT)
        second = await add_slot(database, STARTS_AT + timedelta(hours=3))
        booking_id = await book(client, ada, first)
        room = await room_of(database, booking_id)

        await reschedule(client, booking_id, ada, second)

        assert await room_of(database, booking_id) == room

    async def test_the_next_client_of_a_freed_slot_gets_a_new_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada, bea = await add_client(database, settings, 1), await add_client(database, settings, 2)
        first = await add_slot(database, STARTS_AT)
        second = await add_slot(database, STARTS_AT + timedelta(hours=3))
        moved = await book(client, ada, first)
        room = await room_of(database, moved)
        cancelled = await book(client, ada, second)
        await cancel(client, cancelled, ada)
        await reschedule(client, moved, ada, second)

        after_move = await book(client, bea, first)

        # Ada holds her room's link: the client who takes her old slot gets another room, and
        # the slot she cancelled in before moving into it holds no room of its own any more.
        assert await room_of(database, moved) == room
        assert await room_of(database, after_move) != room
