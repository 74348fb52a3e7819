"""What an intent's state at Stripe means for its payment and its booking.

Confirm (`POST /api/payments/confirm`) and the webhook both land here with what Stripe says;
Stripe is the source of truth, never the client. Transitions only move forward:

    payment:  open (requires_*, processing) -> succeeded | failed -> (retry) succeeded;
              open | failed -> canceled
    booking:  pending -> failed -> succeeded -> refunded;  pending -> succeeded

so a late failure never undoes a success, and of two callers recording one success exactly
one makes the transition and queues the receipt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings import mail as booking_mail
from attune.bookings.payment_state import booking_payments
from attune.bookings.practice_notices import BookingChange, queue_practice_notices
from attune.integrations.stripe import Intent
from attune.models import (
    BookingStatus,
    IntentStatus,
    Payment,
    User,
)
from attune.payments import refunds, repository, settlement
from attune.platform.unit_of_work import UnitOfWork

logger = logging.getLogger("attune.payments")

OPEN = (
    IntentStatus.requires_payment_method,
    IntentStatus.requires_confirmation,
    IntentStatus.requires_action,
    IntentStatus.processing,
    IntentStatus.requires_capture,
)


@dataclass(frozen=True)
class Recorded:
    payment: Payment
    # True only for the caller that made the payment succeed (and queued the receipt).
    newly_succeeded: bool = False
    # A payment that arrived for a booking that was cancelled meanwhile (an expired hold):
    # its full refund has been queued.
    needs_refund: bool = False


async def record_intent(uow: UnitOfWork, intent: Intent) -> Recorded | None:
    """Record what Stripe says of an intent; None when the intent is not one of ours."""
    session, now = uow.session, uow.now
    payment = await repository.payment_by_intent(session, intent.id)
    if payment is None:
        return None
    if (intent.amount_cents, intent.currency) != (payment.amount_cents, payment.currency):
        # Never record money that is not the booking's price as its payment.
        logger.warning("intent %s: amount or currency differs from the booking's", intent.id)
        return Recorded(payment)
    if intent.status == IntentStatus.succeeded:
        return await _succeeded(uow, payment)
    if intent.status == IntentStatus.canceled:
        canceled = await repository.update_payment(
            session,
            payment.id,
            leaving=(*OPEN, IntentStatus.failed),
            values={"status": IntentStatus.canceled, "canceled_at": now, "updated_at": now},
        )
        return Recorded(canceled or await _reread(session, payment))
    if intent.failure_message is not None and intent.status == IntentStatus.requires_payment_method:
        return await _failed(uow, payment, intent.failure_message)
    if intent.status in OPEN:
        moved = await repository.update_payment(
            session,
            payment.id,
            leaving=OPEN,
            values={"status": intent.status, "updated_at": now},
        )
        return Recorded(moved or await _reread(session, payment))
    return Recorded(payment)


async def record_failure(uow: UnitOfWork, intent_id: str, message: str) -> Recorded | None:
    """A declined attempt (webhook `payment_intent.payment_failed`)."""
    payment = await repository.payment_by_intent(uow.session, intent_id)
    if payment is None:
        return None
    return await _failed(uow, payment, message)


async def _succeeded(uow: UnitOfWork, payment: Payment) -> Recorded:
    session, settings, now = uow.session, uow.settings, uow.now
    # The booking before the payment, as every writer of both takes them.
    await booking_payments.lock(uow, payment.booking_id)
    won = await repository.update_payment(
        session,
        payment.id,
        leaving=(*OPEN, IntentStatus.failed, IntentStatus.canceled),
        values={"status": IntentStatus.succeeded, "succeeded_at": now, "updated_at": now},
    )
    if won is None:
        # Recorded meanwhile by the other of confirm and webhook: answer with what it recorded.
        return Recorded(await _reread(session, payment))
    booking = await booking_payments.mark_paid(uow, won.booking_id, won.intent_id)
    if booking is None or booking.status == BookingStatus.cancelled:
        # Paid after the booking was cancelled (its hold expired): all of it goes back.
        await refunds.queue_late_payment_refund(session, won.booking_id)
        return Recorded(won, newly_succeeded=True, needs_refund=True)
    if await settlement.settle_booking(uow, won):
        # Refunded at the provider before the success was recorded: no receipt, no link.
        return Recorded(won, newly_succeeded=True)
    client = await session.get(User, booking.user_id)
    if client is not None:
        await booking_mail.queue_receipt(session, settings, booking, client, won)
        await queue_practice_notices(
            session, settings, booking, client, BookingChange.paid, payment=won
        )
    return Recorded(won, newly_succeeded=True)


async def _failed(uow: UnitOfWork, payment: Payment, message: str) -> Recorded:
    session, now = uow.session, uow.now
    await booking_payments.lock(uow, payment.booking_id)
    failed = await repository.update_payment(
        session,
        payment.id,
        leaving=OPEN,
        values={"status": IntentStatus.failed, "failure_message": message[:500], "updated_at": now},
    )
    if failed is not None:
        await booking_payments.mark_payment_failed(uow, failed.booking_id)
    return Recorded(failed or await _reread(session, payment))


async def _reread(session: AsyncSession, payment: Payment) -> Payment:
    """The payment as another transaction left it, when a conditional update found it moved."""
    await session.refresh(payment)
    return payment
