"""Refunds: money given back on a booking's payment, each one an outbox job with its own key.

A refund is written as a pending `Refund` row together with its `payments.refund` job, in the
transaction that decided it (a cancellation, an admin's request, a payment that arrived for a
cancelled booking). The job (attune.payments.jobs) sends it to the provider with the refund's
idempotency key, so a retried job never refunds twice, and attune.payments.settlement records
what the provider did.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings import repository as bookings
from attune.bookings.errors import BookingNotFound
from attune.bookings.events import BookingCancelled
from attune.bookings.payment_state import booking_payments
from attune.models import (
    Booking,
    IntentStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from attune.payments.gateways import DemoPayments, PaymentGateway, gateway_for
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.errors import BadRequest, Conflict
from attune.platform.jobs import enqueue
from attune.platform.policy import Permission
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork

logger = logging.getLogger("attune.payments")

REFUND_JOB = "payments.refund"
CANCELLED_BY_CLIENT = "cancelled_by_client"
CANCELLED_BY_PRACTICE = "cancelled_by_practice"
REQUESTED_BY_PRACTICE = "requested_by_practice"
LATE_PAYMENT = "late_payment"


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
    uow: UnitOfWork,
    booking: Booking,
    *,
    amount_cents: int | None,
    reason: str,
    requested_by: int | None,
    key: str,
) -> Refund:
    """Write a pending refund of the booking's payment and queue its job, in the caller's
    transaction; `amount_cents` defaults to all that is left. A `key` used before returns
    that refund again, so a retried caller never asks twice."""
    session, now = uow.session, uow.now
    earlier = await session.scalar(select(Refund).where(Refund.idempotency_key == key))
    if earlier is not None:
        return earlier
    payment = await _locked_payment(uow, booking)
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
    uow: UnitOfWork, booking: Booking, *, reason: str, requested_by: int | None, key: str
) -> Refund | None:
    """Refund all that is left of a paid booking's payment; None when nothing is left."""
    if booking.payment_status != PaymentStatus.succeeded:
        return None
    try:
        return await request_refund(
            uow, booking, amount_cents=None, reason=reason, requested_by=requested_by, key=key
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
        uow,
        booking,
        reason=CANCELLED_BY_PRACTICE if event.by_practice else CANCELLED_BY_CLIENT,
        requested_by=event.requested_by,
        key=f"refund:booking:{booking.id}:cancellation",
    )


async def refund_for_practice(
    uow: UnitOfWork, actor: Actor, booking_id: int, *, amount_cents: int | None
) -> Refund:
    """The practice's refund of part or all of what is left, whatever the booking's state."""
    policy.require(actor, Permission.refund)
    booking = await bookings.booking_by_id(uow.session, booking_id)
    if booking is None or not policy.may_see(actor, booking.user_id, booking.therapist_id):
        raise BookingNotFound()
    if booking.payment_status not in (PaymentStatus.succeeded, PaymentStatus.refunded):
        raise BookingNotPaid(details=f"Its payment is {booking.payment_status}.")
    payment = await _locked_payment(uow, booking)
    # Numbered under the payment's lock: each refund the practice asks for is a new one.
    number = await uow.session.scalar(
        select(func.count()).select_from(Refund).where(Refund.payment_id == payment.id)
    )
    refund = await request_refund(
        uow,
        booking,
        amount_cents=amount_cents,
        reason=REQUESTED_BY_PRACTICE,
        requested_by=actor.user_id,
        key=f"refund:payment:{payment.id}:{(number or 0) + 1}",
    )
    uow.audit(
        actor,
        AuditAction.booking_refunded,
        AuditTarget.booking,
        booking_id,
        owner_id=booking.user_id,
        refund_id=refund.id,
        amount_cents=refund.amount_cents,
    )
    return refund


async def left_to_refund(uow: UnitOfWork, actor: Actor, booking_id: int) -> int:
    """What the practice may still refund of a booking's payment (0 when it was not paid):
    what a refund form offers by default. Read without locks; the refund itself checks again."""
    policy.require(actor, Permission.refund)
    booking = await bookings.booking_by_id(uow.session, booking_id)
    if booking is None or not policy.may_see(actor, booking.user_id, booking.therapist_id):
        raise BookingNotFound()
    if booking.payment_id is None or booking.payment_status not in (
        PaymentStatus.succeeded,
        PaymentStatus.refunded,
    ):
        return 0
    payment = await uow.session.scalar(
        select(Payment).where(
            Payment.intent_id == booking.payment_id,
            Payment.booking_id == booking.id,
            Payment.status == IntentStatus.succeeded,
        )
    )
    return 0 if payment is None else max(await refundable_cents(uow.session, payment), 0)


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


async def _locked_payment(uow: UnitOfWork, booking: Booking) -> Payment:
    """The payment that paid the booking, locked so that two refunds of it wait for each other
    (PostgreSQL; SQLite's write transactions already run one at a time). The booking is
    locked first: every writer of both takes the booking before its payment."""
    session = uow.session
    await booking_payments.lock(uow, booking.id)
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
