"""A booking paid as the payments integration records it, for tests about something else."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import httpx
from sqlalchemy import update

from attune.models import Booking, IntentStatus, Payment, PaymentProvider, PaymentStatus
from attune.platform.database import Database
from tests.support.people import Person


async def record_paid(
    database: Database, booking_id: int, *, succeeded_at: datetime | None = None
) -> str:
    """A succeeded (demo) payment for the booking's price; returns the intent id."""
    async with database.transaction() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        # The demo gateway reads amount and currency from the id, so refunds of it work.
        intent_id = f"pi_demo_{secrets.token_hex(8)}_{booking.amount_cents}_{booking.currency}"
        session.add(
            Payment(
                booking_id=booking.id,
                user_id=booking.user_id,
                provider=PaymentProvider.demo,
                intent_id=intent_id,
                client_secret_encrypted="unused in tests",
                amount_cents=booking.amount_cents,
                currency=booking.currency,
                status=IntentStatus.succeeded,
                succeeded_at=succeeded_at or datetime.now(UTC),
            )
        )
        await session.execute(
            update(Booking)
            .where(Booking.id == booking_id)
            .values(payment_status=PaymentStatus.succeeded, payment_id=intent_id)
        )
    return intent_id


async def room_released(client: httpx.AsyncClient, person: Person, booking_id: int) -> bool:
    """Whether the booking's room is released to its client (paid, or payments are off): its
    meeting is no longer `pending`. The link itself comes only with the join window."""
    response = await client.get(f"/api/bookings/{booking_id}/meeting", headers=person.headers)
    assert response.status_code == 200, response.text
    return bool(response.json()["meeting_status"] != "pending")
