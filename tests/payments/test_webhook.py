"""`POST /api/payments/webhook`: signed Stripe events, stored once, applied in any order.

Events are signed here the way Stripe signs them (`t=<unix>,v1=<HMAC-SHA256>`), with the
test secret; the signature's age is checked against the real time, so they carry it too.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from attune.models import Payment, PaymentProvider, WebhookEvent
from attune.payments.refunds import REFUND_JOB
from attune.platform.clock import Clock
from attune.platform.crypto import Encryptor
from attune.platform.database import Database
from attune.platform.job_model import Job
from attune.platform.settings import Settings
from tests.conftest import make_settings, run_jobs
from tests.payments.builders import confirm, open_intent
from tests.support.localstripe import (
    DECLINED_CARD,
    STRIPE_WEBHOOK_SECRET,
    pay_at_stripe,
    stripe_client,
    stripe_settings,
)
from tests.support.mailbox import Mailbox, SmtpServer
from tests.support.payments import room_released
from tests.support.people import Person, add_client
from tests.support.slots import add_slot

SECRET = "whsec_test_attune_webhooks"
PRICE = 10000
RECEIPT = "Receipt: your session"


@pytest.fixture
def clock() -> Clock:
    """Stripe's SDK checks a signature's age against the real time, so these tests use it."""
    return Clock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(
        tmp_path, database_url, smtp_url=smtp_server.url, stripe_webhook_secret=SECRET
    )


# Building and sending events


def signature(payload: bytes, *, secret: str = SECRET, at: float | None = None) -> str:
    timestamp = int(time.time() if at is None else at)
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(event_type: str, data: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "type": event_type,
        "data": {"object": data},
    }


def intent_event(
    event_type: str, intent_id: str, status: str, *, amount: int = PRICE, **fields: Any
) -> dict[str, Any]:
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "currency": "usd",
        "status": status,
        "metadata": {},
        **fields,
    }
    return event(event_type, intent)


def succeeded(intent_id: str, **fields: Any) -> dict[str, Any]:
    return intent_event("payment_intent.succeeded", intent_id, "succeeded", **fields)


def failed(intent_id: str, message: str = "Your card was declined.") -> dict[str, Any]:
    return intent_event(
        "payment_intent.payment_failed",
        intent_id,
        "requires_payment_method",
        last_payment_error={"message": message},
    )


def refunded(intent_id: str, amount_refunded: int) -> dict[str, Any]:
    charge = {
        "id": f"ch_{secrets.token_hex(8)}",
        "object": "charge",
        "payment_intent": intent_id,
        "amount": PRICE,
        "amount_refunded": amount_refunded,
        "currency": "usd",
        "refunded": amount_refunded == PRICE,
    }
    return event("charge.refunded", charge)


async def send(
    client: httpx.AsyncClient,
    body: dict[str, Any] | bytes,
    *,
    secret: str = SECRET,
    at: float | None = None,
    signed_body: bytes | None = None,
) -> httpx.Response:
    """POST an event as Stripe does; `signed_body` signs other bytes than those sent."""
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    header = signature(payload if signed_body is None else signed_body, secret=secret, at=at)
    return await client.post(
        "/api/payments/webhook",
        content=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )


# A booking with an open payment, as `POST /api/payments/intent` leaves it


async def unpaid_booking(
    client: httpx.AsyncClient, database: Database, settings: Settings, number: int = 1
) -> tuple[Person, int]:
    person = await add_client(database, settings, number)
    slot = await add_slot(database, datetime.now(UTC) + timedelta(days=3, hours=number))
    response = await client.post(
        "/api/bookings", json={"schedule_id": slot}, headers=person.headers
    )
    assert response.status_code == 201, response.text
    booking_id: int = response.json()["booking"]["id"]
    return person, booking_id


async def booking_with_intent(
    client: httpx.AsyncClient, database: Database, settings: Settings, number: int = 1
) -> tuple[Person, int, str]:
    person, booking_id = await unpaid_booking(client, database, settings, number)
    intent_id = f"pi_{secrets.token_hex(12)}"
    async with database.transaction() as session:
        session.add(
            Payment(
                booking_id=booking_id,
                user_id=person.id,
                provider=PaymentProvider.stripe,
                intent_id=intent_id,
                client_secret_encrypted=Encryptor.from_settings(settings).encrypt(
                    f"{intent_id}_secret_test"
                ),
                amount_cents=PRICE,
                currency="usd",
                status="requires_payment_method",
                amount_refunded_cents=0,
            )
        )
    return person, booking_id, intent_id


async def booking_of(client: httpx.AsyncClient, person: Person, booking_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/bookings/{booking_id}", headers=person.headers)
    assert response.status_code == 200, response.text
    booking: dict[str, Any] = response.json()["booking"]
    return booking


async def stored_payment(database: Database, intent_id: str) -> Payment:
    async with database.transaction(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.intent_id == intent_id))
    assert payment is not None
    return payment


async def stored_events(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(select(func.count()).select_from(WebhookEvent))
    return int(count or 0)


async def receipts(app: FastAPI, mailbox: Mailbox, person: Person) -> list[str]:
    await run_jobs(app)
    return [str(m["Subject"]) for m in mailbox.to(person.email) if RECEIPT in str(m["Subject"])]


class TestSignature:
    async def test_a_signed_event_is_applied(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)

        response = await send(client, succeeded(intent_id))

        assert response.status_code == 200
        assert response.json() == {"received": True, "duplicate": False}
        booking = await booking_of(client, person, booking_id)
        assert booking["payment_status"] == "succeeded"
        assert booking["payment_id"] == intent_id

    async def test_a_tampered_body_is_refused_and_changes_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        genuine = json.dumps(failed(intent_id)).encode()
        forged = succeeded(intent_id)

        response = await send(client, forged, signed_body=genuine)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid signature"
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"
        assert await stored_events(database) == 0

    async def test_a_wrong_secret_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)

        response = await send(client, succeeded(intent_id), secret="whsec_someone_else")

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid signature"
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"

    async def test_a_signature_older_than_300_seconds_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)

        response = await send(client, succeeded(intent_id), at=time.time() - 360)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid signature"
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"

    async def test_a_recent_signature_is_accepted(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        _, _, intent_id = await booking_with_intent(client, database, settings)

        response = await send(client, succeeded(intent_id), at=time.time() - 240)

        assert response.status_code == 200

    async def test_a_missing_signature_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)

        response = await client.post("/api/payments/webhook", json=succeeded(intent_id))

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid signature"
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"

    async def test_a_signed_body_that_is_not_json_is_refused_as_such(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await send(client, b"not json")

        assert response.status_code == 400
        assert response.json() == {
            "error": "Malformed event",
            "details": "The body is not JSON: a Stripe event is a JSON object",
        }
        assert await stored_events(database) == 0

    async def test_a_signed_body_that_is_not_utf8_is_refused_as_such(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await send(client, b'{"id": "evt_\xff"}')

        assert response.status_code == 400
        assert response.json()["error"] == "Malformed event"
        assert "UTF-8" in response.json()["details"]

    @pytest.mark.parametrize(
        ("body", "kind"),
        [(b"[]", "an array"), (b"10000", "a number"), (b'"evt_1"', "a string"), (b"null", "null")],
    )
    async def test_a_signed_body_that_is_not_an_object_is_refused(
        self, client: httpx.AsyncClient, database: Database, body: bytes, kind: str
    ) -> None:
        response = await send(client, body)

        assert response.status_code == 400
        assert response.json() == {
            "error": "Malformed event",
            "details": f"The body is {kind}: a Stripe event is a JSON object",
        }
        assert await stored_events(database) == 0

    async def test_a_signed_body_nested_beyond_reason_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await send(client, b"[" * 100_000 + b"]" * 100_000)

        assert response.status_code == 400
        assert response.json()["error"] == "Malformed event"


class TestNotConfigured:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(tmp_path, database_url, smtp_url=smtp_server.url)

    async def test_events_are_refused_without_a_webhook_secret(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)

        response = await send(client, succeeded(intent_id))

        assert response.status_code == 503
        assert response.json()["error"] == "Stripe webhooks are not configured"
        assert "ATTUNE_STRIPE_WEBHOOK_SECRET" in response.json()["details"]
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"


class TestReplay:
    async def test_a_replayed_event_changes_nothing_and_mails_once(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        person, _, intent_id = await booking_with_intent(client, database, settings)
        paid = succeeded(intent_id)

        first = await send(client, paid)
        again = await send(client, paid)

        assert first.json() == {"received": True, "duplicate": False}
        assert again.status_code == 200
        assert again.json() == {"received": True, "duplicate": True}
        assert len(await receipts(app, mailbox, person)) == 1

    async def test_a_replay_after_a_later_event_does_not_undo_it(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        paid = succeeded(intent_id)
        await send(client, paid)
        await send(client, refunded(intent_id, PRICE))

        await send(client, paid)

        assert (await booking_of(client, person, booking_id))["payment_status"] == "refunded"

    async def test_concurrent_deliveries_of_one_event_apply_it_once(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        person, _, intent_id = await booking_with_intent(client, database, settings)
        paid = succeeded(intent_id)

        responses = await asyncio.gather(*(send(client, paid) for _ in range(6)))

        assert all(response.status_code == 200 for response in responses)
        assert [r.json()["duplicate"] for r in responses].count(False) == 1
        assert len(await receipts(app, mailbox, person)) == 1


class TestPaymentSucceeded:
    async def test_releases_the_meeting_link_and_mails_a_receipt(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        assert not await room_released(client, person, booking_id)

        await send(client, succeeded(intent_id))

        assert await room_released(client, person, booking_id)
        assert len(await receipts(app, mailbox, person)) == 1

    async def test_an_amount_other_than_the_price_is_not_taken_as_payment(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)

        response = await send(client, succeeded(intent_id, amount=100))

        assert response.status_code == 200
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"
        assert await receipts(app, mailbox, person) == []

    async def test_an_intent_that_is_not_ours_is_acknowledged_and_ignored(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, _ = await booking_with_intent(client, database, settings)

        response = await send(client, succeeded("pi_from_another_shop"))

        assert response.status_code == 200
        assert response.json()["received"] is True
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"

    async def test_a_payment_for_a_booking_cancelled_meanwhile_is_refunded(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        cancelled = await client.put(
            f"/api/bookings/{booking_id}/cancel", json=None, headers=person.headers
        )
        assert cancelled.status_code == 200

        await send(client, succeeded(intent_id))

        async with database.transaction(write=False) as session:
            jobs = list(await session.scalars(select(Job).where(Job.kind == REFUND_JOB)))
        assert [job.payload for job in jobs] == [
            {"booking_id": booking_id, "reason": "late_payment"}
        ]


class TestPaymentFailed:
    async def test_marks_the_booking_failed(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)

        await send(client, failed(intent_id, "Your card has insufficient funds."))

        assert (await booking_of(client, person, booking_id))["payment_status"] == "failed"
        payment = await stored_payment(database, intent_id)
        assert payment.failure_message == "Your card has insufficient funds."

    async def test_a_retry_that_succeeds_after_a_failure_pays(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, failed(intent_id))

        await send(client, succeeded(intent_id))

        assert (await booking_of(client, person, booking_id))["payment_status"] == "succeeded"


class TestOutOfOrder:
    async def test_a_late_failure_never_undoes_a_success(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, succeeded(intent_id))

        response = await send(client, failed(intent_id))

        assert response.status_code == 200
        booking = await booking_of(client, person, booking_id)
        assert booking["payment_status"] == "succeeded"
        assert await room_released(client, person, booking_id)
        assert (await stored_payment(database, intent_id)).failure_message is None
        assert len(await receipts(app, mailbox, person)) == 1

    async def test_a_late_cancellation_never_undoes_a_success(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, succeeded(intent_id))

        await send(client, intent_event("payment_intent.canceled", intent_id, "canceled"))

        assert (await booking_of(client, person, booking_id))["payment_status"] == "succeeded"

    async def test_a_refund_before_the_success_leaves_the_booking_refunded(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, refunded(intent_id, PRICE))

        await send(client, succeeded(intent_id))

        booking = await booking_of(client, person, booking_id)
        assert booking["payment_status"] == "refunded"
        assert not await room_released(client, person, booking_id)
        assert (await stored_payment(database, intent_id)).amount_refunded_cents == PRICE

    async def test_an_older_partial_refund_never_lowers_a_newer_one(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, succeeded(intent_id))
        await send(client, refunded(intent_id, PRICE))

        await send(client, refunded(intent_id, 2500))

        assert (await stored_payment(database, intent_id)).amount_refunded_cents == PRICE
        assert (await booking_of(client, person, booking_id))["payment_status"] == "refunded"


class TestChargeRefunded:
    async def test_a_full_refund_marks_the_booking_refunded(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, succeeded(intent_id))

        response = await send(client, refunded(intent_id, PRICE))

        assert response.status_code == 200
        assert (await booking_of(client, person, booking_id))["payment_status"] == "refunded"

    async def test_a_partial_refund_keeps_the_booking_paid(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, succeeded(intent_id))

        await send(client, refunded(intent_id, 2500))

        assert (await booking_of(client, person, booking_id))["payment_status"] == "succeeded"
        assert (await stored_payment(database, intent_id)).amount_refunded_cents == 2500

    async def test_a_refund_larger_than_the_charge_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        _, _, intent_id = await booking_with_intent(client, database, settings)
        await send(client, succeeded(intent_id))

        response = await send(client, refunded(intent_id, PRICE + 1))

        assert response.status_code == 400
        assert (await stored_payment(database, intent_id)).amount_refunded_cents == 0


class TestDispute:
    async def test_a_dispute_is_recorded_on_the_payment(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        await send(client, succeeded(intent_id))
        dispute = {
            "id": "dp_1",
            "object": "dispute",
            "charge": "ch_1",
            "payment_intent": intent_id,
            "amount": PRICE,
            "currency": "usd",
            "reason": "fraudulent",
            "status": "needs_response",
        }

        response = await send(client, event("charge.dispute.created", dispute))

        assert response.status_code == 200
        assert (await stored_payment(database, intent_id)).disputed_at is not None
        assert (await booking_of(client, person, booking_id))["payment_status"] == "succeeded"


class TestOtherEvents:
    async def test_an_unknown_type_is_acknowledged_and_stored(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        customer = event("customer.created", {"id": "cus_1", "object": "customer"})

        first = await send(client, customer)
        again = await send(client, customer)

        assert first.status_code == 200
        assert first.json() == {"received": True, "duplicate": False}
        assert again.json() == {"received": True, "duplicate": True}

    async def test_an_event_without_an_id_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        nameless = event("customer.created", {"id": "cus_1"})
        del nameless["id"]

        response = await send(client, nameless)

        assert response.status_code == 400
        assert response.json()["details"] == "An event needs an id and a type"
        assert await stored_events(database) == 0

    async def test_a_malformed_object_is_refused_and_not_stored(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        broken = event("payment_intent.succeeded", {"id": intent_id, "status": "succeeded"})

        response = await send(client, broken)

        assert response.status_code == 400
        assert await stored_events(database) == 0
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"


class TestOutOfRange:
    """Signed events whose values no Stripe object has: refused before anything is stored."""

    @pytest.mark.parametrize("number", ["1e400", "-1e400", "1.5", "true", '"10000"'])
    async def test_an_intent_amount_that_is_not_whole_cents_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, number: str
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        body = json.dumps(succeeded(intent_id)).replace(f'"amount": {PRICE}', f'"amount": {number}')

        response = await send(client, body.encode())

        assert response.status_code == 400
        assert response.json()["error"] == "Malformed event"
        assert await stored_events(database) == 0
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"

    async def test_a_refunded_amount_of_1e400_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        _, _, intent_id = await booking_with_intent(client, database, settings)
        body = json.dumps(refunded(intent_id, PRICE)).replace(
            f'"amount_refunded": {PRICE}', '"amount_refunded": 1e400'
        )

        response = await send(client, body.encode())

        assert response.status_code == 400
        assert response.json()["error"] == "Malformed event"
        assert await stored_events(database) == 0

    @pytest.mark.parametrize("where", ["event id", "type", "intent id", "failure message"])
    async def test_a_nul_anywhere_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, where: str
    ) -> None:
        person, booking_id, intent_id = await booking_with_intent(client, database, settings)
        declined = failed(intent_id)
        if where == "event id":
            declined["id"] = "evt_a\x00b"
        elif where == "type":
            declined["type"] = "payment_intent.payment_failed\x00"
        elif where == "intent id":
            declined["data"]["object"]["id"] = f"{intent_id}\x00"
        else:
            declined["data"]["object"]["last_payment_error"]["message"] = "Declined\x00"

        response = await send(client, declined)

        assert response.status_code == 400
        assert response.json() == {
            "error": "Malformed event",
            "details": "The event contains a NUL character, which no Stripe event has",
        }
        assert await stored_events(database) == 0
        assert (await booking_of(client, person, booking_id))["payment_status"] == "pending"


class TestRace:
    async def test_two_success_events_for_one_intent_make_one_transition(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        people = []
        for number in range(1, 4):
            person, _, intent_id = await booking_with_intent(client, database, settings, number)
            people.append((person, intent_id))

        responses = await asyncio.gather(
            *(send(client, succeeded(intent_id)) for _, intent_id in people for _ in range(4))
        )

        assert all(response.status_code == 200 for response in responses)
        for person, _ in people:
            assert len(await receipts(app, mailbox, person)) == 1


class AgainstStripe:
    """Payments made at localstripe through the real SDK; events carry its objects as sent."""

    @pytest.fixture
    def settings(
        self, tmp_path: Path, database_url: str, smtp_server: SmtpServer, localstripe_url: str
    ) -> Settings:
        return stripe_settings(tmp_path, database_url, smtp_server.url, localstripe_url)


def stripe_event(event_type: str, stripe_object: Any) -> dict[str, Any]:
    data: dict[str, Any] = stripe_object.to_dict()
    return event(event_type, data)


class TestEventsFromStripe(AgainstStripe):
    async def test_a_payment_made_at_stripe_is_recorded_from_its_event(
        self,
        *,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        localstripe_url: str,
    ) -> None:
        person, booking_id = await unpaid_booking(client, database, settings)
        intent_id = await open_intent(client, person, booking_id)
        assert pay_at_stripe(localstripe_url, intent_id) == "succeeded"
        intent = stripe_client(localstripe_url).v1.payment_intents.retrieve(intent_id)

        response = await send(
            client,
            stripe_event("payment_intent.succeeded", intent),
            secret=STRIPE_WEBHOOK_SECRET,
        )

        assert response.status_code == 200
        booking = await booking_of(client, person, booking_id)
        assert booking["payment_status"] == "succeeded"
        assert await room_released(client, person, booking_id)
        assert len(await receipts(app, mailbox, person)) == 1

    async def test_a_declined_card_marks_the_booking_failed(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        person, booking_id = await unpaid_booking(client, database, settings)
        intent_id = await open_intent(client, person, booking_id)
        pay_at_stripe(localstripe_url, intent_id, DECLINED_CARD)
        intent = stripe_client(localstripe_url).v1.payment_intents.retrieve(intent_id)

        await send(
            client,
            stripe_event("payment_intent.payment_failed", intent),
            secret=STRIPE_WEBHOOK_SECRET,
        )

        assert (await booking_of(client, person, booking_id))["payment_status"] == "failed"
        assert (await stored_payment(database, intent_id)).failure_message == (
            "Your card was declined."
        )

    async def test_a_refund_made_at_stripe_is_recorded_from_its_event(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        localstripe_url: str,
    ) -> None:
        person, booking_id = await unpaid_booking(client, database, settings)
        intent_id = await open_intent(client, person, booking_id)
        pay_at_stripe(localstripe_url, intent_id)
        stripe = stripe_client(localstripe_url)
        await send(
            client,
            stripe_event("payment_intent.succeeded", stripe.v1.payment_intents.retrieve(intent_id)),
            secret=STRIPE_WEBHOOK_SECRET,
        )
        refund = stripe.v1.refunds.create(params={"payment_intent": intent_id, "amount": PRICE})
        charge = stripe.v1.charges.retrieve(str(refund.charge))

        await send(client, stripe_event("charge.refunded", charge), secret=STRIPE_WEBHOOK_SECRET)

        assert (await booking_of(client, person, booking_id))["payment_status"] == "refunded"
        assert (await stored_payment(database, intent_id)).amount_refunded_cents == PRICE


class TestWebhookAndConfirmRace(AgainstStripe):
    async def test_make_one_transition_and_one_receipt(
        self,
        *,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        localstripe_url: str,
    ) -> None:
        stripe = stripe_client(localstripe_url)
        paid: list[tuple[Person, int, dict[str, Any]]] = []
        for number in range(1, 4):
            person, booking_id = await unpaid_booking(client, database, settings, number)
            intent_id = await open_intent(client, person, booking_id)
            pay_at_stripe(localstripe_url, intent_id)
            intent = stripe.v1.payment_intents.retrieve(intent_id)
            paid.append((person, booking_id, stripe_event("payment_intent.succeeded", intent)))

        responses = await asyncio.gather(
            *(
                request
                for person, _, succeeded_event in paid
                for request in (
                    confirm(client, person, succeeded_event["data"]["object"]["id"]),
                    send(client, succeeded_event, secret=STRIPE_WEBHOOK_SECRET),
                )
            )
        )

        assert [response.status_code for response in responses] == [200] * 6, [
            response.text for response in responses
        ]
        for person, booking_id, _ in paid:
            assert (await booking_of(client, person, booking_id))["payment_status"] == "succeeded"
            assert len(await receipts(app, mailbox, person)) == 1


class TestRefundBeforeConfirm(AgainstStripe):
    async def test_a_confirm_after_a_full_refund_leaves_the_booking_refunded(
        self,
        *,
        app: FastAPI,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        localstripe_url: str,
    ) -> None:
        person, booking_id = await unpaid_booking(client, database, settings)
        intent_id = await open_intent(client, person, booking_id)
        pay_at_stripe(localstripe_url, intent_id)
        # Refunded in Stripe's dashboard, and its event arrives before anyone records the payment.
        await send(client, refunded(intent_id, PRICE), secret=STRIPE_WEBHOOK_SECRET)

        response = await confirm(client, person, intent_id)

        assert response.status_code == 200
        booking = await booking_of(client, person, booking_id)
        assert booking["payment_status"] == "refunded"
        assert booking["jitsi_room_url"] is None
        assert await receipts(app, mailbox, person) == []
