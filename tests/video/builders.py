"""Bookings for the video tests, made and changed through the booking endpoints at the app's
(frozen) time, and paid as the payments integration records it."""

from __future__ import annotations

from typing import Any

import httpx

from attune.platform.database import Database
from tests.support.payments import record_paid
from tests.support.people import Person


async def book(client: httpx.AsyncClient, person: Person, slot_id: int) -> int:
    response = await client.post(
        "/api/bookings", json={"schedule_id": slot_id}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    booking_id: int = response.json()["booking"]["id"]
    return booking_id


async def mark_paid(database: Database, booking_id: int) -> None:
    await record_paid(database, booking_id)


async def cancel(client: httpx.AsyncClient, booking_id: int, person: Person) -> None:
    response = await client.put(f"/api/bookings/{booking_id}/cancel", headers=person.headers)
    assert response.status_code == 200, response.text


async def reschedule(
    client: httpx.AsyncClient, booking_id: int, person: Person, slot_id: int
) -> None:
    response = await client.put(
        f"/api/bookings/{booking_id}/reschedule",
        json={"new_schedule_id": slot_id},
        headers=person.headers,
    )
    assert response.status_code == 200, response.text


async def record_outcome(
    client: httpx.AsyncClient, booking_id: int, admin: Person, outcome: str
) -> None:
    response = await client.put(
        f"/api/admin/bookings/{booking_id}/status", json={"status": outcome}, headers=admin.headers
    )
    assert response.status_code == 200, response.text


async def meeting(client: httpx.AsyncClient, booking_id: int, person: Person) -> dict[str, Any]:
    response = await client.get(f"/api/bookings/{booking_id}/meeting", headers=person.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
