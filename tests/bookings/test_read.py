"""`GET /api/bookings` and `GET /api/bookings/{id}`: a client's own bookings."""

from __future__ import annotations

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, cancel, later
from tests.support.payments import record_paid
from tests.support.people import Person, add_client
from tests.support.slots import add_slot


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def listed_ids(
    client: httpx.AsyncClient, headers: dict[str, str], query: str = ""
) -> list[int]:
    response = await client.get(f"/api/bookings{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [booking["id"] for booking in response.json()["bookings"]]


async def book_paid(
    client: httpx.AsyncClient, database: Database, person: Person, slot: int
) -> int:
    """Booked and paid, so that a client can hold more than the unpaid bookings' cap."""
    booking_id: int = (await book(client, person, slot))["id"]
    await record_paid(database, booking_id)
    return booking_id


class TestList:
    async def test_empty_for_a_new_client(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get("/api/bookings", headers=ada.headers)

        assert response.status_code == 200
        assert response.json() == {"bookings": []}

    async def test_upcoming_first_soonest_first_then_past_latest_first(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        slots = [await add_slot(database, later(days=day)) for day in (1, 2, 3, 4)]
        day1, day2, day3, day4 = [await book_paid(client, database, ada, slot) for slot in slots]
        clock.at = later(days=2, hours=12)

        ids = await listed_ids(client, ada.headers)

        assert ids == [day3, day4, day2, day1]

    async def test_a_session_in_progress_is_still_upcoming(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        now_on = (await book(client, ada, await add_slot(database, later(days=1))))["id"]
        next_one = (await book(client, ada, await add_slot(database, later(days=2))))["id"]
        clock.at = later(days=1, minutes=30)

        assert await listed_ids(client, ada.headers) == [now_on, next_one]

    async def test_only_the_callers_own(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        slot = await add_slot(database, later(days=1), capacity=2)
        adas = (await book(client, ada, slot))["id"]
        bobs = (await book(client, bob, slot))["id"]

        assert await listed_ids(client, ada.headers) == [adas]
        assert await listed_ids(client, bob.headers) == [bobs]

    async def test_items_carry_seed_000_fields(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        await book(client, ada, await add_slot(database, later(days=1)))

        response = await client.get("/api/bookings", headers=ada.headers)

        (item,) = response.json()["bookings"]
        for field in (
            "id",
            "scheduled_at",
            "duration",
            "status",
            "jitsi_room_url",
            "amount",
            "payment_status",
        ):
            assert field in item
        assert (item["duration"], item["amount"], item["payment_status"]) == (
            60,
            100.0,
            "pending",
        )

    @pytest.mark.parametrize("status", ["scheduled", "cancelled"])
    async def test_filtered_by_status(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, status: str
    ) -> None:
        ada = await add_client(database, settings)
        kept = (await book(client, ada, await add_slot(database, later(days=1))))["id"]
        dropped = (await book(client, ada, await add_slot(database, later(days=2))))["id"]
        await cancel(client, ada, dropped)

        ids = await listed_ids(client, ada.headers, f"?status={status}")

        assert ids == ([kept] if status == "scheduled" else [dropped])

    @pytest.mark.parametrize("status", ["completed", "no_show"])
    async def test_filter_with_no_match(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, status: str
    ) -> None:
        ada = await add_client(database, settings)
        await book(client, ada, await add_slot(database, later(days=1)))

        assert await listed_ids(client, ada.headers, f"?status={status}") == []

    @pytest.mark.parametrize("status", ["pending", "SCHEDULED", "", "scheduled'--"])
    async def test_an_unknown_status_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, status: str
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get("/api/bookings", params={"status": status}, headers=ada.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"

    async def test_with_a_trailing_slash(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking = await book(client, ada, await add_slot(database, later(days=1)))

        response = await client.get("/api/bookings/", headers=ada.headers)

        assert [item["id"] for item in response.json()["bookings"]] == [booking["id"]]


class TestDetail:
    async def test_shows_the_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking = await book(client, ada, await add_slot(database, later(days=1)), notes="Hi")

        response = await client.get(f"/api/bookings/{booking['id']}", headers=ada.headers)

        assert response.status_code == 200
        assert response.json() == {"booking": booking}

    async def test_unknown_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get("/api/bookings/4242", headers=ada.headers)

        assert response.status_code == 404
        assert response.json() == {
            "error": "Booking not found",
            "details": "No booking with this id is visible to you.",
        }

    @pytest.mark.parametrize(
        "booking_id", ["abc", "0", "-1", "1.5", str(2**31), str(2**63), "9" * 40]
    )
    async def test_an_id_that_cannot_be_a_booking_is_refused(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        booking_id: str,
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get(f"/api/bookings/{booking_id}", headers=ada.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"

    @pytest.mark.parametrize("action", ["cancel", "reschedule"])
    async def test_changes_refuse_an_impossible_id(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, action: str
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.put(
            f"/api/bookings/{2**40}/{action}", json={"new_schedule_id": 1}, headers=ada.headers
        )

        assert response.status_code == 400
