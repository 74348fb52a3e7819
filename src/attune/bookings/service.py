"""Booking rules: taking a seat, the cancel and reschedule windows, outcomes (docs/decisions.md,
"Slots and bookings").

Every method runs in the caller's transaction and flushes, never commits. Locks are always
taken in one order (the client's row, then the booking, then slots by id), so concurrent
requests wait for each other instead of deadlocking on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.appointments.reminders import reminders_already_covered
from attune.appointments.rooms import room_offered_on_move
from attune.bookings import mail as booking_mail
from attune.bookings import policy, repository
from attune.bookings.errors import (
    BookingChangedMeanwhile,
    BookingNotFound,
    BookingNotScheduled,
    BookingOverlap,
    CancellationTooLate,
    DurationMismatch,
    LengthMismatch,
    RescheduleTooLate,
    SameSlot,
    SessionNotStarted,
    TooManyUnpaidBookings,
)
from attune.bookings.practice_notices import BookingChange, queue_practice_notices
from attune.bookings.schemas import BookingCreate, BookingRefunds
from attune.models import Booking, BookingStatus, PaymentStatus, Schedule, User
from attune.payments import refunds
from attune.platform.crypto import Encryptor
from attune.platform.settings import Settings
from attune.platform.time_range import TimeRange
from attune.scheduling.errors import ScheduleNotFound
from attune.scheduling.seats import release_seat, take_seat
from attune.video.rooms import new_room_id

# Where payments' modules have always found the refund job's kind.
REFUND_JOB = refunds.REFUND_JOB
OUTCOMES = (BookingStatus.completed, BookingStatus.no_show)
CHANGED_MEANWHILE = "It was cancelled or moved while this request ran; read it again."


def price_cents(settings: Settings, minutes: int) -> int:
    """The practice's price for a session of this length: pro rata, rounded half up."""
    return (settings.session_price_cents * minutes * 2 + 60) // 120


