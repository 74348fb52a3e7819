"""`POST /api/payments/intent`: at the booking's price, for its owner, at most one open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attune.app import create_app
from attune.integrations.stripe import NETWORK_RETRIES, StripeError, StripeGateway
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import book, cancel, later
from tests.conftest import http_client
from tests.payments.builders import (
    booked,
    confirm,
    create_intent,
    open_intent,
    payments_of,
)
from tests.support.live_server import live_client, live_server
from tests.support.localstripe import pay_at_stripe, stripe_client, stripe_settings
from tests.support.mailbox import SmtpServer, free_port
from tests.support.people import Person, add_client, add_person
from tests.support.slots import add_slot


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, smtp_server: SmtpServer, localstripe_url: str
) -> Settings:
    return stripe_settings(tmp_path, database_url, smtp_server.url, localstripe_url)


class TestCreateIntent:
    async def test_answers_in_seed_000_shape_at_the_booking_price(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await create_intent(client, ada, booking_id)

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Payment intent created successfully"
        assert body["payment_intent"].startswith("pi_")
        assert body["client_secret"].startswith(body["payment_intent"])
        assert body["amount"] == 10000
        assert body["currency"] == "usd"
        assert body["status"] == "requires_payment_method"
        assert body["booking_id"] == booking_id
        assert body["mode"] == "stripe"

    async def test_the_intent_at_stripe_names_the_booking(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        intent_id = await open_intent(client, ada, booking_id)

        intent = stripe_client(localstripe_url).v1.payment_intents.retrieve(intent_id)
        assert intent.amount == 10000
        assert intent.metadata["booking_id"] == str(booking_id)
        assert intent.metadata["user_id"] == str(ada.id)

    async def test_seed_000_body_with_the_booking_price_is_accepted(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await create_intent(client, ada, booking_id, amount=10000, currency="USD")

        assert response.status_code == 201
        assert response.json()["amount"] == 10000

    async def test_asking_again_returns_the_same_open_intent(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        first = (await create_intent(client, ada, booking_id)).json()
        second = (await create_intent(client, ada, booking_id)).json()

        assert second["payment_intent"] == first["payment_intent"]
        assert second["client_secret"] == first["client_secret"]
        assert len(await payments_of(database, booking_id)) == 1

    async def test_the_client_secret_is_stored_encrypted(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        secret = (await create_intent(client, ada, booking_id)).json()["client_secret"]

        [payment] = await payments_of(database, booking_id)
        assert secret not in payment.client_secret_encrypted


async def booked_at(
    client: httpx.AsyncClient, database: Database, person: Person, days: int, *, minutes: int = 60
) -> int:
    """A booking `days` ahead, of `minutes` (priced pro rata: 30 minutes cost 5000)."""
    slot = await add_slot(database, later(days=days), minutes=minutes)
    booking: dict[str, Any] = await book(client, person, slot)
    booking_id: int = booking["id"]
    return booking_id


async def seed_intent(
    client: httpx.AsyncClient, person: Person, body: dict[str, Any]
) -> httpx.Response:
    """Seed 000's request: an amount and a currency, no booking."""
    return await client.post("/api/payments/intent", json=body, headers=person.headers)


SEED_BODY = {"amount": 10000, "currency": "usd"}


