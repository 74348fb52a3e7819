"""Moving a booking to another therapist's slot hands the session to that therapist: the
booking follows its new slot's therapist and place, the slot must offer the booking's service,
and a therapist moves sessions only within their own calendar."""

from __future__ import annotations

import httpx
import pytest

from attune.models import Schedule
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, later, reschedule, seats_taken, stored_booking
from tests.scheduling.practice_builders import add_service, add_therapist
from tests.support.people import add_admin, add_client
from tests.support.slots import add_slot, assert_seats_match_bookings


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def listed(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    answer = await client.get("/api/admin/bookings", headers=headers)
    assert answer.status_code == 200, answer.text
    return [booking["id"] for booking in answer.json()["bookings"]]


class TestMoveToAnotherTherapist:
    async def test_the_owner_hands_a_session_to_another_therapist(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        ida = await add_therapist(database, settings, "Ida")
        ada = await add_client(database, settings)
        own_slot = await add_slot(database, later(days=3), therapist_id=owner.id)
        idas_slot = await add_slot(database, later(days=3), therapist_id=ida.id, service_ids=[1])
        booking = await book(client, ada, own_slot)

        moved = await reschedule(client, owner, booking["id"], idas_slot)

        assert moved.status_code == 200, moved.text
        stored = await stored_booking(database, booking["id"])
        assert stored.therapist_id == ida.id
        assert booking["id"] in await listed(client, ida.headers)
        assert await seats_taken(database, own_slot) == 0
        await assert_seats_match_bookings(database)

    async def test_the_new_place_comes_with_the_new_slot(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        both = await add_service(database, "Talk", [owner.id], delivery="both")
        ada = await add_client(database, settings)
        by_video = await add_slot(database, later(days=3), service_ids=[both])
        in_room = await add_slot(database, later(days=4), service_ids=[both])
        async with database.transaction() as session:
            slot = await session.get(Schedule, in_room)
            assert slot is not None
            slot.delivery, slot.location = "in_person", "Room 2"
        booking = await book(client, ada, by_video)

        moved = await reschedule(client, ada, booking["id"], in_room)

        assert moved.status_code == 200, moved.text
        stored = await stored_booking(database, booking["id"])
        assert (stored.delivery, stored.location) == ("in_person", "Room 2")

    async def test_a_slot_without_the_booking_s_service_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        couples = await add_service(database, "Couples", [owner.id])
        ada = await add_client(database, settings)
        session_slot = await add_slot(database, later(days=3), service_ids=[1])
        couples_slot = await add_slot(database, later(days=4), service_ids=[couples])
        booking = await book(client, ada, session_slot)

        moved = await reschedule(client, ada, booking["id"], couples_slot)

        assert moved.status_code == 400, moved.text
        assert moved.json()["error"] == "This slot does not offer that service"
        assert (await stored_booking(database, booking["id"])).schedule_id == session_slot

    async def test_a_therapist_moves_sessions_only_within_their_own_calendar(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await add_admin(database, settings)
        ida = await add_therapist(database, settings, "Ida")
        max_ = await add_therapist(database, settings, "Max")
        ada = await add_client(database, settings)
        idas = await add_slot(database, later(days=3), therapist_id=ida.id, service_ids=[1])
        idas_later = await add_slot(database, later(days=5), therapist_id=ida.id, service_ids=[1])
        maxs = await add_slot(database, later(days=4), therapist_id=max_.id, service_ids=[1])
        booking = await book(client, ada, idas)

        to_max = await reschedule(client, ida, booking["id"], maxs)
        within = await reschedule(client, ida, booking["id"], idas_later)

        assert to_max.status_code == 403, to_max.text
        assert within.status_code == 200, within.text
        assert (await stored_booking(database, booking["id"])).therapist_id == ida.id
