"""`POST /api/admin/schedules`: the practice publishes a slot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from attune.platform.database import Database
from tests.scheduling.builders import NOW, SEED_START, iso, slot_body, stored_slot
from tests.support.people import Person

PATH = "/api/admin/schedules"


async def create(client: httpx.AsyncClient, admin: Person, body: dict[str, Any]) -> httpx.Response:
    return await client.post(PATH, json=body, headers=admin.headers)


class TestCreateSchedule:
    async def test_seed_body_creates_the_slot(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        response = await create(client, admin, slot_body())

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Schedule created successfully"
        schedule = body["schedule"]
        assert schedule == {
            "id": schedule["id"],
            "start_time": "2024-12-15T10:00:00Z",
            "end_time": "2024-12-15T11:00:00Z",
            "is_available": True,
            "max_bookings": 1,
            "booked_count": 0,
            "remaining_slots": 1,
            "created_at": iso(NOW),
            "updated_at": iso(NOW),
            # Added by the practice of therapists and services; the seed's fields are as before.
            "therapist_id": admin.id,
            "therapist": "Theo Lovelace",
            "services": [{"id": 1, "name": "Session"}],
            "delivery": "video",
            "location": None,
        }
        assert await stored_slot(database, schedule["id"]) is not None

    async def test_capacity_and_availability_default(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = {"start_time": "2024-12-15T10:00:00Z", "end_time": "2024-12-15T11:00:00Z"}

        response = await create(client, admin, body)

        assert response.status_code == 201
        schedule = response.json()["schedule"]
        assert (schedule["max_bookings"], schedule["is_available"]) == (1, True)

    async def test_a_group_slot_closed_for_now(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await create(client, admin, slot_body(max_bookings=6, is_available=False))

        assert response.status_code == 201
        schedule = response.json()["schedule"]
        assert (schedule["max_bookings"], schedule["remaining_slots"]) == (6, 6)
        assert schedule["is_available"] is False

    async def test_an_offset_is_stored_as_the_same_instant_in_utc(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = {"start_time": "2024-12-15T05:00:00-05:00", "end_time": "2024-12-15T12:30:00+01:30"}

        response = await create(client, admin, body)

        assert response.status_code == 201
        schedule = response.json()["schedule"]
        assert (schedule["start_time"], schedule["end_time"]) == (
            "2024-12-15T10:00:00Z",
            "2024-12-15T11:00:00Z",
        )

    async def test_a_slot_may_start_when_another_ends(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await create(client, admin, slot_body())

        after = await create(client, admin, slot_body(SEED_START + timedelta(hours=1)))
        before = await create(client, admin, slot_body(SEED_START - timedelta(hours=1)))

        assert (after.status_code, before.status_code) == (201, 201)


class TestCreateRefused:
    @pytest.mark.parametrize(
        ("overrides", "details"),
        [
            ({"start_time": "2024-12-15T10:00:00"}, "Start time must be an RFC 3339"),
            ({"end_time": "2024-12-15 11:00"}, "End time must be an RFC 3339"),
            ({"start_time": 1734256800}, "Start time must be an RFC 3339"),
            ({"start_time": "2024-02-30T10:00:00Z"}, "Start time must be an RFC 3339"),
            ({"end_time": "2024-12-15T10:00:00Z"}, "end_time must be after start_time"),
            ({"end_time": "2024-12-15T09:00:00Z"}, "end_time must be after start_time"),
            ({"end_time": "2024-12-15T22:01:00Z"}, "A slot lasts at most 12 hours"),
            ({"max_bookings": 0}, "Max bookings must be at least 1"),
            ({"max_bookings": 101}, "Max bookings must be at most 100"),
            ({"is_available": "perhaps"}, "Is available must be true or false"),
        ],
    )
    async def test_invalid_slot(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        overrides: dict[str, Any],
        details: str,
    ) -> None:
        response = await create(client, admin, slot_body(**overrides))

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert response.json()["details"].casefold().startswith(details.casefold())
        listed = await client.get(PATH, params={"from": "2024-12-15"}, headers=admin.headers)
        assert listed.json()["schedules"] == []

    @pytest.mark.parametrize("field", ["start_time", "end_time"])
    async def test_missing_time(self, client: httpx.AsyncClient, admin: Person, field: str) -> None:
        body = slot_body()
        del body[field]

        response = await create(client, admin, body)

        assert response.status_code == 400
        label = field.replace("_", " ").capitalize()
        assert response.json()["fields"] == [{"field": field, "message": f"{label} is required"}]

    @pytest.mark.parametrize("start", [NOW, NOW - timedelta(minutes=1)])
    async def test_start_not_in_the_future(
        self, client: httpx.AsyncClient, admin: Person, start: Any
    ) -> None:
        response = await create(client, admin, slot_body(start))

        assert response.status_code == 400
        assert response.json()["details"] == "start_time must be in the future"

    async def test_start_more_than_five_years_ahead(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await create(client, admin, slot_body(NOW + timedelta(days=5 * 366)))

        assert response.status_code == 400
        assert response.json()["details"].startswith("Start time must be within five years of now")

    async def test_year_out_of_range(self, client: httpx.AsyncClient, admin: Person) -> None:
        body = {"start_time": "9999-12-31T23:00:00-05:00", "end_time": "9999-12-31T23:30:00-05:00"}

        response = await create(client, admin, body)

        assert response.status_code == 400

    @pytest.mark.parametrize(
        ("start", "minutes"),
        [
            (SEED_START, 60),
            (SEED_START + timedelta(minutes=30), 60),
            (SEED_START - timedelta(minutes=30), 60),
            (SEED_START + timedelta(minutes=15), 15),
            (SEED_START - timedelta(hours=1), 180),
        ],
    )
    async def test_overlapping_another_slot(
        self, client: httpx.AsyncClient, admin: Person, start: Any, minutes: int
    ) -> None:
        first = await create(client, admin, slot_body())

        response = await create(client, admin, slot_body(start, minutes))

        assert response.status_code == 409
        assert response.json() == {
            "error": "The slot overlaps another slot",
            "details": f"It overlaps slot {first.json()['schedule']['id']}.",
        }

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.post(PATH, json=slot_body())

        assert response.status_code == 401
        assert response.json() == {
            "error": "User not authenticated",
            "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
        }

    async def test_client(self, client: httpx.AsyncClient, member: Person) -> None:
        response = await client.post(PATH, json=slot_body(), headers=member.headers)

        assert response.status_code == 403
        assert response.json() == {
            "error": "Admin access required",
            "details": "Only the practice's admins may do this.",
        }
