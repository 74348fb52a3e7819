"""Every query of payments, refunds and webhook events (docs/architecture.md, "Packages").

Each change of state is one conditional UPDATE that names the states it may leave, so a
confirm and a webhook racing for one intent make one transition, and events arriving in any
order never move a payment or a booking backwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import (
    IntentStatus,
    Payment,
    WebhookEvent,
)
from attune.platform.database import execute_bulk, insert_ignoring_duplicates


async def payment_by_intent(session: AsyncSession, intent_id: str) -> Payment | None:
    payment: Payment | None = await session.scalar(
        select(Payment).where(Payment.intent_id == intent_id)
    )
    return payment


async def lock_payment(session: AsyncSession, payment_id: int) -> Payment:
    """The payment, read afresh and locked until the transaction ends (PostgreSQL; SQLite's
    write transactions already run one at a time): whoever changes what is left of a payment
    (a refund asked for, settled, or reported by Stripe) holds this lock while it reads and
    writes, so none of them decides on a sum that another is changing."""
    result = await session.scalars(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.one()


async def open_payment_of_booking(session: AsyncSession, booking_id: int) -> Payment | None:
    """The booking's newest intent that can still be paid, if any."""
    payment: Payment | None = await session.scalar(
        select(Payment)
        .where(
            Payment.booking_id == booking_id,
            Payment.status.not_in((IntentStatus.succeeded, IntentStatus.canceled)),
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    return payment


async def payment_count_of_booking(session: AsyncSession, booking_id: int) -> int:
    """How many intents the booking has had: numbers the next one's idempotency key."""
    count: int = (
        await session.scalar(
            select(func.count()).select_from(Payment).where(Payment.booking_id == booking_id)
        )
        or 0
    )
    return count


async def succeeded_payment_of_booking(session: AsyncSession, booking_id: int) -> Payment | None:
    payment: Payment | None = await session.scalar(
        select(Payment).where(
            Payment.booking_id == booking_id, Payment.status == IntentStatus.succeeded
        )
    )
    return payment


async def update_payment(
    session: AsyncSession, payment_id: int, *, leaving: tuple[IntentStatus, ...], values: Any
) -> Payment | None:
    """Change a payment only if it is in one of the states `leaving`; None if it was not."""
    result = await session.scalars(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(leaving))
        .values(**values)
        .returning(Payment)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return result.one_or_none()


async def raise_refunded_amount(
    session: AsyncSession, payment_id: int, refunded_cents: int, now: datetime
) -> Payment | None:
    """Record that `refunded_cents` in all have been refunded; never lowers what is recorded."""
    result = await session.scalars(
        update(Payment)
        .where(Payment.id == payment_id, Payment.amount_refunded_cents < refunded_cents)
        .values(amount_refunded_cents=refunded_cents, updated_at=now)
        .returning(Payment)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return result.one_or_none()


async def record_event(
    session: AsyncSession, event_id: str, event_type: str, object_id: str | None, now: datetime
) -> bool:
    """Store a webhook event by its id; False if it was stored before (a replay)."""
    result = await execute_bulk(
        session,
        insert_ignoring_duplicates(
            session,
            WebhookEvent,
            {"id": event_id, "type": event_type, "object_id": object_id, "received_at": now},
            unique="id",
        ),
    )
    return bool(result.rowcount)


async def mark_disputed(session: AsyncSession, intent_id: str, now: datetime) -> Payment | None:
    """Stamp the first dispute on the intent's payment; None if unknown or disputed before."""
    result = await session.scalars(
        update(Payment)
        .where(Payment.intent_id == intent_id, Payment.disputed_at.is_(None))
        .values(disputed_at=now, updated_at=now)
        .returning(Payment)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return result.one_or_none()
