"""Reading slots: the public day view (`GET /api/schedules`) and the admin's list."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.builders import SEED_START, book
from tests.support.people import Person, add_clients
from tests.support.slots import add_slot

ADMIN_PATH = "/api/admin/schedules"
MALFORMED_DATES = ["2024-12-32", "12/15/2024", "2024-12-15T10:00:00Z", "20241215", "", "1734220800"]


async def day(client: httpx.AsyncClient, date: str) -> httpx.Response:
    return await client.get("/api/schedules", params={"date": date})


def starts(slots: list[dict[str, object]]) -> list[object]:
    return [slot["start_time"] for slot in slots]


class TestDayView:
    async def test_seed_curl(self, client: httpx.AsyncClient, database: Database) -> None:
        slot = await add_slot(database, SEED_START)

        response = await client.get("/api/schedules?date=2024-12-15")

        assert response.status_code == 200
        assert response.json() == {
            "date": "2024-12-15",
            "slots": [
                {
                    "id": slot,
                    "start_time": "2024-12-15T10:00:00Z",
                    "end_time": "2024-12-15T11:00:00Z",
                    "is_available": True,
                    "max_bookings": 1,
                    "booked_count": 0,
                    "remaining_slots": 1,
                    # Added by the practice of therapists and services.
                    "therapist_id": 1,
                    "therapist": "Cal Endar",
                    "services": [{"id": 1, "name": "Session"}],
                    "delivery": "video",
                    "location": None,
                }
            ],
        }

    async def test_the_day_s_open_slots_soonest_first(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await add_slot(database, SEED_START + timedelta(hours=13, minutes=30))
        await add_slot(database, SEED_START)
        await add_slot(database, SEED_START - timedelta(hours=10))
        await add_slot(database, SEED_START + timedelta(hours=3), available=False)
        await add_slot(database, SEED_START - timedelta(hours=11))
        await add_slot(database, SEED_START + timedelta(hours=14, minutes=30))

        response = await day(client, "2024-12-15")

        assert response.status_code == 200
        assert starts(response.json()["slots"]) == [
            "2024-12-15T00:00:00Z",
            "2024-12-15T10:00:00Z",
            "2024-12-15T23:30:00Z",
        ]

    async def test_a_full_slot_is_listed_but_not_available(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        slot = await add_slot(database, SEED_START, capacity=2)
        for person in await add_clients(database, settings, 2):
            await book(database, settings, person, slot)

        response = await day(client, "2024-12-15")

        listed = response.json()["slots"][0]
        assert (listed["is_available"], listed["booked_count"], listed["remaining_slots"]) == (
            False,
            2,
            0,
        )

    async def test_a_started_slot_is_not_available(
        self, client: httpx.AsyncClient, database: Database, clock: FrozenClock
    ) -> None:
        await add_slot(database, SEED_START)
        await add_slot(database, SEED_START + timedelta(hours=1))
        clock.at = SEED_START + timedelta(minutes=1)

        response = await day(client, "2024-12-15")

        assert [slot["is_available"] for slot in response.json()["slots"]] == [False, True]

    async def test_an_empty_day(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/schedules/", params={"date": "2024-12-25"})

        assert response.status_code == 200
        assert response.json() == {"date": "2024-12-25", "slots": []}

    async def test_missing_date(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/schedules")

        assert response.status_code == 400
        body = response.json()
        assert (body["error"], body["details"]) == ("Invalid request format", "Date is required")

    @pytest.mark.parametrize("date", MALFORMED_DATES)
    async def test_malformed_date(self, client: httpx.AsyncClient, date: str) -> None:
        response = await day(client, date)

        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "Invalid request format"
        assert body["details"] == "Date must be a date written YYYY-MM-DD"

    @pytest.mark.parametrize("date", ["2029-12-02", "2019-11-30", "9999-12-31", "0001-01-01"])
    async def test_more_than_five_years_away(self, client: httpx.AsyncClient, date: str) -> None:
        response = await day(client, date)

        assert response.status_code == 400
        assert response.json()["details"] == "Date must be within five years of today"


class TestAdminList:
    async def test_every_slot_of_the_days_closed_ones_included(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await add_slot(database, SEED_START + timedelta(days=1), available=False)
        await add_slot(database, SEED_START)
        await add_slot(database, SEED_START + timedelta(days=2))
        await add_slot(database, SEED_START - timedelta(days=1))

        response = await client.get(
            ADMIN_PATH, params={"from": "2024-12-15", "to": "2024-12-16"}, headers=admin.headers
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["from"], body["to"]) == ("2024-12-15", "2024-12-16")
        assert starts(body["schedules"]) == ["2024-12-15T10:00:00Z", "2024-12-16T10:00:00Z"]
        assert [slot["is_available"] for slot in body["schedules"]] == [True, False]
        assert set(body["schedules"][0]) >= {"created_at", "updated_at", "remaining_slots"}

    async def test_today_and_the_next_30_days_by_default(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await add_slot(database, SEED_START)
        await add_slot(database, SEED_START + timedelta(days=16, hours=13, minutes=30))
        await add_slot(database, SEED_START + timedelta(days=17))

        response = await client.get(ADMIN_PATH, headers=admin.headers)

        body = response.json()
        assert (body["from"], body["to"]) == ("2024-12-01", "2024-12-31")
        assert starts(body["schedules"]) == ["2024-12-15T10:00:00Z", "2024-12-31T23:30:00Z"]

    async def test_past_days(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await add_slot(database, SEED_START - timedelta(days=30))

        response = await client.get(
            ADMIN_PATH, params={"from": "2024-11-01", "to": "2024-11-30"}, headers=admin.headers
        )

        assert starts(response.json()["schedules"]) == ["2024-11-15T10:00:00Z"]

    async def test_a_range_of_366_days(self, client: httpx.AsyncClient, admin: Person) -> None:
        response = await client.get(
            ADMIN_PATH, params={"from": "2024-12-01", "to": "2025-12-01"}, headers=admin.headers
        )

        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("params", "details"),
        [
            ({"from": "2024-12-15", "to": "2024-12-14"}, "to must not be before from"),
            ({"from": "2024-12-01", "to": "2025-12-02"}, "The range spans at most 366 days"),
            ({"from": "2030-01-01"}, "From must be within five years of today"),
            ({"from": "2024-12-01", "to": "9999-01-01"}, "To must be within five years of today"),
            # The default `to` is 30 days after `from`: never computed from a date like this.
            ({"from": "9999-12-31"}, "From must be within five years of today"),
            ({"from": "0001-01-01"}, "From must be within five years of today"),
            ({"from": "0"}, "From must be a date written YYYY-MM-DD"),
            ({"from": "2024-12-15T00:00"}, "From must be a date written YYYY-MM-DD"),
            ({"to": "tomorrow"}, "To must be a date written YYYY-MM-DD"),
        ],
    )
    async def test_invalid_range(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        params: dict[str, str],
        details: str,
    ) -> None:
        response = await client.get(ADMIN_PATH, params=params, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["details"] == details

    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get(ADMIN_PATH)

        assert response.status_code == 401

    async def test_client(self, client: httpx.AsyncClient, member: Person) -> None:
        response = await client.get(ADMIN_PATH, headers=member.headers)

        assert response.status_code == 403
