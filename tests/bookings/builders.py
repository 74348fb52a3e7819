"""Small builders for booking tests: a frozen 'now', bookings made through HTTP, rows read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from attune.models import Booking, Schedule
from attune.platform.database import Database
from attune.platform.job_model import Job
from tests.support.people import Person

# A fixed instant for tests of time rules. It lies before the moment tokens are issued, so a
# token (checked only for expiry, against this clock) stays valid whatever the test moves to.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SLOT_TAKEN = "The selected time slot is no longer available"
SLOT_TAKEN_BODY = {
    "error": SLOT_TAKEN,
    "details": "Choose another slot: GET /api/schedules?date=YYYY-MM-DD lists the free ones.",
}


def later(hours: float = 0, *, days: float = 0, minutes: float = 0) -> datetime:
    return NOW + timedelta(days=days, hours=hours, minutes=minutes)


async def book(
    client: httpx.AsyncClient, person: Person, schedule_id: int, **fields: Any
) -> dict[str, Any]:
    """Book through the API, expecting success; returns the booking as the API shows it."""
    response = await client.post(
        "/api/bookings", json={"schedule_id": schedule_id, **fields}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()["booking"]
    return booking


async def cancel(
    client: httpx.AsyncClient, person: Person, booking_id: int, **body: Any
) -> httpx.Response:
    return await client.put(
        f"/api/bookings/{booking_id}/cancel", json=body or None, headers=person.headers
    )


async def reschedule(
    client: httpx.AsyncClient, person: Person, booking_id: int, new_schedule_id: int
) -> httpx.Response:
    return await client.put(
        f"/api/bookings/{booking_id}/reschedule",
        json={"new_schedule_id": new_schedule_id},
        headers=person.headers,
    )


async def stored_booking(database: Database, booking_id: int) -> Booking:
    async with database.transaction(write=False) as session:
        booking = await session.get(Booking, booking_id)
    assert booking is not None
    return booking


async def seats_taken(database: Database, schedule_id: int) -> int:
    async with database.transaction(write=False) as session:
        slot = await session.get(Schedule, schedule_id)
    assert slot is not None
    return slot.booked_count


async def jobs_of_kind(database: Database, kind: str) -> list[Job]:
    async with database.transaction(write=False) as session:
        return list(await session.scalars(select(Job).where(Job.kind == kind)))