class TestSeedBodyWithoutBooking:
    """Seed 000 names no booking: its body is taken when one unpaid booking has that price."""

    async def test_pays_the_one_unpaid_booking_at_that_price(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        await booked_at(client, database, ada, 3, minutes=30)
        hour = await booked_at(client, database, ada, 4)

        response = await seed_intent(client, ada, SEED_BODY)

        assert response.status_code == 201, response.text
        assert response.json()["booking_id"] == hour
        assert response.json()["amount"] == 10000
        assert [p.amount_cents for p in await payments_of(database, hour)] == [10000]

    async def test_paid_and_cancelled_bookings_are_not_candidates(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        ada = await add_client(database, settings)
        paid = await booked_at(client, database, ada, 3)
        intent_id = await open_intent(client, ada, paid)
        pay_at_stripe(localstripe_url, intent_id)
        assert (await confirm(client, ada, intent_id)).status_code == 200
        cancelled = await booked_at(client, database, ada, 4)
        assert (await cancel(client, ada, cancelled)).status_code == 200
        unpaid = await booked_at(client, database, ada, 5)

        response = await seed_intent(client, ada, SEED_BODY)

        assert response.status_code == 201, response.text
        assert response.json()["booking_id"] == unpaid

    async def test_two_unpaid_bookings_at_that_price_are_listed_not_guessed(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        first = await booked_at(client, database, ada, 3)
        second = await booked_at(client, database, ada, 4)

        response = await seed_intent(client, ada, SEED_BODY)

        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "Name the booking to pay with booking_id"
        assert "2 of your unpaid bookings cost 10000 usd" in body["details"]
        assert body["unpaid_bookings"] == [
            {
                "booking_id": first,
                "scheduled_at": "2026-03-05T09:00:00Z",
                "amount": 10000,
                "currency": "usd",
            },
            {
                "booking_id": second,
                "scheduled_at": "2026-03-06T09:00:00Z",
                "amount": 10000,
                "currency": "usd",
            },
        ]
        assert await payments_of(database, first) == []
        assert await payments_of(database, second) == []

    @pytest.mark.parametrize(
        ("body", "says"),
        [
            ({"amount": 5000, "currency": "usd"}, "None of your unpaid bookings costs 5000 usd"),
            ({"amount": 10000, "currency": "eur"}, "None of your unpaid bookings costs 10000 eur"),
            ({"currency": "usd"}, "Send booking_id"),
            ({}, "Send booking_id"),
        ],
    )
    async def test_no_booking_at_that_price_is_refused_listing_the_prices(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        body: dict[str, Any],
        says: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, 3)

        response = await seed_intent(client, ada, body)

        assert response.status_code == 400
        assert response.json()["error"] == "Name the booking to pay with booking_id"
        assert says in response.json()["details"]
        assert f"{booking_id} on 2026-03-05T09:00:00Z for 10000 usd" in response.json()["details"]
        [listed] = response.json()["unpaid_bookings"]
        assert (listed["booking_id"], listed["amount"]) == (booking_id, 10000)
        assert await payments_of(database, booking_id) == []

    async def test_another_clients_booking_is_never_chosen(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        bob = await add_client(database, settings, 2)
        bobs = await booked_at(client, database, bob, 3)

        response = await seed_intent(client, ada, SEED_BODY)

        assert response.status_code == 400
        assert response.json()["unpaid_bookings"] == []
        assert "You have no unpaid booking" in response.json()["details"]
        assert await payments_of(database, bobs) == []


class TestConcurrentIntents:
    @pytest.fixture
    async def live(self, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        async with live_server(app) as base_url, live_client(base_url) as client:
            yield client

    async def test_make_one_intent(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(live, database, ada)

        responses = await asyncio.gather(*(create_intent(live, ada, booking_id) for _ in range(8)))

        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["payment_intent"] for r in responses}) == 1
        assert len({r.json()["client_secret"] for r in responses}) == 1
        assert len(await payments_of(database, booking_id)) == 1


class TestThePriceIsThePractices:
    async def test_another_amount_is_refused_naming_the_price(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await create_intent(client, ada, booking_id, amount=100, currency="usd")

        assert response.status_code == 400
        assert response.json()["error"] == "The amount must be the booking's price"
        assert "10000" in response.json()["details"]
        assert await payments_of(database, booking_id) == []

    async def test_another_currency_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await create_intent(client, ada, booking_id, amount=10000, currency="eur")

        assert response.status_code == 400
        assert response.json()["error"] == "The currency must be the booking's currency"
        assert "usd" in response.json()["details"]
        assert await payments_of(database, booking_id) == []

    @pytest.mark.parametrize(
        "body",
        [
            {"booking_id": "one"},
            {"booking_id": 0},
            {"booking_id": 1, "amount": -1},
            {"booking_id": 1, "amount": 100.5},
            {"booking_id": 1, "currency": "dollars"},
            {"amount": "ten", "currency": "usd"},
        ],
    )
    async def test_malformed_bodies_are_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, body: object
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.post("/api/payments/intent", json=body, headers=ada.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"


class TestWhoMayPay:
    async def test_another_clients_booking_is_not_found(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        booking_id = await booked(client, database, ada)

        response = await create_intent(client, bob, booking_id)

        assert response.status_code == 404
        assert response.json()["error"] == "Booking not found"
        assert await payments_of(database, booking_id) == []

    async def test_an_unknown_booking_is_not_found(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await create_intent(client, ada, 4242)

        assert response.status_code == 404

    async def test_anonymous_callers_are_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await create_intent(client, None, booking_id)

        assert response.status_code == 401
        assert await payments_of(database, booking_id) == []

    async def test_an_unverified_address_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        unverified = await add_person(database, settings, email="new@example.com", verified=False)

        response = await create_intent(client, unverified, 1)

        assert response.status_code == 403


class TestWhatCanBePaid:
    async def test_a_cancelled_booking_cannot_be_paid(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        assert (await cancel(client, ada, booking_id)).status_code == 200

        response = await create_intent(client, ada, booking_id)

        assert response.status_code == 409
        assert response.json()["error"] == "Only a scheduled booking can be paid"
        assert response.json()["details"] == "This booking is cancelled."

    async def test_a_paid_booking_cannot_be_paid_again(
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
        assert (await confirm(client, ada, intent_id)).status_code == 200

        response = await create_intent(client, ada, booking_id)

        assert response.status_code == 409
        assert response.json()["error"] == "This booking is already paid"
        assert len(await payments_of(database, booking_id)) == 1

    @pytest.mark.parametrize("overrides", [{"payments_enabled": False}, {"session_price_cents": 0}])
    async def test_nothing_is_paid_when_the_practice_takes_no_payments(
        self,
        *,
        tmp_path: Path,
        database_url: str,
        database: Database,
        clock: FrozenClock,
        smtp_server: SmtpServer,
        localstripe_url: str,
        overrides: dict[str, object],
    ) -> None:
        free = stripe_settings(
            tmp_path, database_url, smtp_server.url, localstripe_url, **overrides
        )
        app = create_app(free, database=database, clock=clock)
        async with app.router.lifespan_context(app), http_client(app) as client:
            ada = await add_client(database, free)
            booking_id = await booked(client, database, ada)

            response = await create_intent(client, ada, booking_id)

        assert response.status_code == 409
        assert response.json()["error"] == "This practice does not take payments"


class TestStripeUnreachable:
    async def test_answers_502_and_stores_nothing(
        self,
        tmp_path: Path,
        database_url: str,
        database: Database,
        clock: FrozenClock,
        smtp_server: SmtpServer,
    ) -> None:
        nowhere = f"http://127.0.0.1:{free_port()}"
        offline = stripe_settings(tmp_path, database_url, smtp_server.url, nowhere)
        app = create_app(offline, database=database, clock=clock)
        async with app.router.lifespan_context(app), http_client(app) as client:
            ada = await add_client(database, offline)
            booking_id = await booked(client, database, ada)

            response = await create_intent(client, ada, booking_id)

        assert response.status_code == 502
        assert response.json()["error"] == "The payment provider could not be reached"
        assert await payments_of(database, booking_id) == []


class TestStripeSilent:
    async def test_a_server_that_never_answers_is_given_up_on(self) -> None:
        """Accepts the connection and says nothing: the gateway's timeout ends each try."""
        accepted: list[asyncio.StreamWriter] = []

        async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted.append(writer)

        server = await asyncio.start_server(hold, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        gateway = StripeGateway(
            "sk_test_silent", api_base=f"http://127.0.0.1:{port}", timeout_seconds=0.2
        )
        try:
            with pytest.raises(StripeError, match="APIConnectionError"):
                # The bound only turns a hang into a failure; the SDK's own default is 80 s.
                await asyncio.wait_for(
                    gateway.create_intent(
                        amount_cents=10000,
                        currency="usd",
                        metadata={},
                        idempotency_key="silent-1",
                    ),
                    timeout=30,
                )
        finally:
            for writer in accepted:
                writer.close()
            server.close()
            await server.wait_closed()

        assert len(accepted) == 1 + NETWORK_RETRIES
