from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from attune.models import BookingStatus, Schedule
from attune.platform.clock import FrozenClock
from attune.platform.crypto import Encryptor
from attune.platform.database import Database
from attune.platform.job_model import Job
from attune.platform.settings import Settings
from tests.admin.builders import book, booking_row, set_booking
from tests.conftest import make_settings, run_jobs
from tests.support.mailbox import Mailbox, SmtpServer, text_body
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_clients, add_person
from tests.support.slots import add_slot, assert_seats_match_bookings

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(
        tmp_path, database_url, smtp_url=smtp_server.url, practice_timezone="America/New_York"
    )


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


async def listed(
    client: httpx.AsyncClient, admin: Person, /, **params: str | int
) -> dict[str, Any]:
    response = await client.get("/api/admin/bookings", params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [booking["id"] for booking in body["bookings"]]


class TestList:
    async def test_each_booking_with_its_client_and_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        ada = await add_person(
            database, settings, email="ada@example.com", first_name="Ada", last_name="Lovelace"
        )
        booking_id = await book(database, settings, ada, NOW + DAY)

        body = await listed(client, admin)

        [booking] = body["bookings"]
        assert booking["id"] == booking_id
        assert (booking["user_id"], booking["status"], booking["payment_status"]) == (
            ada.id,
            "scheduled",
            "pending",
        )
        assert (booking["scheduled_at"], booking["duration"], booking["amount"]) == (
            "2025-03-15T15:00:00Z",
            60,
            100.0,
        )
        assert booking["user"] == {
            "id": ada.id,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
        }
        # The client sees no link until paid; the therapist hosts the session and does.
        room = (await booking_row(database, booking_id)).room_id
        assert booking["jitsi_room_id"] == room
        assert booking["jitsi_room_url"] == f"https://meet.jit.si/{room}"
        own = await client.get(f"/api/bookings/{booking_id}", headers=ada.headers)
        assert own.json()["booking"]["jitsi_room_url"] is None

    async def test_a_cancelled_booking_shows_no_room(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)
        await client.put(f"/api/admin/bookings/{booking_id}/cancel", headers=admin.headers)

        [booking] = (await listed(client, admin))["bookings"]

        assert (booking["status"], booking["jitsi_room_url"]) == ("cancelled", None)

    async def test_latest_session_first_a_page_at_a_time(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        second = await book(database, settings, ada, NOW + 2 * DAY)
        first = await book(database, settings, ada, NOW + DAY)
        fourth = await book(database, settings, ada, NOW + 4 * DAY)
        third = await book(database, settings, ada, NOW + 3 * DAY)

        page_one = await listed(client, admin, limit=3)
        page_two = await listed(client, admin, limit=3, offset=3)

        assert ids(page_one) == [fourth, third, second]
        assert ids(page_two) == [first]
        assert (page_one["total"], page_one["limit"], page_one["offset"]) == (4, 3, 0)
        assert (page_two["total"], page_two["limit"], page_two["offset"]) == (4, 3, 3)
        assert (await listed(client, admin))["limit"] == 50

    async def test_filter_by_status(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        scheduled = await book(database, settings, ada, NOW + DAY)
        cancelled = await book(database, settings, ada, NOW + 2 * DAY)
        await client.put(f"/api/admin/bookings/{cancelled}/cancel", headers=admin.headers)

        assert ids(await listed(client, admin, status="scheduled")) == [scheduled]
        assert ids(await listed(client, admin, status="cancelled")) == [cancelled]
        nothing = await listed(client, admin, status="completed")
        assert (ids(nothing), nothing["total"]) == ([], 0)

    async def test_filter_by_user(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        ada, bob = await add_clients(database, settings, 2)
        adas = await book(database, settings, ada, NOW + DAY)
        bobs = await book(database, settings, bob, NOW + 2 * DAY)

        assert ids(await listed(client, admin, user_id=ada.id)) == [adas]
        by_bob = await listed(client, admin, user_id=bob.id)
        assert (ids(by_bob), by_bob["total"]) == ([bobs], 1)

    async def test_from_and_to_are_days_in_the_practice_zone(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        # 19 March 23:00 and 20 March 00:00 in New York (UTC-4).
        late_19th = await book(database, settings, ada, datetime(2025, 3, 20, 3, 0, tzinfo=UTC))
        early_20th = await book(database, settings, ada, datetime(2025, 3, 20, 4, 0, tzinfo=UTC))
        # 20 March 23:00 in New York, already the 21st in UTC.
        late_20th = await book(database, settings, ada, datetime(2025, 3, 21, 3, 0, tzinfo=UTC))
        the_21st = await book(database, settings, ada, datetime(2025, 3, 21, 14, 0, tzinfo=UTC))

        only_20th = await listed(client, admin, **{"from": "2025-03-20", "to": "2025-03-20"})
        from_20th = await listed(client, admin, **{"from": "2025-03-20"})
        to_19th = await listed(client, admin, to="2025-03-19")

        assert ids(only_20th) == [late_20th, early_20th]
        assert only_20th["total"] == 2
        assert ids(from_20th) == [the_21st, late_20th, early_20th]
        assert ids(to_19th) == [late_19th]

    async def test_filter_by_part_of_the_clients_name_or_address(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        ada = await add_person(
            database, settings, email="ada@example.com", first_name="Ada", last_name="Lovelace"
        )
        grace = await add_person(
            database,
            settings,
            email="g.hopper@navy.example",
            first_name="Grace",
            last_name="Hopper",
        )
        adas = await book(database, settings, ada, NOW + DAY)
        graces = await book(database, settings, grace, NOW + 2 * DAY)

        assert ids(await listed(client, admin, **{"client": "LOVE"})) == [adas]
        assert ids(await listed(client, admin, **{"client": "grace hop"})) == [graces]
        assert ids(await listed(client, admin, **{"client": "navy.example"})) == [graces]
        nobody = await listed(client, admin, **{"client": "100%"})
        assert (ids(nobody), nobody["total"]) == ([], 0)

    async def test_filter_paid_or_not(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        unpaid = await book(database, settings, ada, NOW + DAY)
        paid = await book(database, settings, ada, NOW + 2 * DAY)
        await record_paid(database, paid)

        assert ids(await listed(client, admin, paid="true")) == [paid]
        not_paid = await listed(client, admin, paid="false")
        assert (ids(not_paid), not_paid["total"]) == ([unpaid], 1)
        assert ids(await listed(client, admin)) == [paid, unpaid]

    async def test_filters_combine(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        ada, bob = await add_clients(database, settings, 2)
        wanted = await book(database, settings, ada, NOW + DAY)
        await book(database, settings, bob, NOW + DAY + timedelta(hours=2))
        await book(database, settings, ada, NOW + 5 * DAY)

        body = await listed(client, admin, user_id=ada.id, status="scheduled", to="2025-03-16")

        assert (ids(body), body["total"]) == ([wanted], 1)

    async def test_the_widest_range_of_dates(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)

        # Five years either way of today (2025-03-14), leap day included.
        body = await listed(client, admin, **{"from": "2020-03-14", "to": "2030-03-14"})

        assert ids(body) == [booking_id]

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": 0},
            {"limit": 201},
            {"offset": -1},
            {"status": "pending"},
            {"user_id": 0},
            {"user_id": "ada"},
            {"user_id": 2**31},
            {"from": "2025-02-30"},
            {"to": "15/03/2025"},
            {"from": "0001-01-01"},
            {"to": "9999-12-31"},
            {"from": "2020-03-13"},
            {"to": "2030-03-15"},
            {"from": "0"},
            {"to": "1741910400"},
            {"user_id": "1.0"},
            {"limit": "1e2"},
        ],
    )
    async def test_bad_values_are_refused(
        self, client: httpx.AsyncClient, admin: Person, params: dict[str, str | int]
    ) -> None:
        response = await client.get("/api/admin/bookings", params=params, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"

    async def test_from_after_to_is_refused(self, client: httpx.AsyncClient, admin: Person) -> None:
        response = await client.get(
            "/api/admin/bookings",
            params={"from": "2025-03-20", "to": "2025-03-19"},
            headers=admin.headers,
        )

        assert response.status_code == 400
        assert response.json()["details"] == "`from` must not be after `to`"

    async def test_read_one_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)

        response = await client.get(f"/api/admin/bookings/{booking_id}", headers=admin.headers)
        missing = await client.get("/api/admin/bookings/999", headers=admin.headers)

        assert response.status_code == 200
        booking = response.json()["booking"]
        assert (booking["id"], booking["user"]["email"]) == (booking_id, ada.email)
        assert (missing.status_code, missing.json()) == (
            404,
            {"error": "Booking not found", "details": "No booking with this id is visible to you."},
        )


class TestCancel:
    async def test_inside_24_hours_with_a_reason_mailed_to_the_client(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        admin: Person,
        mailbox: Mailbox,
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(hours=3))
        reason = "The therapist is ill today; we will call you to rebook."

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel",
            json={"reason": reason},
            headers=admin.headers,
        )

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Booking cancelled successfully"
        assert (body["booking"]["status"], body["booking"]["cancellation_reason"]) == (
            "cancelled",
            reason,
        )
        await run_jobs(app)
        messages = await mailbox.wait_for(ada.email, count=2)
        [cancellation] = [m for m in messages if "cancelled" in str(m["Subject"])]
        text = text_body(cancellation)
        assert reason in text
        await assert_seats_match_bookings(database)

    async def test_without_a_body(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        admin: Person,
        mailbox: Mailbox,
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(minutes=5))

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel", headers=admin.headers
        )

        assert response.status_code == 200
        assert response.json()["booking"]["cancellation_reason"] is None
        await run_jobs(app)
        messages = await mailbox.wait_for(ada.email, count=2)
        assert "Reason:" not in text_body(messages[-1])

    async def test_a_reason_keeps_its_line_breaks_and_is_stored_encrypted(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)
        reason = "The therapist is ill.\nWe will call you to rebook."

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel",
            json={"reason": reason},
            headers=admin.headers,
        )

        assert response.status_code == 200
        stored = (await booking_row(database, booking_id)).cancellation_reason_encrypted
        assert stored is not None
        # A whole phrase: a short word turns up in random ciphertext now and then.
        assert "The therapist is ill" not in stored
        assert Encryptor.from_settings(settings).decrypt(stored) == reason

    async def test_the_seat_is_freed(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(hours=3))

        await client.put(f"/api/admin/bookings/{booking_id}/cancel", headers=admin.headers)

        slot_id = (await booking_row(database, booking_id)).schedule_id
        async with database.transaction(write=False) as session:
            slot = await session.get(Schedule, slot_id)
        assert slot is not None
        assert slot.remaining_slots == 1

    async def test_a_paid_booking_is_refunded(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(hours=3))
        await record_paid(database, booking_id)

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel", headers=admin.headers
        )

        assert response.status_code == 200
        async with database.transaction(write=False) as session:
            kinds = (await session.scalars(select(Job.kind))).all()
        assert "payments.refund" in kinds

    async def test_a_cancelled_booking_cannot_be_cancelled_again(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)
        await client.put(f"/api/admin/bookings/{booking_id}/cancel", headers=admin.headers)

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel", headers=admin.headers
        )

        assert response.status_code == 409
        await assert_seats_match_bookings(database)

    async def test_unknown_booking_is_404(self, client: httpx.AsyncClient, admin: Person) -> None:
        response = await client.put("/api/admin/bookings/999/cancel", headers=admin.headers)

        assert (response.status_code, response.json()) == (
            404,
            {"error": "Booking not found", "details": "No booking with this id is visible to you."},
        )

    @pytest.mark.parametrize(
        "body", [{"reason": "x" * 501}, {"reason": "bad\x00"}, {"why": "ill"}, ["ill"]]
    )
    async def test_a_bad_body_is_refused_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        admin: Person,
        body: object,
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel", json=body, headers=admin.headers
        )

        assert response.status_code == 400
        assert (await booking_row(database, booking_id)).status == BookingStatus.scheduled