class BookingService:
    async def create(
        self,
        session: AsyncSession,
        settings: Settings,
        client: User,
        body: BookingCreate,
        *,
        now: datetime,
    ) -> Booking:
        await repository.lock_client(session, client.id)
        schedule = await session.get(Schedule, body.schedule_id)
        if schedule is None:
            raise ScheduleNotFound()
        if body.duration is not None and body.duration != schedule.duration_minutes:
            raise DurationMismatch(
                details=f"This slot lasts {schedule.duration_minutes} minutes; "
                "send that duration or leave it out."
            )
        await self._refuse_overlap(
            session, client.id, TimeRange(schedule.start_at, schedule.end_at)
        )
        if settings.payments_required:
            # Counted under the client's lock, so two bookings at once cannot both pass.
            unpaid = await repository.count_unpaid(session, client.id)
            if unpaid >= settings.max_unpaid_bookings:
                raise TooManyUnpaidBookings(
                    details=f"You hold {unpaid} unpaid bookings; at most "
                    f"{settings.max_unpaid_bookings} may wait for payment at a time."
                )
        seat = await take_seat(session, schedule, now, room_id=new_room_id())
        minutes = schedule.duration_minutes
        booking = Booking(
            user_id=client.id,
            schedule_id=seat.schedule_id,
            scheduled_at=seat.start_at,
            ends_at=seat.end_at,
            status=BookingStatus.scheduled,
            amount_cents=price_cents(settings, minutes),
            currency=settings.currency,
            payment_status=PaymentStatus.pending,
            notes_encrypted=Encryptor.from_settings(settings).encrypt_optional(body.notes),
            room_id=seat.room_id,
            calendar_sequence=0,
            created_at=now,
            updated_at=now,
            **reminders_already_covered(seat.start_at, now),
        )
        session.add(booking)
        await session.flush()
        await booking_mail.queue_confirmation(session, settings, booking, client)
        await queue_practice_notices(session, settings, booking, client, BookingChange.booked)
        return booking

    async def visible_booking(
        self, session: AsyncSession, booking_id: int, viewer: User
    ) -> Booking:
        """The booking if the viewer owns it or is an admin; anyone else learns nothing."""
        booking = await repository.booking_by_id(session, booking_id)
        if booking is None or not (viewer.is_admin or booking.user_id == viewer.id):
            raise BookingNotFound()
        return booking

    async def list_own(
        self,
        session: AsyncSession,
        client: User,
        now: datetime,
        status: BookingStatus | None = None,
    ) -> Sequence[Booking]:
        return await repository.bookings_of_client(session, client.id, now, status)

    async def cancel(
        self,
        session: AsyncSession,
        settings: Settings,
        booking_id: int,
        actor: User,
        *,
        now: datetime,
        reason: str | None = None,
    ) -> Booking:
        """Cancel and free the seat; the client only up to the notice, an admin at any time.

        A paid booking is refunded in full, except when its client cancels one they moved
        inside the notice (attune.bookings.policy): that is a late cancellation.
        """
        booking = await self.visible_booking(session, booking_id, actor)
        if booking.status != BookingStatus.scheduled:
            raise BookingNotScheduled()
        by_practice = actor.is_admin
        if not by_practice and policy.inside_cancel_notice(settings, booking, now):
            raise CancellationTooLate.policy(settings.cancel_notice_hours)
        late = not by_practice and booking.late_cancellation
        cancelled = await repository.update_if_unchanged(
            session,
            booking.id,
            {
                "status": BookingStatus.cancelled,
                "cancelled_at": now,
                "cancelled_by_practice": by_practice,
                "cancellation_reason_encrypted": Encryptor.from_settings(settings).encrypt_optional(
                    reason
                ),
                "updated_at": now,
            },
            schedule_id=booking.schedule_id,
            scheduled_at=booking.scheduled_at,
        )
        if cancelled is None:
            raise BookingChangedMeanwhile(details=CHANGED_MEANWHILE)
        await release_seat(session, cancelled.schedule_id, now)
        refund = (
            None
            if late
            else await refunds.refund_rest(
                session,
                settings,
                cancelled,
                reason=refunds.CANCELLED_BY_PRACTICE
                if by_practice
                else refunds.CANCELLED_BY_CLIENT,
                requested_by=actor.id,
                key=f"refund:booking:{cancelled.id}:cancellation",
                now=now,
            )
        )
        client = await self._client(session, cancelled)
        await booking_mail.queue_cancellation(
            session, settings, cancelled, client, refunded=refund is not None
        )
        await queue_practice_notices(
            session,
            settings,
            cancelled,
            client,
            BookingChange.cancelled,
            by_practice=by_practice,
            refunded=refund is not None,
        )
        return cancelled

    async def release_unpaid_holds(
        self, session: AsyncSession, settings: Settings, *, now: datetime, limit: int
    ) -> Sequence[Booking]:
        """Cancel up to `limit` bookings left unpaid for longer than the hold, for the
        practice, freeing their seats and mailing their clients; returns those cancelled.

        The UPDATE repeats its conditions, so of this and a payment arriving for one booking
        exactly one wins: a payment recorded first keeps the booking (it is no longer
        unpaid), and one recorded after finds it cancelled and is refunded in full
        (attune.payments.outcomes, `needs_refund`).
        """
        minutes = settings.payment_hold_minutes
        due = (
            Booking.status == BookingStatus.scheduled,
            Booking.payment_status.in_((PaymentStatus.pending, PaymentStatus.failed)),
            # A booking made while the practice charged nothing has nothing to pay.
            Booking.amount_cents > 0,
            Booking.created_at < now - timedelta(minutes=minutes),
        )
        # A CTE that skips rows locked by another sweep or request (PostgreSQL): two sweeps
        # share the work, and one never waits on a client's cancellation.
        candidates = (
            select(Booking.id)
            .where(*due)
            .order_by(Booking.created_at, Booking.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("candidates")
        )
        reason = Encryptor.from_settings(settings).encrypt(f"Not paid within {minutes} minutes")
        released = (
            await session.scalars(
                update(Booking)
                .where(Booking.id.in_(select(candidates.c.id)), *due)
                .values(
                    status=BookingStatus.cancelled,
                    cancelled_at=now,
                    cancelled_by_practice=True,
                    cancellation_reason_encrypted=reason,
                    updated_at=now,
                )
                .returning(Booking)
                .execution_options(populate_existing=True, synchronize_session=False)
            )
        ).all()
        # Slots in id order, as every other writer locks them.
        for schedule_id in sorted(b.schedule_id for b in released if b.schedule_id is not None):
            await release_seat(session, schedule_id, now)
        user_ids = {booking.user_id for booking in released}
        clients = {
            user.id: user
            for user in await session.scalars(select(User).where(User.id.in_(user_ids)))
        }
        for booking in released:
            client = clients[booking.user_id]
            await booking_mail.queue_cancellation(
                session, settings, booking, client, refunded=False
            )
            await queue_practice_notices(
                session, settings, booking, client, BookingChange.released, by_practice=True
            )
        return released

    async def refunds_of(
        self, session: AsyncSession, bookings: Iterable[Booking]
    ) -> dict[int, BookingRefunds]:
        """The refunds of the bookings about to be shown, by booking id, in two queries."""
        return await refunds.refunds_of_bookings(session, bookings)

    async def reschedule(
        self,
        session: AsyncSession,
        settings: Settings,
        booking_id: int,
        actor: User,
        *,
        new_schedule_id: int,
        now: datetime,
    ) -> Booking:
        """Move to another slot: the new seat is taken and the old one freed together."""
        booking = await self.visible_booking(session, booking_id, actor)
        if booking.status != BookingStatus.scheduled:
            raise BookingNotScheduled()
        notice = timedelta(hours=settings.reschedule_notice_hours)
        if not actor.is_admin and now > booking.scheduled_at - notice:
            raise RescheduleTooLate.policy(settings.reschedule_notice_hours)
        # Decided against the start it is moved from; a booking already late stays so.
        late = (
            {"late_cancellation": True}
            if policy.move_makes_late(settings, booking, now, by_client=not actor.is_admin)
            else {}
        )
        if new_schedule_id == booking.schedule_id:
            raise SameSlot()
        old_schedule_id, old_start = booking.schedule_id, booking.scheduled_at
        await repository.lock_client(session, booking.user_id)
        target = await session.get(Schedule, new_schedule_id)
        if target is None:
            raise ScheduleNotFound()
        if target.duration_minutes != booking.duration_minutes:
            raise LengthMismatch(
                details=f"The booking lasts {booking.duration_minutes} minutes; "
                f"the new slot lasts {target.duration_minutes}."
            )
        slot = TimeRange(target.start_at, target.end_at)
        await self._refuse_overlap(session, booking.user_id, slot, excluding=booking.id)
        shared = await repository.room_shared(session, booking.room_id, excluding=booking.id)
        room_id = room_offered_on_move(booking.room_id, shared=shared)
        moved = await repository.update_if_unchanged(
            session,
            booking.id,
            {
                "schedule_id": target.id,
                "scheduled_at": target.start_at,
                "ends_at": target.end_at,
                "calendar_sequence": Booking.calendar_sequence + 1,
                "updated_at": now,
                **reminders_already_covered(target.start_at, now),
                **late,
            },
            schedule_id=old_schedule_id,
            scheduled_at=old_start,
        )
        if moved is None:
            raise BookingChangedMeanwhile(details=CHANGED_MEANWHILE)
        # Slots are locked in id order; a failure to take the new seat rolls back both.
        if old_schedule_id is not None and old_schedule_id < target.id:
            await release_seat(session, old_schedule_id, now)
            seat = await take_seat(session, target, now, room_id=room_id)
        else:
            seat = await take_seat(session, target, now, room_id=room_id)
            await release_seat(session, old_schedule_id, now)
        moved.room_id = seat.room_id
        await session.flush()
        client = await self._client(session, moved)
        await booking_mail.queue_reschedule(session, settings, moved, client)
        await queue_practice_notices(
            session,
            settings,
            moved,
            client,
            BookingChange.moved,
            by_practice=actor.is_admin,
            moved_from=old_start,
        )
        return moved

    async def record_outcome(
        self,
        session: AsyncSession,
        booking_id: int,
        admin: User,
        *,
        outcome: BookingStatus,
        now: datetime,
    ) -> Booking:
        """An admin marks a session that has started as completed or as a no-show.

        Either may be corrected to the other afterwards; a cancelled booking stays cancelled.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"{outcome} is not an outcome")
        booking = await self.visible_booking(session, booking_id, admin)
        if booking.status == BookingStatus.cancelled:
            raise BookingNotScheduled()
        if now < booking.scheduled_at:
            raise SessionNotStarted()
        booking.status = outcome
        booking.completed_at = now if outcome == BookingStatus.completed else None
        booking.updated_at = now
        await session.flush()
        return booking

    async def _refuse_overlap(
        self, session: AsyncSession, user_id: int, time: TimeRange, *, excluding: int | None = None
    ) -> None:
        clash = await repository.overlapping_booking(session, user_id, time, excluding=excluding)
        if clash is not None:
            raise BookingOverlap(details=f"It overlaps booking {clash}.")

    async def _client(self, session: AsyncSession, booking: Booking) -> User:
        client = await session.get(User, booking.user_id)
        if client is None:  # users with bookings cannot be deleted (ondelete RESTRICT)
            raise BookingNotFound()
        return client


booking_service = BookingService()
