"""Payment jobs: sending refunds, cancelling abandoned intents, and releasing unpaid holds.

Each provider call runs outside any transaction (a slow Stripe never holds a row lock), with an
idempotency key that is the same on every attempt; what it did is recorded afterwards by a
conditional UPDATE, so two runs of one job record it once. A provider error is raised, and the
worker retries with backoff until the job is parked as failed for the admin to see.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings import repository as bookings
from attune.bookings.payment_state import booking_payments
from attune.integrations.stripe import Intent, StripeError
from attune.models import Booking, IntentStatus, Payment, Refund, RefundStatus
from attune.payments import outcomes, refunds, settlement
from attune.payments import repository as payments
from attune.platform.actor import SYSTEM
from attune.platform.jobs import JobContext, JobRegistry, enqueue
from attune.platform.unit_of_work import UnitOfWork

logger = logging.getLogger("attune.payments")

CANCEL_INTENT_JOB = "payments.cancel_intent"
RELEASE_UNPAID_HOLDS = "payments.release_unpaid_holds"
BATCH_SIZE = 100
MAX_BATCHES_PER_RUN = 20


registry = JobRegistry()


@registry.job_handler(refunds.REFUND_JOB)
async def send_refund(context: JobContext, payload: dict[str, Any]) -> None:
    """Send a pending refund to the provider and record it.

    A payload `{"booking_id", "reason"}` (a payment that arrived for a cancelled booking)
    first writes the booking's full refund, under this job's own key, then sends it.
    """
    refund_id = payload.get("refund_id")
    if refund_id is None:
        refund_id = await _refund_of_booking(context, int(payload["booking_id"]), payload["reason"])
        if refund_id is None:
            return
    async with context.database.transaction(write=False) as session:
        refund = await session.get(Refund, refund_id)
        payment = await session.get(Payment, refund.payment_id) if refund is not None else None
    if refund is None or payment is None or refund.status != RefundStatus.pending:
        return
    gateway = refunds.gateway_of(context.settings, payment.provider)
    try:
        result = await gateway.refund(
            payment.intent_id,
            amount_cents=refund.amount_cents,
            idempotency_key=refund.idempotency_key,
        )
    except StripeError as error:
        async with context.database.transaction() as session:
            await settlement.record_error(session, refund.id, str(error), context.clock.now())
        raise
    async with _work(context) as uow:
        await settlement.settle(uow, refund.id, result)


@registry.job_handler(CANCEL_INTENT_JOB)
async def cancel_intent(context: JobContext, payload: dict[str, Any]) -> None:
    """Cancel an intent at the provider, so that a stale browser cannot pay a released hold.

    The client may have paid it in the last moment; Stripe then refuses to cancel it, and the
    success is recorded instead, which refunds it as a late payment.
    """
    intent_id = str(payload["intent_id"])
    async with context.database.transaction(write=False) as session:
        payment = await payments.payment_by_intent(session, intent_id)
    if payment is None or not payment.is_open:
        return
    gateway = refunds.gateway_of(context.settings, payment.provider)
    intent: Intent
    try:
        intent = await gateway.cancel_intent(intent_id, idempotency_key=f"{intent_id}:cancel")
    except StripeError:
        intent = await gateway.retrieve_intent(intent_id)
        if intent.status != IntentStatus.succeeded:
            raise
    async with _work(context) as uow:
        # A payment that won the race against this cancel is refunded by record_intent.
        await outcomes.record_intent(uow, intent)


@registry.periodic(RELEASE_UNPAID_HOLDS, every=timedelta(minutes=1))
async def release_unpaid_holds(context: JobContext, _payload: dict[str, Any]) -> None:
    """Cancel the bookings left unpaid past ATTUNE_PAYMENT_HOLD_MINUTES, while payments are
    required: their seats go back, their clients are mailed, their open intents cancelled.

    In batches, each in its own short transaction; a run stops after `MAX_BATCHES_PER_RUN`
    and leaves the rest to the next one a minute later.
    """
    if not context.settings.payments_required:
        return
    now = context.clock.now()
    for _ in range(MAX_BATCHES_PER_RUN):
        async with _work(context, now) as uow:
            released = await booking_payments.release_unpaid_holds(uow, SYSTEM, limit=BATCH_SIZE)
            await _cancel_open_intents(uow.session, released)
        if len(released) < BATCH_SIZE:
            break


async def _refund_of_booking(context: JobContext, booking_id: int, reason: str) -> int | None:
    async with _work(context) as uow:
        booking = await bookings.booking_by_id(uow.session, booking_id)
        if booking is None:
            logger.warning("refund of unknown booking %s: nothing to do", booking_id)
            return None
        refund = await refunds.refund_rest(
            uow,
            booking,
            reason=reason,
            requested_by=None,
            # This job's own key: the refund's job is this one (its enqueue is a no-op).
            key=f"refund:booking:{booking_id}:{reason}",
        )
    if refund is None:
        logger.info("booking %s has nothing left to refund", booking_id)
        return None
    return refund.id


def _work(
    context: JobContext, now: datetime | None = None
) -> AbstractAsyncContextManager[UnitOfWork]:
    """A unit of work for the system, in a transaction of its own."""
    return context.unit_of_work(now)


async def _cancel_open_intents(session: AsyncSession, released: Sequence[Booking]) -> None:
    if not released:
        return
    intent_ids = await session.scalars(
        select(Payment.intent_id).where(
            Payment.booking_id.in_([booking.id for booking in released]),
            Payment.status.in_((*outcomes.OPEN, IntentStatus.failed)),
        )
    )
    for intent_id in intent_ids:
        await enqueue(
            session, CANCEL_INTENT_JOB, {"intent_id": intent_id}, key=f"payment:{intent_id}:cancel"
        )
