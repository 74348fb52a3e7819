"""What becomes of bookings as their payments move: holds released when no payment comes, and
the payment state that payments records on a booking (docs/decisions.md, "Payments").

Payments sits above bookings and calls these; bookings never calls payments. Each runs in the
caller's transaction and flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from attune.bookings import mail as booking_mail
from attune.bookings import repository
from attune.bookings.practice_notices import BookingChange, practice_notices
from attune.models import Booking, PaymentStatus
from attune.notifications.mail import queue_mails
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.crypto import Encryptor
from attune.platform.unit_of_work import UnitOfWork
from attune.scheduling.seats import release_seat

UNPAID = (PaymentStatus.pending, PaymentStatus.failed)


class BookingPayments:
    async def release_unpaid_holds(
        self, uow: UnitOfWork, actor: Actor, *, limit: int
    ) -> Sequence[Booking]:
        """Cancel up to `limit` bookings left unpaid for longer than the hold, for the
        practice, freeing their seats and mailing their clients; returns those cancelled.

        Of this and a payment arriving for one booking exactly one wins: a payment recorded
        first keeps the booking, one recorded after finds it cancelled and is refunded in full.
        """
        policy.require(actor, policy.Permission.act_for_clients)
        settings, now = uow.settings, uow.now
        minutes = settings.payment_hold_minutes
        released = await repository.cancel_unpaid_holds(
            uow.session,
            created_before=now - timedelta(minutes=minutes),
            reason=Encryptor.from_settings(settings).encrypt(f"Not paid within {minutes} minutes"),
            now=now,
            limit=limit,
        )
        # Slots in id order, as every other writer locks them.
        for schedule_id in sorted(b.schedule_id for b in released if b.schedule_id is not None):
            await release_seat(uow.session, schedule_id, now)
        clients = await repository.users_by_id(uow.session, (b.user_id for b in released))
        for booking in released:
            client = clients[booking.user_id]
            notices = await practice_notices(
                uow.session, settings, booking, client, BookingChange.released, by_practice=True
            )
            mail = booking_mail.cancellation(settings, booking, client, refunded=False)
            await queue_mails(uow.session, settings, [mail, *notices])
        return released

    async def lock(self, uow: UnitOfWork, booking_id: int) -> None:
        """Hold the booking while its payment changes. Every writer takes the booking before
        its payment (a cancellation locks the booking, then refunds the payment): one that
        took the payment first could deadlock with it on PostgreSQL."""
        await repository.lock_booking(uow.session, booking_id)

    async def mark_paid(self, uow: UnitOfWork, booking_id: int, intent_id: str) -> Booking | None:
        """The booking is paid by this intent, if it was still waiting for a payment; None
        when it was not (paid already, or refunded)."""
        return await repository.update_payment_state(
            uow.session,
            booking_id,
            leaving=UNPAID,
            values={
                "payment_status": PaymentStatus.succeeded,
                "payment_id": intent_id,
                "updated_at": uow.now,
            },
        )

    async def mark_payment_failed(self, uow: UnitOfWork, booking_id: int) -> None:
        """A declined attempt; only a booking still pending records it (a late failure never
        undoes a success)."""
        await repository.update_payment_state(
            uow.session,
            booking_id,
            leaving=(PaymentStatus.pending,),
            values={"payment_status": PaymentStatus.failed, "updated_at": uow.now},
        )

    async def mark_refunded(self, uow: UnitOfWork, booking_id: int, intent_id: str) -> None:
        """All of the payment by this intent has come back."""
        await repository.mark_refunded(uow.session, booking_id, intent_id, uow.now)


booking_payments = BookingPayments()
