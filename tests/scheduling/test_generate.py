"""`POST /api/admin/schedules/generate`: weekly slots from a pattern, in the practice's zone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from attune.platform.database import Database
from tests.scheduling.builders import SEED_START
from tests.support.people import Person
from tests.support.slots import add_slot

PATH = "/api/admin/schedules/generate"


def pattern(**overrides: Any) -> dict[str, Any]:
    """Mondays and Wednesdays of the first week of December 2024, 09:00-12:00."""
    body: dict[str, Any] = {
        "weekdays": [0, 2],
        "start_time": "09:00",
        "end_time": "12:00",
        "session_minutes": 50,
        "break_minutes": 10,
        "start_date": "2024-12-02",
        "end_date": "2024-12-08",
        "max_bookings": 1,
        "is_available": True,
    }
    body.update(overrides)
    return body


async def generate(
    client: httpx.AsyncClient, admin: Person, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(PATH, json=body, headers=admin.headers)


def times(schedules: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(slot["start_time"], slot["end_time"]) for slot in schedules]


class TestGenerate:
    async def test_the_weekdays_times_of_each_week(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await generate(client, admin, pattern())

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Schedules generated successfully"
        assert times(body["created"]) == [
            ("2024-12-02T09:00:00Z", "2024-12-02T09:50:00Z"),
            ("2024-12-02T10:00:00Z", "2024-12-02T10:50:00Z"),
            ("2024-12-02T11:00:00Z", "2024-12-02T11:50:00Z"),
            ("2024-12-04T09:00:00Z", "2024-12-04T09:50:00Z"),
            ("2024-12-04T10:00:00Z", "2024-12-04T10:50:00Z"),
            ("2024-12-04T11:00:00Z", "2024-12-04T11:50:00Z"),
        ]
        assert (body["created_count"], body["skipped"], body["skipped_count"]) == (6, [], 0)
        listed = await client.get(
            "/api/admin/schedules", params={"from": "2024-12-02"}, headers=admin.headers
        )
        assert times(listed.json()["schedules"]) == times(body["created"])

    async def test_a_session_must_end_by_the_end_time(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = pattern(weekdays=[0], end_time="11:30", session_minutes=60, break_minutes=15)

        response = await generate(client, admin, body)

        assert times(response.json()["created"]) == [
            ("2024-12-02T09:00:00Z", "2024-12-02T10:00:00Z"),
            ("2024-12-02T10:15:00Z", "2024-12-02T11:15:00Z"),
        ]

    async def test_capacity_and_availability(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = pattern(weekdays=[4], max_bookings=5, is_available=False)

        response = await generate(client, admin, body)

        created = response.json()["created"]
        assert {(slot["max_bookings"], slot["is_available"]) for slot in created} == {(5, False)}
        assert {slot["start_time"][:10] for slot in created} == {"2024-12-06"}

    async def test_times_that_are_not_in_the_future_are_skipped(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = pattern(
            weekdays=[6],
            start_time="08:00",
            end_time="11:00",
            session_minutes=60,
            break_minutes=0,
            start_date="2024-12-01",
            end_date="2024-12-01",
        )

        response = await generate(client, admin, body)

        assert response.status_code == 201
        result = response.json()
        assert times(result["created"]) == [("2024-12-01T10:00:00Z", "2024-12-01T11:00:00Z")]
        assert result["skipped"] == [
            {
                "start_time": "2024-12-01T08:00:00Z",
                "local_time": "2024-12-01T08:00",
                "reason": "not in the future",
            },
            {
                "start_time": "2024-12-01T09:00:00Z",
                "local_time": "2024-12-01T09:00",
                "reason": "not in the future",
            },
        ]
        assert (result["created_count"], result["skipped_count"]) == (1, 2)

    async def test_times_overlapping_a_slot_are_skipped(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await add_slot(database, SEED_START - timedelta(days=13, minutes=-30))

        response = await generate(client, admin, pattern(weekdays=[0]))

        result = response.json()
        assert [slot["start_time"] for slot in result["created"]] == ["2024-12-02T09:00:00Z"]
        assert [(item["start_time"], item["reason"]) for item in result["skipped"]] == [
            ("2024-12-02T10:00:00Z", "overlaps an existing slot"),
            ("2024-12-02T11:00:00Z", "overlaps an existing slot"),
        ]

    async def test_running_it_again_creates_nothing_twice(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await generate(client, admin, pattern())

        again = await generate(client, admin, pattern(end_date="2024-12-15"))

        result = again.json()
        assert result["skipped_count"] == 6
        assert {item["reason"] for item in result["skipped"]} == {"overlaps an existing slot"}
        assert [slot["start_time"][:10] for slot in result["created"]] == ["2024-12-09"] * 3 + [
            "2024-12-11"
        ] * 3


class TestGenerateRefused:
    @pytest.mark.parametrize(
        ("overrides", "details"),
        [
            ({"weekdays": []}, "Weekdays must have at least 1 item"),
            ({"weekdays": [7]}, "Weekdays (item 1) must be at most 6"),
            ({"weekdays": [-1]}, "Weekdays (item 1) must be at least 0"),
            ({"weekdays": [1, 1]}, "Weekdays must not repeat a weekday"),
            ({"start_time": "9:00"}, "Start time must be a time of day written HH:MM"),
            ({"start_time": "09:00:00"}, "Start time must be a time of day written HH:MM"),
            ({"end_time": "24:00"}, "End time must be a time of day written HH:MM"),
            ({"end_time": "09:00"}, "end_time must be after start_time"),
            ({"end_time": "08:00"}, "end_time must be after start_time"),
            ({"session_minutes": 4}, "Session minutes must be at least"),
            ({"session_minutes": 481}, "Session minutes must be at most"),
            ({"break_minutes": -1}, "Break minutes must be at least"),
            ({"break_minutes": 241}, "Break minutes must be at most"),
            ({"start_date": "2024/12/02"}, "Start date must be a date written YYYY-MM-DD"),
            ({"end_date": "2024-12-01"}, "end_date must not be before start_date"),
            ({"end_date": "2025-12-03"}, "the dates span at most 366 days"),
            ({"start_date": "2024-11-30"}, "start_date must not be in the past"),
            (
                {"start_date": "2029-11-25", "end_date": "2029-12-05"},
                "end date must be within five years of today",
            ),
            ({"max_bookings": 0}, "Max bookings must be at least 1"),
        ],
    )
    async def test_invalid_pattern(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        overrides: dict[str, Any],
        details: str,
    ) -> None:
        response = await generate(client, admin, pattern(**overrides))

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert response.json()["details"].casefold().startswith(details.casefold())
        listed = await client.get("/api/admin/schedules", headers=admin.headers)
        assert listed.json()["schedules"] == []

    @pytest.mark.parametrize("field", ["weekdays", "start_time", "end_time", "start_date"])
    async def test_missing_field(
        self, client: httpx.AsyncClient, admin: Person, field: str
    ) -> None:
        body = pattern()
        del body[field]

        response = await generate(client, admin, body)

        assert response.status_code == 400
        label = field.replace("_", " ").capitalize()
        assert response.json()["fields"] == [{"field": field, "message": f"{label} is required"}]

    async def test_too_many_slots_for_one_request(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = pattern(
            weekdays=list(range(7)),
            start_time="00:00",
            end_time="23:55",
            session_minutes=5,
            break_minutes=0,
            start_date="2024-12-02",
            end_date="2024-12-09",
        )

        response = await generate(client, admin, body)

        assert response.status_code == 400
        assert response.json()["details"].startswith(
            "This would make 2296 slots; at most 2000 per request."
        )

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.post(PATH, json=pattern())

        assert response.status_code == 401

    async def test_client(self, client: httpx.AsyncClient, member: Person) -> None:
        response = await client.post(PATH, json=pattern(), headers=member.headers)

        assert response.status_code == 403
