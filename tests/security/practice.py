"""A small practice to attack: two clients, the therapist, and one of everything a client owns.

Ada (the owner) has a booking with an open payment intent and a scheduled appointment request;
Bob is another client; Theo is the therapist. `snapshot` reads every row of every table, so a
test can show that a refused request changed nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from attune.platform.database import Base, Database
from attune.platform.settings import Settings
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot

# A Monday. In the past, so access tokens (issued at the real time) are live at this time.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = "2026-03-03"
APPOINTMENT_AT = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
UNKNOWN_BOOKING = 999_999
UNKNOWN_REQUEST = "00000000-0000-4000-8000-000000000000"
UNKNOWN_INTENT = "pi_demo_unknown"

Snapshot = dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Practice:
    owner: Person
    other: Person
    admin: Person
    booking: int
    slot: int
    free_slot: int
    intent: str
    request: str


def appointment_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "client1@example.com",
        "phone": "+1234567890",
        "reason": "Trouble sleeping",
        "preferred_dates": [TUESDAY],
        "preferred_time_slots": ["afternoon"],
    }
    return {**body, **changes}


async def expect(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_practice(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> Practice:
    owner = await add_client(database, settings, 1)
    other = await add_client(database, settings, 2)
    admin = await add_admin(database, settings)
    slot = await add_slot(database, NOW + timedelta(days=3))
    free_slot = await add_slot(database, NOW + timedelta(days=4))
    booked = await expect(
        await client.post("/api/bookings", json={"schedule_id": slot}, headers=owner.headers), 201
    )
    booking_id: int = booked["booking"]["id"]
    intent = await expect(
        await client.post(
            "/api/payments/intent", json={"booking_id": booking_id}, headers=owner.headers
        ),
        201,
    )
    asked = await expect(
        await client.post(
            "/api/meetings/appointments/create", json=appointment_body(), headers=owner.headers
        ),
        201,
    )
    await expect(
        await client.post(
            f"/api/meetings/appointments/{asked['id']}/schedule",
            json={"scheduled_datetime": APPOINTMENT_AT.isoformat()},
            headers=admin.headers,
        ),
        200,
    )
    return Practice(
        owner=owner,
        other=other,
        admin=admin,
        booking=booking_id,
        slot=slot,
        free_slot=free_slot,
        intent=intent["payment_intent"],
        request=asked["id"],
    )


async def snapshot(database: Database) -> Snapshot:
    """Every row of every table, in a stable order."""
    rows: Snapshot = {}
    async with database.transaction(write=False) as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows[table.name] = sorted((tuple(row) for row in result), key=repr)
    return rows
