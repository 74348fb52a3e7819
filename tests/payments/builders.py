"""Small builders for payment tests: a booking to pay, intents and confirms through HTTP."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from attune.models import Payment
from attune.platform.database import Database
from tests.bookings.builders import book, later
from tests.support.people import Person
from tests.support.slots import add_slot

RECEIPT = "Receipt:"


async def booked(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    """A 60-minute booking three days ahead, at the practice's price; returns its id."""
    slot = await add_slot(database, later(days=3))
    booking = await book(client, person, slot)
    booking_id: int = booking["id"]
    return booking_id


async def create_intent(
    client: httpx.AsyncClient, person: Person | None, booking_id: int, **fields: Any
) -> httpx.Response:
    return await client.post(
        "/api/payments/intent",
        json={"booking_id": booking_id, **fields},
        headers=person.headers if person else None,
    )


async def open_intent(client: httpx.AsyncClient, person: Person, booking_id: int) -> str:
    """Create (or fetch) the booking's intent, expecting success; returns its id."""
    response = await create_intent(client, person, booking_id)
    assert response.status_code == 201, response.text
    intent_id: str = response.json()["payment_intent"]
    return intent_id


async def confirm(client: httpx.AsyncClient, person: Person, intent_id: str) -> httpx.Response:
    return await client.post(
        "/api/payments/confirm", json={"payment_intent_id": intent_id}, headers=person.headers
    )


async def booking_as_shown(
    client: httpx.AsyncClient, person: Person, booking_id: int
) -> dict[str, Any]:
    response = await client.get(f"/api/bookings/{booking_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    booking: dict[str, Any] = response.json()["booking"]
    return booking


async def payments_of(database: Database, booking_id: int) -> list[Payment]:
    async with database.transaction(write=False) as session:
        return list(
            await session.scalars(
                select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id)
            )
        )
