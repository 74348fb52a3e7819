"""Settling refunds: what the provider did with a refund, recorded once, and the booking and
the client told.

The refund job (attune.payments.jobs) sends a pending refund to the provider and hands the
answer here; a refund reported by Stripe's webhook is settled here too. Every change of what
is left of a payment is made under the booking's lock and then the payment's, the order in
which a cancellation takes them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings import mail as booking_mail
from attune.bookings.payment_state import booking_payments
from attune.integrations.stripe import RefundResult
from attune.models import Booking, IntentStatus, Payment, Refund, RefundStatus, User
from attune.notifications.mail import queue_mail
from attune.payments import repository as payments
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork

logger = logging.getLogger("attune.payments")

# Stripe's refund states that mean the money is not coming back; "pending" means it is on its way.
REFUND_NOT_MADE = frozenset({"failed", "canceled"})


async def record_error(session: AsyncSession, refund_id: int, message: str, now: datetime) -> None:
    await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == RefundStatus.pending)
        .values(last_error=message[:500], updated_at=now)
    )


async def settle(uow: UnitOfWork, refund_id: int, result: RefundResult) -> Refund | None:
    """Record what the provider did with a refund; None when it was recorded before.

    Under the payment's row lock, as every change of what is left of a payment is: two refunds
    settled at once would each sum the succeeded ones without the other's and record too little.
    """
    session, now = uow.session, uow.now
    pending = await session.get(Refund, refund_id)
    if pending is None:
        return None
    # The booking before the payment, as a cancellation takes them (it locks the booking, then
    # refunds the payment): in the other order the two could deadlock on PostgreSQL.
    await booking_payments.lock(uow, pending.booking_id)
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
    await settle_booking(uow, payment)
    await _queue_refund_mail(session, uow.settings, refund, payment)
    return refund


async def settle_booking(uow: UnitOfWork, payment: Payment) -> bool:
    """A paid booking whose whole payment has come back is refunded, whichever of the success
    and the refunds was recorded first; True when the payment is refunded in full. The caller
    holds the booking's lock, then the payment's."""
    if payment.status != IntentStatus.succeeded:
        return False
    if payment.amount_refunded_cents < payment.amount_cents:
        return False
    await booking_payments.mark_refunded(uow, payment.booking_id, payment.intent_id)
    return True


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
