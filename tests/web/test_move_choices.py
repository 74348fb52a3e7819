"""Where a booking can be moved: the client's Reschedule page and the back office's Move list
only slots that offer the booking's service (the back office: on the calendars the member
keeps), over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.practice_builders import add_service, add_therapist
from tests.support.page_client import sign_in_over_http
from tests.support.people import add_admin, add_client
from tests.support.slots import add_slot


def choice(slot_id: int) -> str:
    return f'name="new_schedule_id" value="{slot_id}"'


def option(slot_id: int) -> str:
    return f'<option value="{slot_id}"'


async def test_the_client_is_offered_only_slots_of_the_booked_service(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    owner = await add_admin(database, settings)
    couples = await add_service(database, "Couples", [owner.id])
    ada = await add_client(database, settings)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    booked_slot = await add_slot(database, start, service_ids=[1])
    same_service = await add_slot(database, start + timedelta(days=1), service_ids=[1])
    other_service = await add_slot(database, start + timedelta(days=2), service_ids=[couples])
    booked = await client.post(
        "/api/bookings", json={"schedule_id": booked_slot}, headers=ada.headers
    )
    booking_id = booked.json()["booking"]["id"]
    await sign_in_over_http(client, ada.email)

    page = await client.get(f"/bookings/{booking_id}/reschedule")

    assert page.status_code == 200
    assert choice(same_service) in page.text
    assert choice(other_service) not in page.text


async def test_a_therapist_is_offered_only_their_own_slots(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    await add_admin(database, settings)
    ida = await add_therapist(database, settings, "Ida")
    max_ = await add_therapist(database, settings, "Max")
    ada = await add_client(database, settings)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    booked_slot = await add_slot(database, start, therapist_id=ida.id, service_ids=[1])
    own = await add_slot(database, start + timedelta(days=1), therapist_id=ida.id, service_ids=[1])
    others = await add_slot(
        database, start + timedelta(days=1), therapist_id=max_.id, service_ids=[1]
    )
    booked = await client.post(
        "/api/bookings", json={"schedule_id": booked_slot}, headers=ada.headers
    )
    booking_id = booked.json()["booking"]["id"]
    await sign_in_over_http(client, ida.email)

    page = await client.get(f"/admin/bookings/{booking_id}")

    assert page.status_code == 200
    assert option(own) in page.text
    assert option(others) not in page.text
