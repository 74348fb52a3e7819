"""Refunds: money given back on a booking's payment, each one an outbox job with its own key.

A refund is written as a pending `Refund` row together with its `payments.refund` job, in the
transaction that decided it (a cancellation, an admin's request, a payment that arrived for a
cancelled booking). The job (attune.payments.jobs) sends it to the provider with the refund's
idempotency key, so a retried job never refunds twice, and then, in one transaction, marks it
succeeded, raises the payment's refunded amount, settles the booking once all of it is back
and mails the client.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings import mail as booking_mail
from attune.bookings import repository as bookings
from attune.bookings.errors import BookingNotFound
from attune.bookings.events import BookingCancelled
from attune.integrations.stripe import RefundResult
from attune.models import (
    Booking,
    IntentStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
    User,
)
from attune.notifications.mail import queue_mail
from attune.payments import repository as payments
from attune.payments.gateways import DemoPayments, PaymentGateway, gateway_for
from attune.platform.errors import BadRequest, Conflict
from attune.platform.jobs import enqueue
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork

logger = logging.getLogger("attune.payments")

REFUND_JOB = "payments.refund"
CANCELLED_BY_CLIENT = "cancelled_by_client"
CANCELLED_BY_PRACTICE = "cancelled_by_practice"
REQUESTED_BY_PRACTICE = "requested_by_practice"
LATE_PAYMENT = "late_payment"
# Stripe's refund states that mean the money is not coming back; "pending" means it is on its way.
REFUND_NOT_MADE = frozenset({"failed", "canceled"})


class BookingNotPaid(Conflict):
    error = "This booking has not been paid"
    details = "Only a paid booking can be refunded."


class NothingToRefund(Conflict):
    error = "Nothing is left to refund on this booking"
    details = "The booking has been refunded in full."


class RefundTooLarge(BadRequest):
    error = "The refund is larger than what is left to refund"
    details = "Send at most what is left, or leave `amount_cents` out to refund all of it."


class ProviderNotConfigured(RuntimeError):
    """A Stripe payment to refund, but no Stripe key configured: the job retries, then fails."""


def gateway_of(settings: Settings, provider: PaymentProvider) -> PaymentGateway:
    """The gateway that took a payment: a demo payment is never sent to Stripe, nor the reverse."""
    if provider == PaymentProvider.demo:
        return DemoPayments()
    if settings.payments_demo:
        raise ProviderNotConfigured("a Stripe payment needs ATTUNE_STRIPE_SECRET_KEY")
    return gateway_for(settings)


async def request_refund(
    session: AsyncSession,
    settings: Settings,
    booking: Booking,
    *,
    amount_cents: int | None,
    reason: str,
    requested_by: int | None,
    key: str,
    now: datetime,
) -> Refund:
    """Write a pending refund of the booking's payment and queue its job, in the caller's
    transaction; `amount_cents` defaults to all that is left. A `key` used before returns
    that refund again, so a retried caller never asks twice."""
    earlier = await session.scalar(select(Refund).where(Refund.idempotency_key == key))
    if earlier is not None:
        return earlier
    payment = await _locked_payment(session, booking)
    left = await refundable_cents(session, payment)
    if left <= 0:
        raise NothingToRefund()
    amount = left if amount_cents is None else amount_cents
    if not 1 <= amount <= left:
        raise RefundTooLarge(
            details=f"{left} (integer cents, {payment.currency}) is left to refund; "
            "send at most that, or leave amount_cents out to refund all of it."
        )
    refund = Refund(
        payment_id=payment.id,
        booking_id=booking.id,
        amount_cents=amount,
        reason=reason,
        status=RefundStatus.pending,
        idempotency_key=key,
        requested_by=requested_by,
        created_at=now,
        updated_at=now,
    )
    session.add(refund)
    await session.flush()
    await enqueue(session, REFUND_JOB, {"refund_id": refund.id}, key=key)
    return refund


async def refund_rest(
    session: AsyncSession,
    settings: Settings,
    booking: Booking,
    *,
    reason: str,
    requested_by: int | None,
    key: str,
    now: datetime,
) -> Refund | None:
    """Refund all that is left of a paid booking's payment; None when nothing is left."""
    if booking.payment_status != PaymentStatus.succeeded:
        return None
    try:
        return await request_refund(
            session,
            settings,
            booking,
            amount_cents=None,
            reason=reason,
            requested_by=requested_by,
            key=key,
            now=now,
        )
    except (BookingNotPaid, NothingToRefund):
        return None


async def refund_cancelled_booking(uow: UnitOfWork, event: BookingCancelled) -> None:
    """What is left of a cancelled booking's payment goes back, in the cancellation's own
    transaction, unless its client cancelled late (attune.bookings.policy)."""
    if not event.refund_due:
        return
    booking = await bookings.booking_by_id(uow.session, event.booking_id)
    if booking is None:
        return
    await refund_rest(
        uow.session,
        uow.settings,
        booking,
        reason=CANCELLED_BY_PRACTICE if event.by_practice else CANCELLED_BY_CLIENT,
        requested_by=event.requested_by,
        key=f"refund:booking:{booking.id}:cancellation",
        now=uow.now,
    )


