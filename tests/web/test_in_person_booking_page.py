"""A client's page of a booking held in person says where it is held, offers no video room,
and lets an unpaid one be paid, as a video booking's page does; over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from attune.models import Delivery, Schedule
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.practice_builders import set_terms
from tests.support.page_client import sign_in_over_http
from tests.support.people import add_admin, add_client
from tests.support.slots import add_slot


async def booked_in_a_room(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> tuple[int, str]:
    await add_admin(database, settings)
    ada = await add_client(database, settings)
    await set_terms(database, 1, delivery=Delivery.both)
    slot_id = await add_slot(database, datetime.now(UTC) + timedelta(days=3))
    async with database.transaction() as session:
        slot = await session.get(Schedule, slot_id)
        assert slot is not None
        slot.delivery, slot.location = "in_person", "Room 2, 12 High Street"
    booked = await client.post("/api/bookings", json={"schedule_id": slot_id}, headers=ada.headers)
    assert booked.status_code == 201, booked.text
    return booked.json()["booking"]["id"], ada.email


async def test_says_where_and_offers_no_video_room(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    booking_id, email = await booked_in_a_room(client, database, settings)
    await sign_in_over_http(client, email)

    page = await client.get(f"/bookings/{booking_id}")

    assert page.status_code == 200
    assert "Room 2, 12 High Street" in page.text
    assert "Video session" not in page.text
    assert "Join session" not in page.text


async def test_an_unpaid_one_can_be_paid(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    booking_id, email = await booked_in_a_room(client, database, settings)
    await sign_in_over_http(client, email)

    page = await client.get(f"/bookings/{booking_id}")

    assert f'action="/bookings/{booking_id}/pay"' in page.text
