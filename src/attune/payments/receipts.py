"""What a booking's payment comes to, for its client to read: what cancelling it now would give
back, and the receipt of a paid booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from attune.bookings.service import booking_service
from attune.bookings.views import BookingView, CancellationPreview
from attune.models import IntentStatus, PaymentProvider, User
from attune.payments import repository as payments
from attune.payments.refunds import BookingNotPaid, refundable_cents
from attune.platform.actor import Actor
from attune.platform.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CancellationOutlook:
    """The terms of a cancellation now, and the amount it would refund: all that is left of
    the payment, as the refund the cancellation queues (attune.payments.refunds)."""

    preview: CancellationPreview
    refund_cents: int


@dataclass(frozen=True)
class Receipt:
    booking: BookingView
    client_name: str
    client_email: str
    amount_cents: int
    currency: str
    payment_id: str
    paid_at: datetime | None
    provider: PaymentProvider


class ReceiptService:
    async def cancellation_outlook(
        self, uow: UnitOfWork, actor: Actor, booking_id: int
    ) -> CancellationOutlook:
        """What cancelling the booking now would do, with the amount it would refund."""
        preview = await booking_service.cancellation_preview(uow, actor, booking_id)
        refund_cents = 0
        if preview.refund_due:
            payment = await payments.succeeded_payment_of_booking(uow.session, booking_id)
            if payment is not None:
                refund_cents = max(0, await refundable_cents(uow.session, payment))
        return CancellationOutlook(preview, refund_cents)

    async def receipt(self, uow: UnitOfWork, actor: Actor, booking_id: int) -> Receipt:
        """The receipt of a paid booking (refunds listed) for whoever may see the booking;
        an unpaid one has none."""
        booking = await booking_service.read(uow, actor, booking_id, via="receipt")
        payment = (
            await payments.payment_by_intent(uow.session, booking.payment_id)
            if booking.payment_id
            else None
        )
        if payment is None or payment.status != IntentStatus.succeeded:
            raise BookingNotPaid(details="A receipt comes with the payment.")
        client = await uow.session.get(User, booking.user_id)
        if client is None:  # users with bookings cannot be deleted (ondelete RESTRICT)
            raise BookingNotPaid()
        return Receipt(
            booking=booking,
            client_name=f"{client.first_name} {client.last_name}",
            client_email=client.email,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            payment_id=payment.intent_id,
            paid_at=payment.succeeded_at,
            provider=payment.provider,
        )


receipt_service = ReceiptService()