class TestReschedule:
    async def test_inside_2_hours(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        admin: Person,
        mailbox: Mailbox,
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(hours=1))
        new_slot = await add_slot(database, NOW + 2 * DAY)

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/reschedule",
            json={"new_schedule_id": new_slot},
            headers=admin.headers,
        )

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Booking rescheduled successfully"
        assert (body["booking"]["schedule_id"], body["booking"]["scheduled_at"]) == (
            new_slot,
            "2025-03-16T15:00:00Z",
        )
        await assert_seats_match_bookings(database)
        await run_jobs(app)
        messages = await mailbox.wait_for(ada.email, count=2)
        assert any("moved" in str(message["Subject"]) for message in messages)

    async def test_into_a_full_slot_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        ada, bob = await add_clients(database, settings, 2)
        booking_id = await book(database, settings, ada, NOW + DAY)
        bobs = await book(database, settings, bob, NOW + 2 * DAY)
        full_slot = (await booking_row(database, bobs)).schedule_id

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/reschedule",
            json={"new_schedule_id": full_slot},
            headers=admin.headers,
        )

        assert response.status_code == 409
        assert response.json()["error"] == "The selected time slot is no longer available"
        assert (await booking_row(database, booking_id)).scheduled_at == NOW + DAY
        await assert_seats_match_bookings(database)

    @pytest.mark.parametrize("body", [{}, {"new_schedule_id": 0}, {"new_schedule_id": "two"}])
    async def test_a_bad_body_is_refused(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        admin: Person,
        body: object,
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/reschedule", json=body, headers=admin.headers
        )

        assert response.status_code == 400

    async def test_unknown_booking_and_unknown_slot_are_404(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + DAY)
        new_slot = await add_slot(database, NOW + 2 * DAY)

        no_booking = await client.put(
            "/api/admin/bookings/999/reschedule",
            json={"new_schedule_id": new_slot},
            headers=admin.headers,
        )
        no_slot = await client.put(
            f"/api/admin/bookings/{booking_id}/reschedule",
            json={"new_schedule_id": 999},
            headers=admin.headers,
        )

        assert (no_booking.status_code, no_slot.status_code) == (404, 404)


