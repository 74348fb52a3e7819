"""`POST /api/payments/confirm`: the outcome is Stripe's, recorded once, with one receipt."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attune.payments.refunds import REFUND_JOB
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import cancel, jobs_of_kind, stored_booking
from tests.conftest import run_jobs
from tests.payments.builders import (
    RECEIPT,
    booked,
    booking_as_shown,
    confirm,
    open_intent,
    payments_of,
)
from tests.support.localstripe import DECLINED_CARD, pay_at_stripe, stripe_settings
from tests.support.mailbox import Mailbox, SmtpServer
from tests.support.payments import room_released
from tests.support.people import add_client


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, smtp_server: SmtpServer, localstripe_url: str
) -> Settings:
    return stripe_settings(tmp_path, database_url, smtp_server.url, localstripe_url)


def receipts(mailbox: Mailbox, address: str) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.to(address) if str(m["Subject"]).startswith(RECEIPT)]


class TestConfirmPaid:
    async def test_answers_in_seed_000_shape(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        pay_at_stripe(localstripe_url, intent_id)

        response = await confirm(client, ada, intent_id)

        assert response.status_code == 200
        assert response.json() == {
            "message": "Payment confirmed successfully",
            "payment_intent": intent_id,
            "status": "succeeded",
            "amount": 10000,
            "currency": "usd",
            "booking_id": booking_id,
            "mode": "stripe",
        }

    async def test_the_booking_is_paid_and_its_room_released(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        assert not await room_released(client, ada, booking_id)
        intent_id = await open_intent(client, ada, booking_id)
        pay_at_stripe(localstripe_url, intent_id)

        await confirm(client, ada, intent_id)

        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "succeeded"
        assert booking["payment_id"] == intent_id
        assert await room_released(client, ada, booking_id)

    async def test_one_receipt_is_mailed_however_often_it_is_confirmed(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        pay_at_stripe(localstripe_url, intent_id)

        await confirm(client, ada, intent_id)
        await run_jobs(app)
        again = await confirm(client, ada, intent_id)
        await run_jobs(app)

        assert again.status_code == 200
        assert again.json()["status"] == "succeeded"
        assert len(receipts(mailbox, ada.email)) == 1


class TestConfirmUnpaid:
    async def test_an_intent_not_yet_paid_is_payment_required(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)

        response = await confirm(client, ada, intent_id)

        assert response.status_code == 402
        assert response.json() == {
            "error": "Payment required",
            "details": "The payment is requires_payment_method.",
        }
        assert (await booking_as_shown(client, ada, booking_id))["payment_status"] == "pending"

    async def test_a_declined_card_is_payment_failed_with_stripes_reason(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        pay_at_stripe(localstripe_url, intent_id, DECLINED_CARD)

        response = await confirm(client, ada, intent_id)

        assert response.status_code == 402
        assert response.json() == {"error": "Payment failed", "details": "Your card was declined."}
        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "failed"
        assert not await room_released(client, ada, booking_id)

    async def test_a_good_card_after_a_declined_one_pays_the_booking(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        declined = await open_intent(client, ada, booking_id)
        pay_at_stripe(localstripe_url, declined, DECLINED_CARD)
        assert (await confirm(client, ada, declined)).status_code == 402

        retry = await open_intent(client, ada, booking_id)
        pay_at_stripe(localstripe_url, retry)
        response = await confirm(client, ada, retry)
        await run_jobs(app)

        assert retry != declined
        assert response.status_code == 200
        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "succeeded"
        assert booking["payment_id"] == retry
        assert [p.status for p in await payments_of(database, booking_id)] == [
            "canceled",
            "succeeded",
        ]
        assert len(receipts(mailbox, ada.email)) == 1


class TestLatePayment:
    async def test_money_for_a_cancelled_booking_is_refunded_in_full(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        assert (await cancel(client, ada, booking_id)).status_code == 200
        pay_at_stripe(localstripe_url, intent_id)

        response = await confirm(client, ada, intent_id)

        assert response.status_code == 200
        [refund] = await jobs_of_kind(database, REFUND_JOB)
        assert refund.payload == {"booking_id": booking_id, "reason": "late_payment"}
        assert (await stored_booking(database, booking_id)).status == "cancelled"


class TestWhoMayConfirm:
    async def test_another_clients_intent_is_not_found(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        pay_at_stripe(localstripe_url, intent_id)

        response = await confirm(client, bob, intent_id)

        assert response.status_code == 404
        assert response.json()["error"] == "Payment not found"
        assert (await stored_booking(database, booking_id)).payment_status == "pending"

    async def test_an_unknown_intent_is_not_found(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await confirm(client, ada, "pi_unknown")

        assert response.status_code == 404

    async def test_anonymous_callers_are_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/payments/confirm", json={"payment_intent_id": "pi_unknown"}
        )

        assert response.status_code == 401
