"""`PUT /api/bookings/{id}/cancel`: the seat comes back, a paid booking is refunded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attune.payments.refunds import REFUND_JOB
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import (
    NOW,
    book,
    cancel,
    jobs_of_kind,
    later,
    seats_taken,
    stored_booking,
)
from tests.support.payments import record_paid
from tests.support.people import add_admin, add_client
from tests.support.slots import add_slot, assert_seats_match_bookings


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def mark_paid(database: Database, booking_id: int) -> None:
    await record_paid(database, booking_id)


class TestCancel:
    async def test_frees_the_seat_for_someone_else(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Booking cancelled successfully"
        assert body["booking"]["status"] == "cancelled"
        assert body["booking"]["cancelled_at"] == "2026-03-02T09:00:00Z"
        assert await seats_taken(database, slot) == 0
        taken_again = await book(client, bob, slot)
        assert taken_again["status"] == "scheduled"
        await assert_seats_match_bookings(database)

    async def test_works_without_a_body_or_content_type(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        """As seed 000's curl sends it: `curl -X PUT …/cancel -H "Authorization: …"`."""
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)
        request = client.build_request(
            "PUT", f"/api/bookings/{booking['id']}/cancel", headers=ada.headers
        )
        del request.headers["Content-Length"]
        assert "content-type" not in request.headers

        response = await client.send(request)

        assert response.status_code == 200
        assert response.json()["booking"]["status"] == "cancelled"

    async def test_keeps_a_reason(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)

        response = await cancel(client, ada, booking["id"], reason="  Moving house  ")

        assert response.status_code == 200
        assert response.json()["booking"]["cancellation_reason"] == "Moving house"

    async def test_an_empty_json_body_is_no_reason(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)

        response = await client.put(
            f"/api/bookings/{booking['id']}/cancel", json={}, headers=ada.headers
        )

        assert response.status_code == 200
        assert response.json()["booking"]["cancellation_reason"] is None

    @pytest.mark.parametrize(
        "body", [{"reason": "x" * 501}, {"reason": "nul\x00"}, {"reason": 42}, ["reason"]]
    )
    async def test_an_invalid_body_changes_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, body: Any
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)

        response = await client.put(
            f"/api/bookings/{booking['id']}/cancel", json=body, headers=ada.headers
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert (await stored_booking(database, booking["id"])).status == "scheduled"
        assert await seats_taken(database, slot) == 1

    async def test_a_body_that_is_not_json_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)

        response = await client.put(
            f"/api/bookings/{booking['id']}/cancel",
            content=b"reason=busy",
            headers={**ada.headers, "Content-Type": "application/x-www-form-urlencoded"},
        )

        assert response.status_code == 415
        assert await seats_taken(database, slot) == 1

    async def test_twice_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), capacity=2)
        booking = await book(client, ada, slot)
        await cancel(client, ada, booking["id"])

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 409
        assert response.json()["error"] == "Only a scheduled booking can be changed"
        assert await seats_taken(database, slot) == 0
        await assert_seats_match_bookings(database)

    async def test_unknown_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await cancel(client, ada, 12345)

        assert response.status_code == 404
        assert response.json()["error"] == "Booking not found"


class TestRefund:
    async def test_a_paid_booking_is_refunded(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)
        await mark_paid(database, booking["id"])

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 200
        (refund,) = await jobs_of_kind(database, REFUND_JOB)
        assert refund.kind == "payments.refund"
        assert set(refund.payload) == {"refund_id"}

    async def test_an_unpaid_booking_is_not(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)

        await cancel(client, ada, booking["id"])

        assert await jobs_of_kind(database, REFUND_JOB) == []

    async def test_a_refused_cancellation_refunds_nothing(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(hours=30))
        booking = await book(client, ada, slot)
        await mark_paid(database, booking["id"])
        clock.at = later(hours=7)

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 409
        assert await jobs_of_kind(database, REFUND_JOB) == []


class TestRoomLink:
    async def test_a_cancelled_booking_shows_no_link_and_no_window(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        slot = await add_slot(database, later(days=3))
        booking = await book(client, ada, slot)
        await mark_paid(database, booking["id"])
        paid = await client.get(f"/api/bookings/{booking['id']}", headers=theo.headers)
        assert paid.json()["booking"]["jitsi_room_url"] is not None

        response = await cancel(client, ada, booking["id"])
        seen = await client.get(f"/api/bookings/{booking['id']}", headers=theo.headers)

        for shown in (response.json()["booking"], seen.json()["booking"]):
            assert (shown["jitsi_room_url"], shown["jitsi_room_id"]) == (None, None)
            assert shown["meeting_opens_at"] is None
