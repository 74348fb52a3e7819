"""The cancel and reschedule notice rules at their edges, with a frozen clock (docs/decisions.md,
"Slots and bookings")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from attune.app import create_app
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
    reschedule,
    seats_taken,
)
from tests.conftest import http_client, make_settings
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot, assert_seats_match_bookings

START = later(days=3)
SECOND = timedelta(seconds=1)
CANCEL_POLICY = "Bookings can only be cancelled at least 24 hours before the session starts"
RESCHEDULE_POLICY = "Bookings can only be rescheduled at least 2 hours before the session starts"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def paid_booking_and_a_slot_next_month(
    client: httpx.AsyncClient, database: Database, person: Person
) -> tuple[dict[str, Any], int]:
    """The person's paid booking at START, and a free slot a month later to move it to."""
    slot = await add_slot(database, START)
    next_month = await add_slot(database, START + timedelta(days=30))
    booking = await book(client, person, slot)
    await record_paid(database, booking["id"])
    return booking, next_month


class TestCancelNotice:
    @pytest.mark.parametrize(
        "before_start",
        [timedelta(hours=24), timedelta(hours=24) + SECOND, timedelta(days=2)],
        ids=["exactly-24h", "one-second-outside", "two-days"],
    )
    async def test_allowed_at_or_before_the_notice(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
        before_start: timedelta,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        booking = await book(client, ada, slot)
        clock.at = START - before_start

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 200
        assert response.json()["message"] == "Booking cancelled successfully"
        assert response.json()["booking"]["status"] == "cancelled"
        assert await seats_taken(database, slot) == 0

    @pytest.mark.parametrize(
        "before_start",
        [timedelta(hours=24) - SECOND, timedelta(hours=1), timedelta(0)],
        ids=["one-second-inside", "one-hour", "at-the-start"],
    )
    async def test_refused_inside_the_notice(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
        before_start: timedelta,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        booking = await book(client, ada, slot)
        clock.at = START - before_start

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 409
        assert response.json()["error"] == CANCEL_POLICY
        detail = await client.get(f"/api/bookings/{booking['id']}", headers=ada.headers)
        assert detail.json()["booking"]["status"] == "scheduled"
        assert await seats_taken(database, slot) == 1

    async def test_an_admin_may_cancel_inside_the_notice(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        slot = await add_slot(database, START)
        booking = await book(client, ada, slot)
        clock.at = START - timedelta(minutes=5)

        response = await cancel(client, theo, booking["id"], reason="Therapist is ill")

        assert response.status_code == 200
        cancelled = response.json()["booking"]
        assert (cancelled["status"], cancelled["cancellation_reason"]) == (
            "cancelled",
            "Therapist is ill",
        )
        assert await seats_taken(database, slot) == 0
        await assert_seats_match_bookings(database)

    async def test_follows_the_configured_notice(
        self, tmp_path: Path, database: Database, database_url: str
    ) -> None:
        settings = make_settings(tmp_path, database_url, cancel_notice_hours=48)
        clock = FrozenClock(NOW)
        app = create_app(settings, database=database, clock=clock)
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)

        async with app.router.lifespan_context(app), http_client(app) as client:
            booking = await book(client, ada, slot)
            clock.at = START - timedelta(hours=48) + SECOND
            refused = await cancel(client, ada, booking["id"])
            clock.at = START - timedelta(hours=48)
            allowed = await cancel(client, ada, booking["id"])

        assert refused.status_code == 409
        assert refused.json()["error"] == (
            "Bookings can only be cancelled at least 48 hours before the session starts"
        )
        assert allowed.status_code == 200


class TestRescheduleNotice:
    @pytest.mark.parametrize(
        "before_start",
        [timedelta(hours=2), timedelta(hours=2) + SECOND, timedelta(hours=20)],
        ids=["exactly-2h", "one-second-outside", "twenty-hours"],
    )
    async def test_allowed_at_or_before_the_notice(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
        before_start: timedelta,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        other = await add_slot(database, START + timedelta(days=1))
        booking = await book(client, ada, slot)
        clock.at = START - before_start

        response = await reschedule(client, ada, booking["id"], other)

        assert response.status_code == 200
        assert response.json()["message"] == "Booking rescheduled successfully"
        assert response.json()["booking"]["schedule_id"] == other
        assert (await seats_taken(database, slot), await seats_taken(database, other)) == (0, 1)

    @pytest.mark.parametrize(
        "before_start",
        [timedelta(hours=2) - SECOND, timedelta(minutes=30), timedelta(0)],
        ids=["one-second-inside", "thirty-minutes", "at-the-start"],
    )
    async def test_refused_inside_the_notice(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
        before_start: timedelta,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        other = await add_slot(database, START + timedelta(days=1))
        booking = await book(client, ada, slot)
        clock.at = START - before_start

        response = await reschedule(client, ada, booking["id"], other)

        assert response.status_code == 409
        assert response.json()["error"] == RESCHEDULE_POLICY
        detail = await client.get(f"/api/bookings/{booking['id']}", headers=ada.headers)
        assert detail.json()["booking"]["schedule_id"] == slot
        assert (await seats_taken(database, slot), await seats_taken(database, other)) == (1, 0)

    async def test_an_admin_may_reschedule_inside_the_notice(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        slot = await add_slot(database, START)
        other = await add_slot(database, START + timedelta(days=1))
        booking = await book(client, ada, slot)
        clock.at = START - timedelta(minutes=10)

        response = await reschedule(client, theo, booking["id"], other)

        assert response.status_code == 200
        assert response.json()["booking"]["scheduled_at"] == "2026-03-06T09:00:00Z"
        assert (await seats_taken(database, slot), await seats_taken(database, other)) == (0, 1)
        await assert_seats_match_bookings(database)

    async def test_the_notice_counts_from_the_current_start(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        """Moving to a slot that starts soon is fine as long as the current one is far enough."""
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        soon = await add_slot(database, later(hours=1))

        booking = await book(client, ada, slot)
        response = await reschedule(client, ada, booking["id"], soon)

        assert response.status_code == 200
        assert response.json()["booking"]["schedule_id"] == soon


class TestLateMove:
    """A booking its client moves inside the cancellation notice stays a late one: cancelling
    it later refunds nothing by the client's own action, whatever its new date."""

    async def test_cancelling_it_later_refunds_nothing(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking, next_month = await paid_booking_and_a_slot_next_month(client, database, ada)
        clock.at = START - timedelta(hours=10)
        moved = await reschedule(client, ada, booking["id"], next_month)
        assert moved.status_code == 200

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 200
        cancelled = response.json()["booking"]
        assert (cancelled["status"], cancelled["late_cancellation"]) == ("cancelled", True)
        assert cancelled["refunds"] == []
        assert await jobs_of_kind(database, REFUND_JOB) == []
        assert await seats_taken(database, next_month) == 0

    async def test_the_answer_says_so_before_and_after_the_move(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        next_month = await add_slot(database, START + timedelta(days=30))
        booking = await book(client, ada, slot)
        assert booking["late_cancellation"] is False
        clock.at = START - timedelta(hours=24) + SECOND

        before = await client.get(f"/api/bookings/{booking['id']}", headers=ada.headers)
        moved = await reschedule(client, ada, booking["id"], next_month)
        listed = await client.get("/api/bookings", headers=ada.headers)

        assert before.json()["booking"]["late_cancellation"] is True
        assert moved.json()["booking"]["late_cancellation"] is True
        assert [b["late_cancellation"] for b in listed.json()["bookings"]] == [True]

    async def test_a_second_move_keeps_it_late(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        next_week = await add_slot(database, START + timedelta(days=7))
        next_month = await add_slot(database, START + timedelta(days=30))
        booking = await book(client, ada, slot)
        await record_paid(database, booking["id"])
        clock.at = START - timedelta(hours=10)
        assert (await reschedule(client, ada, booking["id"], next_week)).status_code == 200
        clock.at = START + timedelta(days=1)  # six days before its new start
        assert (await reschedule(client, ada, booking["id"], next_month)).status_code == 200

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 200
        assert response.json()["booking"]["late_cancellation"] is True
        assert await jobs_of_kind(database, REFUND_JOB) == []

    async def test_the_therapist_can_still_cancel_and_refund(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking, next_month = await paid_booking_and_a_slot_next_month(client, database, ada)
        clock.at = START - timedelta(hours=10)
        assert (await reschedule(client, ada, booking["id"], next_month)).status_code == 200

        response = await cancel(client, theo, booking["id"])

        assert response.status_code == 200
        (refund,) = await jobs_of_kind(database, REFUND_JOB)
        assert refund.payload == {"refund_id": response.json()["booking"]["refunds"][0]["id"]}

    async def test_a_move_outside_the_notice_is_refunded_as_usual(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking, next_month = await paid_booking_and_a_slot_next_month(client, database, ada)
        clock.at = START - timedelta(hours=24)
        moved = await reschedule(client, ada, booking["id"], next_month)
        assert moved.json()["booking"]["late_cancellation"] is False

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 200
        assert response.json()["booking"]["late_cancellation"] is False
        assert len(await jobs_of_kind(database, REFUND_JOB)) == 1

    async def test_a_move_by_the_therapist_does_not_make_it_late(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking, next_month = await paid_booking_and_a_slot_next_month(client, database, ada)
        clock.at = START - timedelta(hours=10)
        assert (await reschedule(client, theo, booking["id"], next_month)).status_code == 200

        response = await cancel(client, ada, booking["id"])

        assert response.status_code == 200
        assert len(await jobs_of_kind(database, REFUND_JOB)) == 1

    async def test_a_practice_may_allow_it(
        self, tmp_path: Path, database: Database, database_url: str
    ) -> None:
        settings = make_settings(tmp_path, database_url, late_move_stays_late=False)
        clock = FrozenClock(NOW)
        app = create_app(settings, database=database, clock=clock)
        ada = await add_client(database, settings)
        slot = await add_slot(database, START)
        next_month = await add_slot(database, START + timedelta(days=30))

        async with app.router.lifespan_context(app), http_client(app) as client:
            booking = await book(client, ada, slot)
            await record_paid(database, booking["id"])
            clock.at = START - timedelta(hours=10)
            moved = await reschedule(client, ada, booking["id"], next_month)
            cancelled = await cancel(client, ada, booking["id"])

        assert moved.json()["booking"]["late_cancellation"] is False
        assert cancelled.status_code == 200
        assert len(await jobs_of_kind(database, REFUND_JOB)) == 1
