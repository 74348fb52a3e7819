"""A practice in the middle of a week, for tests that look at whole pages (the tour, the
screenshots): a therapist, clients with names a person would have, this week's and next week's
slots, paid and unpaid bookings, appointment requests waiting. Made through the JSON API of the
served app wherever the API can make it, so the data is what a practice would have."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.people import Person, add_admin, add_person
from tests.support.slots import add_slot

CLIENTS = (
    ("maya.okafor@example.com", "Maya", "Okafor"),
    ("liam.brennan@example.com", "Liam", "Brennan"),
    ("sofia.marquez@example.com", "Sofía", "Márquez"),
    ("noah.fischer@example.com", "Noah", "Fischer"),
)
REQUESTERS = (
    ("Priya", "Natarajan", "priya@example.com", "Anxiety at work, would prefer mornings"),
    ("Tom", "Whitfield", "tom@example.com", "Grief after losing my father in the spring"),
)


@dataclass(frozen=True)
class PracticeWeek:
    therapist: Person
    clients: list[Person]
    bookings: list[int]
    free_slots: list[int]
    requests: list[str]


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, f"{response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


async def practice_week(
    http: httpx.AsyncClient, database: Database, settings: Settings
) -> PracticeWeek:
    """Fill the served practice behind `http` (its base URL set) with a week of work."""
    zone = ZoneInfo(settings.practice_timezone)
    therapist = await add_admin(database, settings)
    clients = [
        await add_person(
            database, settings, email=email, first_name=first_name, last_name=last_name
        )
        for email, first_name, last_name in CLIENTS
    ]
    now = datetime.now(UTC)
    today = now.astimezone(zone).date()
    slot_ids: list[int] = []
    for day_offset in range(0, 9):
        day = today + timedelta(days=day_offset)
        if day.weekday() >= 5:
            continue
        for hour in (9, 11, 14, 16):
            start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
            if start <= now + timedelta(hours=1):
                continue
            slot_ids.append(await add_slot(database, start, minutes=50, capacity=1))
    bookings = []
    for index, client in enumerate(clients):
        booked = await _ok(
            await http.post(
                "/api/bookings",
                json={"schedule_id": slot_ids[index * 2], "notes": "First session"},
                headers=client.headers,
            )
        )
        booking_id: int = booked["booking"]["id"]
        bookings.append(booking_id)
        if index % 2 == 0:
            intent = await _ok(
                await http.post(
                    "/api/payments/intent", json={"booking_id": booking_id}, headers=client.headers
                )
            )
            await _ok(
                await http.post(
                    "/api/payments/confirm",
                    json={"payment_intent_id": intent["payment_intent"]},
                    headers=client.headers,
                )
            )
    await _ok(
        await http.put(
            "/api/meetings/admin/availability",
            json={"available_days": [0, 1, 2, 3, 4]},
            headers=therapist.headers,
        )
    )
    answered = await http.get("/api/meetings/appointments/available-dates")
    assert answered.status_code == 200, answered.text
    dates: list[str] = answered.json()
    requests = []
    for first_name, last_name, email, reason in REQUESTERS:
        asked = await _ok(
            await http.post(
                "/api/meetings/appointments/create",
                json={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": email,
                    "phone": "+44 20 7946 0000",
                    "reason": reason,
                    "preferred_dates": dates[:2],
                    "preferred_time_slots": ["morning", "afternoon"],
                },
            )
        )
        requests.append(str(asked["id"]))
    taken = {slot_ids[index * 2] for index in range(len(clients))}
    return PracticeWeek(
        therapist=therapist,
        clients=clients,
        bookings=bookings,
        free_slots=[slot for slot in slot_ids if slot not in taken],
        requests=requests,
    )
