"""The unpaid-hold sweep: a booking unpaid after ATTUNE_PAYMENT_HOLD_MINUTES is cancelled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attune.bookings.payment_state import booking_payments
from attune.payments.jobs import CANCEL_INTENT_JOB
from attune.platform.actor import SYSTEM
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, jobs_of_kind, later, seats_taken
from tests.conftest import make_settings, run_jobs
from tests.payments.builders import booked, booking_as_shown, confirm, open_intent, payments_of
from tests.support.mailbox import Mailbox, SmtpServer, text_body
from tests.support.people import add_client
from tests.support.slots import add_slot, assert_seats_match_bookings
from tests.support.work import work

HOLD = timedelta(minutes=30)


async def sweep_at(app: FastAPI, clock: FrozenClock, moment: timedelta) -> None:
    clock.at = NOW + moment
    await run_jobs(app)


class TestRelease:
    async def test_not_yet_at_exactly_the_hold(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        await sweep_at(app, clock, HOLD)

        assert (await booking_as_shown(client, ada, booking_id))["status"] == "scheduled"

    async def test_cancelled_a_second_later(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        await sweep_at(app, clock, HOLD + timedelta(seconds=1))

        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["status"] == "cancelled"
        assert booking["cancellation_reason"] == "Not paid within 30 minutes"

    async def test_the_seat_is_freed(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=2))
        response = await client.post(
            "/api/bookings", json={"schedule_id": slot}, headers=ada.headers
        )
        assert response.status_code == 201

        await sweep_at(app, clock, HOLD + timedelta(seconds=1))

        assert await seats_taken(database, slot) == 0
        await assert_seats_match_bookings(database)

    async def test_its_open_intent_is_cancelled(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await open_intent(client, ada, booking_id)

        await sweep_at(app, clock, HOLD + timedelta(minutes=1))

        [payment] = await payments_of(database, booking_id)
        assert payment.status == "canceled"
        assert [job.payload for job in await jobs_of_kind(database, CANCEL_INTENT_JOB)] == [
            {"intent_id": payment.intent_id}
        ]

    async def test_the_client_is_mailed_once(
        self,
        *,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        await booked(client, database, ada)

        await sweep_at(app, clock, HOLD + timedelta(minutes=1))
        await sweep_at(app, clock, HOLD + timedelta(minutes=2))

        cancelled = [m for m in mailbox.to(ada.email) if "cancelled" in str(m["Subject"])]
        assert len(cancelled) == 1
        assert "Not paid within 30 minutes" in text_body(cancelled[0])


class TestKept:
    async def test_a_paid_booking_is_untouched(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        assert (await confirm(client, ada, intent_id)).status_code == 200

        await sweep_at(app, clock, HOLD + timedelta(hours=1))

        booking = await booking_as_shown(client, ada, booking_id)
        assert (booking["status"], booking["payment_status"]) == ("scheduled", "succeeded")
        assert await jobs_of_kind(database, CANCEL_INTENT_JOB) == []

    async def test_a_payment_after_the_sweep_is_refunded(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        clock.at = NOW + HOLD + timedelta(seconds=1)
        async with work(database, settings, now=clock.at) as uow:
            # The sweep alone, before the cancel_intent job it queues can run.
            await booking_payments.release_unpaid_holds(uow, SYSTEM, limit=10)

        assert (await confirm(client, ada, intent_id)).status_code == 200
        await run_jobs(app)
        await run_jobs(app)

        booking = await booking_as_shown(client, ada, booking_id)
        assert (booking["status"], booking["payment_status"]) == ("cancelled", "refunded")
        assert [r["reason"] for r in booking["refunds"]] == ["late_payment"]


class TestPaymentsOff:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, payments_enabled=False
        )

    async def test_no_booking_is_released(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        await sweep_at(app, clock, HOLD + timedelta(hours=1))

        assert (await booking_as_shown(client, ada, booking_id))["status"] == "scheduled"
