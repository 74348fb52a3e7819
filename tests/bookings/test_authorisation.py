"""Who may do what with a booking: the owner, another client, an admin, and nobody signed in.

Another client is answered exactly as for a booking that does not exist (404), so the answer
tells nothing about other people's bookings, and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import (
    NOW,
    book,
    cancel,
    later,
    reschedule,
    seats_taken,
    stored_booking,
)
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot, assert_seats_match_bookings

NOT_FOUND = {
    "error": "Booking not found",
    "details": "No booking with this id is visible to you.",
}
NOT_AUTHENTICATED = {
    "error": "User not authenticated",
    "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
}
ANONYMOUS: dict[str, str] = {}
FORGED = {"Authorization": "Bearer not-a-token"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@dataclass(frozen=True)
class Scene:
    owner: Person
    other: Person
    admin: Person
    booking_id: int
    slot: int
    free_slot: int


async def scene(client: httpx.AsyncClient, database: Database, settings: Settings) -> Scene:
    """Ada's booking three days ahead, Bob (another client), Theo (the therapist)."""
    owner = await add_client(database, settings, 1)
    other = await add_client(database, settings, 2)
    admin = await add_admin(database, settings)
    slot = await add_slot(database, later(days=3))
    free_slot = await add_slot(database, later(days=4))
    booking = await book(client, owner, slot)
    return Scene(owner, other, admin, booking["id"], slot, free_slot)


async def assert_untouched(database: Database, at: Scene) -> None:
    booking = await stored_booking(database, at.booking_id)
    assert (booking.status, booking.schedule_id) == ("scheduled", at.slot)
    assert (await seats_taken(database, at.slot), await seats_taken(database, at.free_slot)) == (
        1,
        0,
    )
    await assert_seats_match_bookings(database)


class TestCreate:
    async def test_a_client_books_for_themselves(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        booking = await book(client, at.other, at.free_slot)

        assert booking["user_id"] == at.other.id

    async def test_an_admin_may_book_too(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        booking = await book(client, at.admin, at.free_slot)

        assert booking["user_id"] == at.admin.id

    async def test_a_user_id_in_the_body_is_ignored(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        booking = await book(client, at.other, at.free_slot, user_id=at.owner.id)

        assert booking["user_id"] == at.other.id

    @pytest.mark.parametrize("headers", [ANONYMOUS, FORGED], ids=["anonymous", "forged"])
    async def test_nobody_signed_in(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        headers: dict[str, str],
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.post(
            "/api/bookings", json={"schedule_id": at.free_slot}, headers=headers
        )

        assert response.status_code == 401
        assert response.json() == NOT_AUTHENTICATED
        await assert_untouched(database, at)


class TestList:
    async def test_the_owner_sees_the_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.get("/api/bookings", headers=at.owner.headers)

        assert [b["id"] for b in response.json()["bookings"]] == [at.booking_id]

    async def test_another_client_does_not(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.get("/api/bookings", headers=at.other.headers)

        assert response.json() == {"bookings": []}

    async def test_an_admin_sees_only_their_own_here(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        """Every client's bookings are the admin list's job (`GET /api/admin/bookings`)."""
        at = await scene(client, database, settings)

        response = await client.get("/api/bookings", headers=at.admin.headers)

        assert response.json() == {"bookings": []}

    @pytest.mark.parametrize("headers", [ANONYMOUS, FORGED], ids=["anonymous", "forged"])
    async def test_nobody_signed_in(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        headers: dict[str, str],
    ) -> None:
        await scene(client, database, settings)

        response = await client.get("/api/bookings", headers=headers)

        assert response.status_code == 401
        assert response.json() == NOT_AUTHENTICATED


class TestDetail:
    async def test_the_owner(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.get(f"/api/bookings/{at.booking_id}", headers=at.owner.headers)

        assert response.status_code == 200
        assert response.json()["booking"]["user_id"] == at.owner.id

    async def test_another_client_is_told_it_does_not_exist(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.get(f"/api/bookings/{at.booking_id}", headers=at.other.headers)
        unknown = await client.get("/api/bookings/999", headers=at.other.headers)

        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)

    async def test_an_admin(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.get(f"/api/bookings/{at.booking_id}", headers=at.admin.headers)

        assert response.status_code == 200
        assert response.json()["booking"]["user_id"] == at.owner.id

    @pytest.mark.parametrize("headers", [ANONYMOUS, FORGED], ids=["anonymous", "forged"])
    async def test_nobody_signed_in(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        headers: dict[str, str],
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.get(f"/api/bookings/{at.booking_id}", headers=headers)

        assert response.status_code == 401
        assert response.json() == NOT_AUTHENTICATED


class TestCancel:
    async def test_the_owner(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await cancel(client, at.owner, at.booking_id)

        assert response.status_code == 200
        assert await seats_taken(database, at.slot) == 0

    async def test_another_client_changes_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await cancel(client, at.other, at.booking_id)

        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        await assert_untouched(database, at)

    async def test_an_admin(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await cancel(client, at.admin, at.booking_id)

        assert response.status_code == 200
        assert response.json()["booking"]["status"] == "cancelled"
        assert (await stored_booking(database, at.booking_id)).cancelled_by_practice is True

    @pytest.mark.parametrize("headers", [ANONYMOUS, FORGED], ids=["anonymous", "forged"])
    async def test_nobody_signed_in(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        headers: dict[str, str],
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.put(f"/api/bookings/{at.booking_id}/cancel", headers=headers)

        assert response.status_code == 401
        await assert_untouched(database, at)


class TestReschedule:
    async def test_the_owner(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await reschedule(client, at.owner, at.booking_id, at.free_slot)

        assert response.status_code == 200
        assert response.json()["booking"]["schedule_id"] == at.free_slot

    async def test_another_client_changes_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await reschedule(client, at.other, at.booking_id, at.free_slot)

        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        await assert_untouched(database, at)

    async def test_an_admin(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        at = await scene(client, database, settings)

        response = await reschedule(client, at.admin, at.booking_id, at.free_slot)

        assert response.status_code == 200
        booking = response.json()["booking"]
        assert (booking["user_id"], booking["schedule_id"]) == (at.owner.id, at.free_slot)

    @pytest.mark.parametrize("headers", [ANONYMOUS, FORGED], ids=["anonymous", "forged"])
    async def test_nobody_signed_in(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        headers: dict[str, str],
    ) -> None:
        at = await scene(client, database, settings)

        response = await client.put(
            f"/api/bookings/{at.booking_id}/reschedule",
            json={"new_schedule_id": at.free_slot},
            headers=headers,
        )

        assert response.status_code == 401
        await assert_untouched(database, at)
