"""Paying for a booking: its intent at the payment provider, and confirming what was paid.

The price is the booking's, never the client's (docs/decisions.md, "Payments"). What a
payment's state is comes from the provider, never from the client: confirm reads the intent back
and hands it to `outcomes.record_intent`, the one place where that state is recorded. Every
method runs in the caller's transaction and flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings import repository as bookings
from attune.bookings.errors import BookingNotFound
from attune.integrations.stripe import Intent, StripeError
from attune.models import Booking, BookingStatus, IntentStatus, Payment, PaymentStatus, User
from attune.payments import outcomes
from attune.payments import repository as payments
from attune.payments.errors import (
    BookingAlreadyPaid,
    BookingNotNamed,
    BookingNotPayable,
    CurrencyMismatch,
    PaymentNotFound,
    PaymentProviderError,
    PaymentsNotRequired,
    PriceMismatch,
)
from attune.payments.gateways import PaymentGateway
from attune.payments.schemas import PaymentIntentCreate
from attune.platform.actor import Actor
from attune.platform.crypto import Encryptor
from attune.platform.unit_of_work import UnitOfWork

NOTHING_STORED = "Nothing was charged or stored; try again in a moment."


@dataclass(frozen=True)
class OpenIntent:
    payment: Payment
    client_secret: str


class PaymentService:
    async def open_intent(
        self, uow: UnitOfWork, actor: Actor, gateway: PaymentGateway, body: PaymentIntentCreate
    ) -> OpenIntent:
        """The booking's payable intent for its client: the open one if there is one, else a
        new one."""
        session, settings, now = uow.session, uow.settings, uow.now
        if not settings.payments_required:
            raise PaymentsNotRequired()
        # Two requests for one booking wait for each other here, so at most one creates an
        # intent (PostgreSQL; SQLite's write transactions already run one at a time).
        client = await self._client(uow, actor)
        await bookings.lock_client(session, client.id)
        booking = await self._booking_to_pay(session, client, body)
        _refuse_unpayable(booking, body)
        encryptor = Encryptor.from_settings(settings)
        current = await payments.open_payment_of_booking(session, booking.id)
        if current is not None and current.status in outcomes.OPEN:
            return OpenIntent(current, encryptor.decrypt(current.client_secret_encrypted))
        if current is not None:
            # A declined attempt: give it up at the provider, so a stale browser cannot pay
            # it after the new one, and start afresh.
            canceled = await self._provider(
                gateway.cancel_intent(
                    current.intent_id, idempotency_key=f"{current.intent_id}:cancel"
                )
            )
            await outcomes.record_intent(uow, canceled)
        attempt = await payments.payment_count_of_booking(session, booking.id) + 1
        intent = await self._provider(
            gateway.create_intent(
                amount_cents=booking.amount_cents,
                currency=booking.currency,
                metadata={"booking_id": str(booking.id), "user_id": str(client.id)},
                idempotency_key=f"booking:{booking.id}:intent:{attempt}",
            )
        )
        payment = Payment(
            booking_id=booking.id,
            user_id=client.id,
            provider=gateway.provider,
            intent_id=intent.id,
            client_secret_encrypted=encryptor.encrypt(intent.client_secret),
            amount_cents=booking.amount_cents,
            currency=booking.currency,
            status=IntentStatus(intent.status),
            amount_refunded_cents=0,
            created_at=now,
            updated_at=now,
        )
        session.add(payment)
        await session.flush()
        return OpenIntent(payment, intent.client_secret)

    async def current_intent(
        self, uow: UnitOfWork, actor: Actor, booking_id: int
    ) -> OpenIntent | None:
        """The booking's intent that its client can still pay, as `open_intent` made it; None
        when there is none (never opened, paid, or declined and not yet opened again). Reads
        only: a page shows the payment form with it."""
        payment = await payments.open_payment_of_booking(uow.session, booking_id)
        # Only the client who pays sees its secret; anyone else's is not found.
        if payment is None or not actor.owns(payment.user_id):
            return None
        if payment.status not in outcomes.OPEN:
            return None
        secret = Encryptor.from_settings(uow.settings).decrypt(payment.client_secret_encrypted)
        return OpenIntent(payment, secret)

    async def confirm(
        self, uow: UnitOfWork, actor: Actor, gateway: PaymentGateway, intent_id: str
    ) -> Payment:
        """The client's payment after recording what the provider says of its intent.

        The caller answers from the payment's status: a failure is recorded (and committed)
        before it is reported, so it is returned here rather than raised.
        """
        payment = await payments.payment_by_intent(uow.session, intent_id)
        # Only the client who pays confirms; anyone else's intent is not found.
        if payment is None or not actor.owns(payment.user_id):
            raise PaymentNotFound()
        if payment.status == IntentStatus.succeeded:
            return payment
        intent = await self._provider(gateway.retrieve_intent(intent_id))
        recorded = await outcomes.record_intent(uow, intent)
        if recorded is None:
            raise PaymentNotFound()
        return recorded.payment

    @staticmethod
    async def _client(uow: UnitOfWork, actor: Actor) -> User:
        """The signed-in actor's account, which the authenticator has already loaded."""
        client = await uow.session.get(User, actor.user_id) if actor.user_id else None
        if client is None:
            raise BookingNotFound()
        return client

    @staticmethod
    async def _booking_to_pay(
        session: AsyncSession, client: User, body: PaymentIntentCreate
    ) -> Booking:
        """The booking named, or else the client's one unpaid booking at the price sent.

        Seed 000's body names no booking. The price stays the practice's: the amount only
        chooses among the client's own unpaid bookings, and when it chooses none or several,
        the client is shown them to name one, rather than any being guessed.
        """
        if body.booking_id is not None:
            booking = await bookings.booking_by_id(session, body.booking_id)
            if booking is None or booking.user_id != client.id:
                raise BookingNotFound()
            return booking
        unpaid = await bookings.unpaid_bookings_of_client(session, client.id)
        currency = None if body.currency is None else body.currency.lower()
        matching = [
            booking
            for booking in unpaid
            if booking.amount_cents == body.amount and currency in (None, booking.currency)
        ]
        if body.amount is not None and len(matching) == 1:
            return matching[0]
        raise BookingNotNamed(
            details=_why_not_chosen(body.amount, currency, len(matching), unpaid),
            extra={"unpaid_bookings": [_unpaid_entry(booking) for booking in unpaid]},
        )

    @staticmethod
    async def _provider(call: Awaitable[Intent]) -> Intent:
        try:
            return await call
        except StripeError as error:
            raise PaymentProviderError(details=NOTHING_STORED) from error


