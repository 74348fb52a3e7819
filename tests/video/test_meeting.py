"""`GET /api/bookings/{id}/meeting`: when the client may join, what the therapist sees, and who
may ask (the link waits for payment and only opens in the join window: docs/decisions.md, "Slots
and bookings")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot
from tests.video.builders import book, cancel, mark_paid, meeting, record_outcome

# In the past: the people's access tokens are issued at the real time and stay valid for any
# frozen time before they expire.
BOOKED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STARTS_AT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
ENDS_AT = STARTS_AT + timedelta(hours=1)
OPENS_AT = STARTS_AT - timedelta(minutes=10)
CLOSES_AT = ENDS_AT + timedelta(minutes=15)
ONE_SECOND = timedelta(seconds=1)
ROOM_URL_PREFIX = "https://meet.jit.si/attune-"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BOOKED_AT)


async def booked(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    slot_id = await add_slot(database, STARTS_AT)
    return await book(client, person, slot_id)


async def paid_booking(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    booking_id = await booked(client, database, person)
    await mark_paid(database, booking_id)
    return booking_id


class TestJoinWindow:
    async def test_opens_ten_minutes_before_the_start(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await paid_booking(client, database, ada)
        clock.at = OPENS_AT

        body = await meeting(client, booking_id, ada)

        assert body["can_join"] is True
        assert body["meeting_status"] == "active"
        assert body["meeting_url"] == f"https://meet.jit.si/{body['room_id']}"
        assert body["meeting_url"].startswith(ROOM_URL_PREFIX)

    async def test_closed_one_second_before_it_opens(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await paid_booking(client, database, ada)
        clock.at = OPENS_AT - ONE_SECOND

        body = await meeting(client, booking_id, ada)

        assert body["can_join"] is False
        assert body["meeting_status"] == "scheduled"
        assert (body["meeting_url"], body["room_id"]) == (None, None)

    async def test_still_open_fifteen_minutes_after_the_end(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await paid_booking(client, database, ada)
        clock.at = CLOSES_AT

        body = await meeting(client, booking_id, ada)

        assert body["can_join"] is True
        assert body["meeting_status"] == "active"
        assert body["meeting_url"].startswith(ROOM_URL_PREFIX)

    async def test_closed_one_second_after_that(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await paid_booking(client, database, ada)
        clock.at = CLOSES_AT + ONE_SECOND

        body = await meeting(client, booking_id, ada)

        assert body["can_join"] is False
        assert body["meeting_status"] == "completed"
        assert (body["meeting_url"], body["room_id"]) == (None, None)
        assert body["join_instructions"] == "This session is over and its room is closed."

    async def test_times_of_the_session_and_its_window(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        body = await meeting(client, booking_id, ada)

        assert body["booking_id"] == booking_id
        assert body["scheduled_at"] == "2025-03-04T10:00:00Z"
        assert body["ends_at"] == "2025-03-04T11:00:00Z"
        assert body["duration"] == 60
        assert body["join_opens_at"] == "2025-03-04T09:50:00Z"
        assert body["join_closes_at"] == "2025-03-04T11:15:00Z"
        assert body["moderator"] is False


class TestMeetingStatus:
    async def test_pending_then_scheduled_then_active_then_completed(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        assert (await meeting(client, booking_id, ada))["meeting_status"] == "pending"
        await mark_paid(database, booking_id)
        assert (await meeting(client, booking_id, ada))["meeting_status"] == "scheduled"
        clock.at = STARTS_AT + timedelta(minutes=30)
        assert (await meeting(client, booking_id, ada))["meeting_status"] == "active"
        clock.at = CLOSES_AT + timedelta(minutes=1)
        assert (await meeting(client, booking_id, ada))["meeting_status"] == "completed"

    @pytest.mark.parametrize("outcome", ["completed", "no_show"])
    async def test_a_recorded_outcome_ends_the_meeting_inside_the_window(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
        outcome: str,
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)
        clock.at = STARTS_AT + timedelta(minutes=50)
        await record_outcome(client, booking_id, theo, outcome)

        body = await meeting(client, booking_id, ada)

        assert body["meeting_status"] == "completed"
        assert body["can_join"] is False
        assert body["meeting_url"] is None

    async def test_instructions_say_when_the_room_opens(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await paid_booking(client, database, ada)

        instructions = (await meeting(client, booking_id, ada))["join_instructions"]

        assert "opens at 09:50 on Tuesday 04 March 2025 (UTC)" in instructions
        assert "closes at 11:15" in instructions
        assert "camera and microphone" in instructions


class TestInstructionsInThePracticeZone:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return make_settings(tmp_path, database_url, practice_timezone="Europe/Berlin")

    async def test_times_are_local_to_the_practice(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await paid_booking(client, database, ada)

        instructions = (await meeting(client, booking_id, ada))["join_instructions"]

        assert "opens at 10:50 on Tuesday 04 March 2025 (Europe/Berlin)" in instructions
        assert "closes at 12:15" in instructions


class TestPaymentsRequired:
    async def test_no_link_inside_the_window_until_paid(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        clock.at = STARTS_AT

        unpaid = await meeting(client, booking_id, ada)
        await mark_paid(database, booking_id)
        paid = await meeting(client, booking_id, ada)

        assert (unpaid["meeting_status"], unpaid["can_join"]) == ("pending", False)
        assert (unpaid["meeting_url"], unpaid["room_id"]) == (None, None)
        assert "released once the session is paid" in unpaid["join_instructions"]
        assert (paid["meeting_status"], paid["can_join"]) == ("active", True)
        assert paid["meeting_url"].startswith(ROOM_URL_PREFIX)


class TestPaymentsOff:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return make_settings(tmp_path, database_url, payments_enabled=False)

    async def test_released_at_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        before = await meeting(client, booking_id, ada)
        clock.at = OPENS_AT
        during = await meeting(client, booking_id, ada)

        assert before["meeting_status"] == "scheduled"
        assert (during["meeting_status"], during["can_join"]) == ("active", True)
        assert during["meeting_url"].startswith(ROOM_URL_PREFIX)


class TestFreeSessions:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str) -> Settings:
        return make_settings(tmp_path, database_url, session_price_cents=0)

    async def test_a_price_of_zero_needs_no_payment(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        clock.at = OPENS_AT

        body = await meeting(client, booking_id, ada)

        assert (body["meeting_status"], body["can_join"]) == ("active", True)
        assert body["meeting_url"].startswith(ROOM_URL_PREFIX)


class TestTherapist:
    async def test_gets_the_link_of_an_unpaid_booking_before_the_window(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await booked(client, database, ada)

        body = await meeting(client, booking_id, theo)

        assert body["meeting_url"] == f"https://meet.jit.si/{body['room_id']}"
        assert body["meeting_url"].startswith(ROOM_URL_PREFIX)
        assert body["moderator"] is True
        assert (body["meeting_status"], body["can_join"]) == ("pending", False)
        assert "the client gets the join link once it is" in body["join_instructions"]

    async def test_can_join_an_unpaid_session_inside_the_window(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await booked(client, database, ada)
        clock.at = STARTS_AT

        body = await meeting(client, booking_id, theo)

        assert body["can_join"] is True
        assert body["meeting_url"].startswith(ROOM_URL_PREFIX)

    async def test_gets_the_link_after_the_session(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)
        clock.at = CLOSES_AT + ONE_SECOND

        body = await meeting(client, booking_id, theo)

        assert (body["meeting_status"], body["can_join"]) == ("completed", False)
        assert body["meeting_url"].startswith(ROOM_URL_PREFIX)

    async def test_sees_the_same_room_as_the_client(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, clock: FrozenClock
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)
        clock.at = STARTS_AT

        for_client = await meeting(client, booking_id, ada)
        for_therapist = await meeting(client, booking_id, theo)

        assert for_client["meeting_url"] == for_therapist["meeting_url"]


class TestCancelledBooking:
    async def test_has_no_meeting(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)
        await cancel(client, booking_id, theo)

        for person in (ada, theo):
            response = await client.get(
                f"/api/bookings/{booking_id}/meeting", headers=person.headers
            )

            assert response.status_code == 409
            assert response.json()["error"] == "This booking is cancelled, so it has no meeting"


class TestWhoMayAsk:
    @pytest.mark.parametrize("suffix", ["", "/"])
    async def test_the_owner(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, suffix: str
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await client.get(
            f"/api/bookings/{booking_id}/meeting{suffix}", headers=ada.headers
        )

        assert response.status_code == 200
        assert response.json()["booking_id"] == booking_id

    async def test_not_another_client(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        booking_id = await paid_booking(client, database, ada)

        response = await client.get(f"/api/bookings/{booking_id}/meeting", headers=bob.headers)

        assert response.status_code == 404
        assert response.json() == {
            "error": "Booking not found",
            "details": "No booking with this id is visible to you.",
        }

    async def test_the_therapist(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await booked(client, database, ada)

        response = await client.get(f"/api/bookings/{booking_id}/meeting", headers=theo.headers)

        assert response.status_code == 200
        assert response.json()["moderator"] is True

    async def test_not_anonymous(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await client.get(f"/api/bookings/{booking_id}/meeting")

        assert response.status_code == 401
        assert response.json() == {
            "error": "User not authenticated",
            "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
        }

    async def test_unknown_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get("/api/bookings/999/meeting", headers=ada.headers)

        assert response.status_code == 404
        assert response.json() == {
            "error": "Booking not found",
            "details": "No booking with this id is visible to you.",
        }

    @pytest.mark.parametrize("booking_id", ["abc", "0", "-1", str(2**31), str(2**63)])
    async def test_malformed_booking_id(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, booking_id: str
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get(f"/api/bookings/{booking_id}/meeting", headers=ada.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