async def refund_for_practice(
    session: AsyncSession,
    settings: Settings,
    booking_id: int,
    admin: User,
    *,
    amount_cents: int | None,
    now: datetime,
) -> Refund:
    """An admin's refund of part or all of what is left, whatever the booking's state."""
    booking = await bookings.booking_by_id(session, booking_id)
    if booking is None:
        raise BookingNotFound()
    if booking.payment_status not in (PaymentStatus.succeeded, PaymentStatus.refunded):
        raise BookingNotPaid(details=f"Its payment is {booking.payment_status}.")
    payment = await _locked_payment(session, booking)
    # Numbered under the payment's lock: each refund the practice asks for is a new one.
    number = await session.scalar(
        select(func.count()).select_from(Refund).where(Refund.payment_id == payment.id)
    )
    return await request_refund(
        session,
        settings,
        booking,
        amount_cents=amount_cents,
        reason=REQUESTED_BY_PRACTICE,
        requested_by=admin.id,
        key=f"refund:payment:{payment.id}:{(number or 0) + 1}",
        now=now,
    )


async def queue_late_payment_refund(session: AsyncSession, booking_id: int) -> None:
    """Money arrived for a booking cancelled meanwhile: all of it goes back. The job writes
    the refund row itself; the key is shared by confirm, the webhook and the hold sweep, so
    whichever of them saw the payment first queues it."""
    await enqueue(
        session,
        REFUND_JOB,
        {"booking_id": booking_id, "reason": LATE_PAYMENT},
        key=f"refund:booking:{booking_id}:{LATE_PAYMENT}",
    )


async def refundable_cents(session: AsyncSession, payment: Payment) -> int:
    """What is left of a payment: neither refunded nor already asked for."""
    asked: int = (
        await session.scalar(
            select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
                Refund.payment_id == payment.id, Refund.status == RefundStatus.pending
            )
        )
        or 0
    )
    return payment.amount_cents - payment.amount_refunded_cents - asked


async def record_error(session: AsyncSession, refund_id: int, message: str, now: datetime) -> None:
    await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == RefundStatus.pending)
        .values(last_error=message[:500], updated_at=now)
    )


async def settle(
    session: AsyncSession, settings: Settings, refund_id: int, result: RefundResult, now: datetime
) -> Refund | None:
    """Record what the provider did with a refund; None when it was recorded before.

    Under the payment's row lock, as every change of what is left of a payment is: two refunds
    settled at once would each sum the succeeded ones without the other's and record too little.
    """
    pending = await session.get(Refund, refund_id)
    if pending is None:
        return None
    locked = await payments.lock_payment(session, pending.payment_id)
    if result.status in REFUND_NOT_MADE:
        failed = await _leave_pending(
            session,
            refund_id,
            status=RefundStatus.failed,
            last_error=f"The provider answered {result.status}",
            updated_at=now,
        )
        if failed is not None:
            logger.warning(
                "refund %s of booking %s was %s", refund_id, failed.booking_id, result.status
            )
        return failed
    refund = await _leave_pending(
        session,
        refund_id,
        status=RefundStatus.succeeded,
        provider_refund_id=result.id,
        succeeded_at=now,
        last_error=None,
        updated_at=now,
    )
    if refund is None:
        return None
    refunded: int = (
        await session.scalar(
            select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
                Refund.payment_id == refund.payment_id, Refund.status == RefundStatus.succeeded
            )
        )
        or 0
    )
    # The sum of our refunds, never lowering a larger total that Stripe reported by webhook
    # (refunds made in Stripe's dashboard are only known from there). When not raised, the
    # payment is as it was locked above: nobody can have changed it since.
    payment = (
        await payments.raise_refunded_amount(session, refund.payment_id, refunded, now) or locked
    )
    await settle_booking(session, payment, now)
    await _queue_refund_mail(session, settings, refund, payment)
    return refund


async def settle_booking(session: AsyncSession, payment: Payment, now: datetime) -> bool:
    """A paid booking whose whole payment has come back is refunded, whichever of the success
    and the refunds was recorded first; True when the payment is refunded in full."""
    if payment.status != IntentStatus.succeeded:
        return False
    if payment.amount_refunded_cents < payment.amount_cents:
        return False
    await payments.mark_booking_refunded(session, payment.booking_id, payment.intent_id, now)
    return True


async def _locked_payment(session: AsyncSession, booking: Booking) -> Payment:
    """The payment that paid the booking, locked so that two refunds of it wait for each other
    (PostgreSQL; SQLite's write transactions already run one at a time)."""
    payment: Payment | None = None
    if booking.payment_id is not None:
        payment = await session.scalar(
            select(Payment)
            .where(
                Payment.intent_id == booking.payment_id,
                Payment.booking_id == booking.id,
                Payment.status == IntentStatus.succeeded,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if payment is None:
        raise BookingNotPaid()
    return payment


async def _leave_pending(session: AsyncSession, refund_id: int, **values: object) -> Refund | None:
    result = await session.scalars(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == RefundStatus.pending)
        .values(**values)
        .returning(Refund)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return result.one_or_none()


async def _queue_refund_mail(
    session: AsyncSession, settings: Settings, refund: Refund, payment: Payment
) -> None:
    booking = await session.get(Booking, refund.booking_id)
    client = await session.get(User, payment.user_id)
    if booking is None or client is None:  # neither is ever deleted (ondelete RESTRICT)
        return
    context = booking_mail.booking_context(settings, booking, client)
    context.update(
        refunded_amount=_money(refund.amount_cents, payment.currency),
        paid_amount=_money(payment.amount_cents, payment.currency),
        fully_refunded=payment.amount_refunded_cents >= payment.amount_cents,
        refund_reference=refund.provider_refund_id,
        payment_reference=payment.intent_id,
    )
    await queue_mail(
        session,
        settings,
        to=client.email,
        template="payment_refunded",
        context=context,
        key=f"refund:{refund.id}:mail",
    )


def _money(cents: int, currency: str) -> str:
    return f"{cents // 100}.{cents % 100:02d} {currency.upper()}"
