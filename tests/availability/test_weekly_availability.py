"""The practice's weekly availability: `/api/meetings/admin/availability/` (seed 003)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from attune.models import WeeklyAvailability
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.people import Person, add_person

PATH = "/api/meetings/admin/availability"
WEEKDAYS = {
    "available_days": [0, 1, 2, 3, 4],
    "available_days_display": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
}
INVALID_BODIES: list[Any] = [
    {"available_days": [0, 0]},
    {"available_days": [1, 3, 1]},
    {"available_days": [7]},
    {"available_days": [-1]},
    {"available_days": ["1"]},
    {"available_days": [1.5]},
    {"available_days": [True]},
    {"available_days": "0,1,2"},
    {"available_days": 3},
    {"available_days": None},
    {"available_days": [0, 1, 2, 3, 4, 5, 6, 0]},
    [0, 1, 2],
]


async def availability(client: httpx.AsyncClient, admin: Person) -> dict[str, Any]:
    response = await client.get(PATH, headers=admin.headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def stored_rows(database: Database) -> list[list[int]]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(select(WeeklyAvailability))
        return [row.available_days for row in rows]


class TestRead:
    @pytest.mark.parametrize("path", [PATH, PATH + "/"])
    async def test_monday_to_friday_until_an_admin_sets_days(
        self, client: httpx.AsyncClient, admin: Person, path: str
    ) -> None:
        response = await client.get(path, headers=admin.headers)

        assert response.status_code == 200
        assert response.json() == WEEKDAYS

    async def test_a_client_is_refused(self, client: httpx.AsyncClient, member: Person) -> None:
        response = await client.get(PATH, headers=member.headers)

        assert response.status_code == 403
        assert response.json() == {
            "error": "Admin access required",
            "details": "Only the practice's admins may do this.",
        }

    async def test_anonymous_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get(PATH + "/")

        assert response.status_code == 401
        assert response.json()["error"] == "User not authenticated"


class TestPut:
    async def test_seed_example(self, client: httpx.AsyncClient, admin: Person) -> None:
        response = await client.put(
            PATH + "/", json={"available_days": [0, 1, 2, 3, 4]}, headers=admin.headers
        )

        assert response.status_code == 200
        assert response.json() == WEEKDAYS

    async def test_days_are_stored_in_order_and_named(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.put(PATH, json={"available_days": [6, 2, 0]}, headers=admin.headers)

        expected = {
            "available_days": [0, 2, 6],
            "available_days_display": ["Monday", "Wednesday", "Sunday"],
        }
        assert response.json() == expected
        assert await availability(client, admin) == expected

    async def test_a_second_put_replaces_the_days(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await client.put(PATH, json={"available_days": [0, 1]}, headers=admin.headers)

        response = await client.put(PATH, json={"available_days": [5]}, headers=admin.headers)

        assert response.json() == {"available_days": [5], "available_days_display": ["Saturday"]}
        assert await stored_rows(database) == [[5]]

    async def test_an_empty_list_takes_no_requests(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.put(PATH, json={"available_days": []}, headers=admin.headers)

        assert response.json() == {"available_days": [], "available_days_display": []}
        dates = await client.get("/api/meetings/appointments/available-dates/")
        assert dates.json() == []

    async def test_days_are_required(self, client: httpx.AsyncClient, admin: Person) -> None:
        response = await client.put(PATH, json={}, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["details"] == "Available days is required"

    @pytest.mark.parametrize("body", INVALID_BODIES)
    async def test_an_invalid_list_is_refused_and_changes_nothing(
        self, client: httpx.AsyncClient, admin: Person, database: Database, body: Any
    ) -> None:
        response = await client.put(PATH, json=body, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert await availability(client, admin) == WEEKDAYS
        assert await stored_rows(database) == []

    async def test_a_repeated_day_is_explained(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.put(PATH, json={"available_days": [2, 2]}, headers=admin.headers)

        assert response.json()["details"] == "Available days must not repeat a weekday"

    async def test_a_client_cannot_set_days(
        self, client: httpx.AsyncClient, admin: Person, member: Person, database: Database
    ) -> None:
        response = await client.put(PATH, json={"available_days": [6]}, headers=member.headers)

        assert response.status_code == 403
        assert await stored_rows(database) == []

    async def test_anonymous_cannot_set_days(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.put(PATH, json={"available_days": [6]})

        assert response.status_code == 401
        assert await stored_rows(database) == []


class TestPatch:
    async def test_changes_the_days(self, client: httpx.AsyncClient, admin: Person) -> None:
        response = await client.patch(
            PATH + "/", json={"available_days": [1, 3]}, headers=admin.headers
        )

        expected = {"available_days": [1, 3], "available_days_display": ["Tuesday", "Thursday"]}
        assert response.status_code == 200
        assert response.json() == expected
        assert await availability(client, admin) == expected

    async def test_without_days_changes_nothing(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await client.put(PATH, json={"available_days": [4]}, headers=admin.headers)

        response = await client.patch(PATH, json={}, headers=admin.headers)

        assert response.status_code == 200
        assert response.json() == {"available_days": [4], "available_days_display": ["Friday"]}
        assert await stored_rows(database) == [[4]]

    @pytest.mark.parametrize("body", INVALID_BODIES)
    async def test_an_invalid_list_is_refused_and_changes_nothing(
        self, client: httpx.AsyncClient, admin: Person, body: Any
    ) -> None:
        await client.put(PATH, json={"available_days": [2]}, headers=admin.headers)

        response = await client.patch(PATH, json=body, headers=admin.headers)

        assert response.status_code == 400
        assert (await availability(client, admin))["available_days"] == [2]

    async def test_a_client_cannot_change_days(
        self, client: httpx.AsyncClient, member: Person, database: Database
    ) -> None:
        response = await client.patch(PATH, json={"available_days": [6]}, headers=member.headers)

        assert response.status_code == 403
        assert await stored_rows(database) == []

    async def test_anonymous_cannot_change_days(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.patch(PATH, json={"available_days": [6]})

        assert response.status_code == 401
        assert await stored_rows(database) == []


class TestConcurrentWrites:
    async def test_admins_saving_at_once_leave_one_row(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        other = await add_person(
            database, settings, email="associate@example.com", first_name="Ida", admin=True
        )
        weeks = [[day] for day in range(7)] + [[0, 1, 2], [3, 4, 5, 6], []]

        responses = await asyncio.gather(
            *(
                client.put(
                    PATH,
                    json={"available_days": days},
                    headers=(admin if number % 2 else other).headers,
                )
                for number, days in enumerate(weeks)
            )
        )

        assert [response.status_code for response in responses] == [200] * len(weeks)
        rows = await stored_rows(database)
        assert len(rows) == 1
        assert rows[0] in weeks
        assert (await availability(client, admin))["available_days"] == rows[0]