class TestOutcome:
    @pytest.mark.parametrize("outcome", ["completed", "no_show"])
    async def test_recorded_once_the_session_has_started(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        admin: Person,
        outcome: str,
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW - timedelta(minutes=30))

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/status",
            json={"status": outcome},
            headers=admin.headers,
        )

        assert response.status_code == 200
        assert response.json()["booking"]["status"] == outcome
        assert ids(await listed(client, admin, status=outcome)) == [booking_id]

    async def test_refused_before_the_start(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(seconds=1))

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/status",
            json={"status": "completed"},
            headers=admin.headers,
        )

        assert response.status_code == 409
        assert response.json()["error"] == (
            "A session can only be marked completed or no-show once it has started"
        )
        assert (await booking_row(database, booking_id)).status == BookingStatus.scheduled

    async def test_a_cancelled_booking_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW - timedelta(minutes=30))
        await set_booking(database, booking_id, status=BookingStatus.cancelled)

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/status",
            json={"status": "completed"},
            headers=admin.headers,
        )

        assert response.status_code == 409
        assert (await booking_row(database, booking_id)).status == BookingStatus.cancelled

    async def test_an_outcome_can_be_corrected(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW - timedelta(minutes=30))
        path = f"/api/admin/bookings/{booking_id}/status"
        await client.put(path, json={"status": "no_show"}, headers=admin.headers)

        response = await client.put(path, json={"status": "completed"}, headers=admin.headers)

        assert response.json()["booking"]["status"] == "completed"

    @pytest.mark.parametrize(
        "body", [{"status": "cancelled"}, {"status": "scheduled"}, {}, {"status": None}]
    )
    async def test_other_statuses_are_refused(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        admin: Person,
        body: object,
    ) -> None:
        [ada] = await add_clients(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW - timedelta(minutes=30))

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/status", json=body, headers=admin.headers
        )

        assert response.status_code == 400
        assert (await booking_row(database, booking_id)).status == BookingStatus.scheduled

    async def test_unknown_booking_is_404(self, client: httpx.AsyncClient, admin: Person) -> None:
        response = await client.put(
            "/api/admin/bookings/999/status", json={"status": "completed"}, headers=admin.headers
        )

        assert response.status_code == 404
