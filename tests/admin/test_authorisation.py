"""Every admin route: anonymous 401, a client 403 (changing nothing), an admin 200."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from attune.models import BookingStatus
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book, booking_row
from tests.support.people import Person, add_admin, add_clients
from tests.support.slots import add_slot

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@dataclass(frozen=True)
class Practice:
    admin: Person
    client: Person
    other: Person
    upcoming: int
    started: int
    free_slot: int


@pytest.fixture
async def practice(database: Database, settings: Settings) -> Practice:
    admin = await add_admin(database, settings)
    client, other = await add_clients(database, settings, 2)
    return Practice(
        admin=admin,
        client=client,
        other=other,
        upcoming=await book(database, settings, client, NOW + timedelta(days=1)),
        started=await book(database, settings, client, NOW - timedelta(minutes=30)),
        free_slot=await add_slot(database, NOW + timedelta(days=2)),
    )


def routes(practice: Practice) -> dict[str, tuple[str, str, Any]]:
    return {
        "dashboard": ("GET", "/api/admin/dashboard", None),
        "users": ("GET", "/api/admin/users", None),
        "user": ("GET", f"/api/admin/users/{practice.other.id}", None),
        "update_user": ("PUT", f"/api/admin/users/{practice.other.id}", {"is_admin": True}),
        "bookings": ("GET", "/api/admin/bookings", None),
        "booking": ("GET", f"/api/admin/bookings/{practice.upcoming}", None),
        "cancel": ("PUT", f"/api/admin/bookings/{practice.upcoming}/cancel", None),
        "reschedule": (
            "PUT",
            f"/api/admin/bookings/{practice.upcoming}/reschedule",
            {"new_schedule_id": practice.free_slot},
        ),
        "status": (
            "PUT",
            f"/api/admin/bookings/{practice.started}/status",
            {"status": "completed"},
        ),
    }


ROUTE_NAMES = [
    "dashboard",
    "users",
    "user",
    "update_user",
    "bookings",
    "booking",
    "cancel",
    "reschedule",
    "status",
]


async def call(
    client: httpx.AsyncClient, practice: Practice, route: str, person: Person | None
) -> httpx.Response:
    method, path, body = routes(practice)[route]
    headers = person.headers if person else {}
    return await client.request(method, path, json=body, headers=headers)


async def nothing_changed(
    client: httpx.AsyncClient, database: Database, practice: Practice
) -> None:
    assert (await booking_row(database, practice.upcoming)).status == BookingStatus.scheduled
    assert (await booking_row(database, practice.started)).status == BookingStatus.scheduled
    other = await client.get(
        f"/api/admin/users/{practice.other.id}", headers=practice.admin.headers
    )
    assert other.json()["user"]["is_admin"] is False


@pytest.mark.parametrize("route", ROUTE_NAMES)
class TestEveryRoute:
    async def test_anonymous_is_401(
        self,
        client: httpx.AsyncClient,
        database: Database,
        practice: Practice,
        route: str,
    ) -> None:
        response = await call(client, practice, route, None)

        assert response.status_code == 401
        assert response.json() == {
            "error": "User not authenticated",
            "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
        }
        await nothing_changed(client, database, practice)

    async def test_a_client_is_403(
        self,
        client: httpx.AsyncClient,
        database: Database,
        practice: Practice,
        route: str,
    ) -> None:
        response = await call(client, practice, route, practice.client)

        assert response.status_code == 403
        assert response.json() == {
            "error": "Admin access required",
            "details": "Only the practice's admins may do this.",
        }
        await nothing_changed(client, database, practice)

    async def test_an_admin_is_served(
        self, client: httpx.AsyncClient, practice: Practice, route: str
    ) -> None:
        response = await call(client, practice, route, practice.admin)

        assert response.status_code == 200, response.text

    async def test_with_a_trailing_slash(
        self, client: httpx.AsyncClient, practice: Practice, route: str
    ) -> None:
        method, path, body = routes(practice)[route]

        response = await client.request(
            method, path + "/", json=body, headers=practice.admin.headers
        )

        assert response.status_code == 200, response.text