def _refuse_unpayable(booking: Booking, body: PaymentIntentCreate) -> None:
    """Refuse a booking that cannot be paid now, or a price or currency that is not its own."""
    if booking.payment_status in (PaymentStatus.succeeded, PaymentStatus.refunded):
        raise BookingAlreadyPaid()
    if booking.status != BookingStatus.scheduled:
        raise BookingNotPayable(details=f"This booking is {booking.status}.")
    if booking.amount_cents <= 0:
        # Booked while the practice charged nothing: there is nothing to pay.
        raise PaymentsNotRequired(details="This booking costs nothing.")
    if body.currency is not None and body.currency.lower() != booking.currency:
        raise CurrencyMismatch(
            details=f"This booking is paid in {booking.currency}; send that currency or "
            "leave it out."
        )
    if body.amount is not None and body.amount != booking.amount_cents:
        raise PriceMismatch(
            details=f"This booking costs {booking.amount_cents} "
            f"(integer cents, {booking.currency}); send that amount or leave it out."
        )


def _why_not_chosen(
    amount: int | None, currency: str | None, matching: int, unpaid: Sequence[Booking]
) -> str:
    price = f"{amount} {currency}" if currency else f"{amount}"
    if not unpaid:
        reason = "You have no unpaid booking to pay."
    elif amount is None:
        reason = "Send booking_id, or amount and currency equal to one booking's price."
    elif matching == 0:
        reason = f"None of your unpaid bookings costs {price}; send booking_id."
    else:
        reason = f"{matching} of your unpaid bookings cost {price}; send booking_id."
    listed = "; ".join(
        f"{b.id} on {_instant(b.scheduled_at)} for {b.amount_cents} {b.currency}" for b in unpaid
    )
    return f"{reason} Your unpaid bookings (amounts in cents): {listed}." if unpaid else reason


def _unpaid_entry(booking: Booking) -> dict[str, object]:
    return {
        "booking_id": booking.id,
        "scheduled_at": _instant(booking.scheduled_at),
        "amount": booking.amount_cents,
        "currency": booking.currency,
    }


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


payment_service = PaymentService()
