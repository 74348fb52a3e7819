"""The Stripe-compatible server goes down while the service runs: paying answers 502 at once
with the error shape, and the booking waits, unpaid and unchanged, until it comes back.

(tests/payments/test_intent.py covers a provider that was never there; this one stops a live
one in the middle, with an intent already open at it.)
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from attune.app import create_app
from attune.models import PaymentStatus
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, later, stored_booking
from tests.payments.builders import confirm, create_intent, open_intent, payments_of
from tests.support.live_server import live_server
from tests.support.localstripe import running_localstripe, stripe_settings
from tests.support.mailbox import SmtpServer
from tests.support.people import Person, add_client
from tests.support.slots import add_slot

pytestmark = [pytest.mark.processes]

# Every request must be answered within this; a client that waits longer has failed.
ANSWER_SECONDS = 5.0
PROVIDER_DOWN = "The payment provider could not be reached"


@dataclass
class Practice:
    http: httpx.AsyncClient
    database: Database
    settings: Settings
    stripe: subprocess.Popen[bytes]


@pytest.fixture
async def practice(
    tmp_path: Path, database_url: str, database: Database, smtp_server: SmtpServer
) -> AsyncIterator[Practice]:
    with running_localstripe() as (stripe_url, stripe_process):
        settings = stripe_settings(tmp_path, database_url, smtp_server.url, stripe_url)
        app = create_app(settings, database=database, clock=FrozenClock(NOW))
        async with (
            live_server(app) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=ANSWER_SECONDS) as http,
        ):
            yield Practice(http, database, settings, stripe_process)


async def booking_at(practice: Practice, client: Person, days: int) -> int:
    slot_id = await add_slot(practice.database, later(days=days))
    booking = await book(practice.http, client, slot_id)
    booking_id: int = booking["id"]
    return booking_id


class TestStripeGoesDown:
    async def test_a_new_intent_answers_502_and_the_booking_stays_pending(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await booking_at(practice, ada, days=3)

        practice.stripe.terminate()
        practice.stripe.wait()
        response = await create_intent(practice.http, ada, booking_id)

        assert response.status_code in (502, 503)
        assert response.json()["error"] == PROVIDER_DOWN
        booking = await stored_booking(practice.database, booking_id)
        assert booking.payment_status == PaymentStatus.pending
        assert booking.payment_id is None
        assert await payments_of(practice.database, booking_id) == []

    async def test_confirming_an_open_intent_answers_502_and_changes_nothing(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await booking_at(practice, ada, days=4)
        intent_id = await open_intent(practice.http, ada, booking_id)

        practice.stripe.terminate()
        practice.stripe.wait()
        response = await confirm(practice.http, ada, intent_id)

        assert response.status_code in (502, 503)
        assert response.json()["error"] == PROVIDER_DOWN
        booking = await stored_booking(practice.database, booking_id)
        assert booking.payment_status == PaymentStatus.pending
        [payment] = await payments_of(practice.database, booking_id)
        assert payment.intent_id == intent_id
        assert payment.succeeded_at is None
