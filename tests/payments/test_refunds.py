"""Refunds through the real `stripe` SDK against localstripe: made once, shown, mailed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attune.payments.refunds import REFUND_JOB
from attune.platform.database import Database
from attune.platform.jobs import enqueue
from attune.platform.settings import Settings
from tests.bookings.builders import cancel
from tests.conftest import run_jobs
from tests.payments.builders import booked, booking_as_shown, confirm, open_intent
from tests.support.localstripe import pay_at_stripe, stripe_client, stripe_settings
from tests.support.mailbox import Mailbox, SmtpServer, text_body
from tests.support.people import Person, add_admin, add_client

REFUND_SUBJECT = "Refund:"


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, smtp_server: SmtpServer, localstripe_url: str
) -> Settings:
    return stripe_settings(tmp_path, database_url, smtp_server.url, localstripe_url)


async def paid_booking(
    client: httpx.AsyncClient, database: Database, person: Person, localstripe_url: str
) -> tuple[int, str]:
    """A booking three days ahead, paid with a good card at localstripe."""
    booking_id = await booked(client, database, person)
    intent_id = await open_intent(client, person, booking_id)
    pay_at_stripe(localstripe_url, intent_id)
    assert (await confirm(client, person, intent_id)).status_code == 200
    return booking_id, intent_id


def at_stripe(localstripe_url: str, intent_id: str) -> dict[str, Any]:
    """What Stripe holds of the intent's charge: amount refunded, and how many refunds."""
    stripe = stripe_client(localstripe_url)
    latest = stripe.v1.payment_intents.retrieve(intent_id).to_dict()["latest_charge"]
    # localstripe expands the charge where Stripe gives its id.
    charge_id = latest["id"] if isinstance(latest, dict) else latest
    charge = stripe.v1.charges.retrieve(charge_id).to_dict()
    refunds = stripe.v1.refunds.list(params={"payment_intent": intent_id}).data
    return {"amount_refunded": charge["amount_refunded"], "refunds": len(refunds)}


def refund_mails(mailbox: Mailbox, address: str) -> list[str]:
    return [
        text_body(message)
        for message in mailbox.to(address)
        if str(message["Subject"]).startswith(REFUND_SUBJECT)
    ]


class TestClientCancellation:
    async def test_the_payment_is_refunded_at_stripe(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id, intent_id = await paid_booking(client, database, ada, localstripe_url)

        assert (await cancel(client, ada, booking_id)).status_code == 200
        await run_jobs(app)

        assert at_stripe(localstripe_url, intent_id) == {"amount_refunded": 10000, "refunds": 1}

    async def test_the_booking_shows_the_refund(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id, _ = await paid_booking(client, database, ada, localstripe_url)

        cancelled = await cancel(client, ada, booking_id)
        await run_jobs(app)

        [pending] = cancelled.json()["booking"]["refunds"]
        assert pending["status"] == "pending"
        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "refunded"
        assert booking["amount_refunded"] == 100.0
        assert booking["amount_refunded_cents"] == 10000
        [refund] = booking["refunds"]
        assert refund["amount_cents"] == 10000
        assert refund["status"] == "succeeded"
        assert refund["reason"] == "cancelled_by_client"

    async def test_the_client_is_mailed_once(
        self,
        *,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id, _ = await paid_booking(client, database, ada, localstripe_url)

        await cancel(client, ada, booking_id)
        await run_jobs(app)
        await run_jobs(app)

        [mail] = refund_mails(mailbox, ada.email)
        assert "refunded 100.00 USD" in mail
        assert "refunded in full" in mail

    async def test_a_job_run_twice_refunds_once(
        self,
        *,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id, intent_id = await paid_booking(client, database, ada, localstripe_url)
        cancelled = await cancel(client, ada, booking_id)
        [refund] = cancelled.json()["booking"]["refunds"]
        await run_jobs(app)

        # The worker delivers at least once: the same job again, as after a lost lease.
        async with database.transaction() as session:
            await enqueue(session, REFUND_JOB, {"refund_id": refund["id"]})
        await run_jobs(app)

        assert at_stripe(localstripe_url, intent_id) == {"amount_refunded": 10000, "refunds": 1}
        assert len(refund_mails(mailbox, ada.email)) == 1


class TestPracticeRefunds:
    async def test_an_admin_cancellation_refunds_in_full(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id, intent_id = await paid_booking(client, database, ada, localstripe_url)

        response = await client.put(
            f"/api/admin/bookings/{booking_id}/cancel", headers=theo.headers
        )
        await run_jobs(app)

        assert response.status_code == 200
        assert at_stripe(localstripe_url, intent_id) == {"amount_refunded": 10000, "refunds": 1}
        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "refunded"
        assert [r["reason"] for r in booking["refunds"]] == ["cancelled_by_practice"]

    async def test_a_partial_refund_then_the_rest(
        self,
        *,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id, intent_id = await paid_booking(client, database, ada, localstripe_url)
        refund_url = f"/api/admin/bookings/{booking_id}/refund"

        part = await client.post(refund_url, json={"amount_cents": 2500}, headers=theo.headers)
        await run_jobs(app)
        after_part = await booking_as_shown(client, ada, booking_id)
        rest = await client.post(refund_url, headers=theo.headers)
        await run_jobs(app)

        assert part.status_code == 201
        assert after_part["payment_status"] == "succeeded"
        assert after_part["amount_refunded_cents"] == 2500
        assert rest.status_code == 201
        assert rest.json()["refund"]["amount_cents"] == 7500
        assert at_stripe(localstripe_url, intent_id) == {"amount_refunded": 10000, "refunds": 2}
        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "refunded"
        assert [r["amount_cents"] for r in booking["refunds"]] == [2500, 7500]
        assert len(refund_mails(mailbox, ada.email)) == 2
