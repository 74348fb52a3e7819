"""Appointment requests made through HTTP, on a frozen day (Monday 3 March 2025, UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.support.people import Person

# In the past: access tokens are issued at the real time and stay valid for any frozen time
# before they expire.
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
TODAY = date(2025, 3, 3)
TUESDAY = date(2025, 3, 4)
WEDNESDAY = date(2025, 3, 5)
SATURDAY = date(2025, 3, 8)
LAST_DATE = TODAY + timedelta(days=29)
STARTS_AT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
ENDS_AT = STARTS_AT + timedelta(hours=1)
ROOM_URL_PREFIX = "https://meet.jit.si/attune-"


def request_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "John",
        "last_name": "Doe",
        "email": "john@example.com",
        "phone": "+1234567890",
        "reason": "Initial consultation for anxiety",
        "preferred_dates": [TUESDAY.isoformat(), WEDNESDAY.isoformat()],
        "preferred_time_slots": ["morning", "afternoon"],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def headers_of(person: Person | None) -> dict[str, str]:
    return person.headers if person is not None else {}


async def ask(
    client: httpx.AsyncClient, person: Person | None = None, **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/meetings/appointments/create",
        json=request_body(**changes),
        headers=headers_of(person),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def schedule(
    client: httpx.AsyncClient,
    admin: Person,
    request_id: str,
    starts_at: datetime = STARTS_AT,
    minutes: int | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"scheduled_datetime": starts_at.isoformat()}
    if minutes is not None:
        body["scheduled_duration"] = minutes
    return await client.post(
        f"/api/meetings/appointments/{request_id}/schedule", json=body, headers=admin.headers
    )


async def scheduled(
    client: httpx.AsyncClient,
    admin: Person,
    person: Person | None = None,
    starts_at: datetime = STARTS_AT,
    **changes: Any,
) -> dict[str, Any]:
    """A request asked for and scheduled at `starts_at` for an hour."""
    asked = await ask(client, person, **changes)
    response = await schedule(client, admin, asked["id"], starts_at)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def meeting(client: httpx.AsyncClient, request_id: str, person: Person) -> dict[str, Any]:
    response = await client.get(
        f"/api/meetings/appointments/{request_id}/jitsi-meeting", headers=person.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
