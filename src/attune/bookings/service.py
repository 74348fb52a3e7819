"""Booking rules: taking a seat, the cancel and reschedule windows, outcomes (docs/decisions.md,
"Slots and bookings").

Every method takes the unit of work and the actor first, asks `platform.policy` who may do
what, records the audit entry of a member of the practice at a client's booking, and answers
with a `BookingView`. It runs in the caller's transaction and flushes, never commits. Locks are
always taken in one order (the client's row, then the booking, then slots by id, then the
booking's payment), so concurrent requests wait for each other instead of deadlocking on
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from attune.appointments.reminders import reminders_already_covered
from attune.appointments.rooms import room_offered_on_move
from attune.bookings import mail as booking_mail
from attune.bookings import policy as notice
from attune.bookings import repository
from attune.bookings.access import (
    account_of,
    changeable_booking,
    changeable_booking_and_client,
    client_of,
    locked_account_of,
    visible_booking,
)
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
    ServiceNotOffered,
    SessionNotStarted,
    TooManyUnpaidBookings,
)
from attune.bookings.events import BookingCancelled
from attune.bookings.offered import (
    service_booked,
    service_offered,
    terms_of_booking,
    terms_of_bookings,
)
from attune.bookings.practice_notices import (
    BookingChange,
    practice_notices,
    queue_practice_notices,
)
from attune.bookings.schemas import BookingCreate
from attune.bookings.views import (
    NO_REFUNDS,
    BookingRefunds,
    BookingView,
    CancellationPreview,
    SlotOffer,
    booking_view,
)
from attune.models import Booking, BookingStatus, PaymentStatus, Schedule, User
from attune.notifications.mail import MailAttachment, queue_mails
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.crypto import Encryptor
from attune.platform.time_range import TimeRange
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository as practice
from attune.practice.terms import ServiceTerms, terms_of
from attune.scheduling.errors import ScheduleNotFound
from attune.scheduling.offers import describe, refuse_by_terms
from attune.scheduling.seats import refuse_if_taken, release_seat, take_seat
from attune.video.rooms import new_room_id

OUTCOMES = (BookingStatus.completed, BookingStatus.no_show)
CHANGED_MEANWHILE = "It was cancelled or moved while this request ran; read it again."


class BookingService:
    async def create(self, uow: UnitOfWork, actor: Actor, body: BookingCreate) -> BookingView:
        """Take a seat in the slot for the actor, at the practice's price."""
        session, settings, now = uow.session, uow.settings, uow.now
        schedule = await self._slot_with_a_seat(uow, body.schedule_id)
        client = await locked_account_of(uow, actor)
        if body.duration is not None and body.duration != schedule.duration_minutes:
            raise DurationMismatch(
                details=f"This slot lasts {schedule.duration_minutes} minutes; "
                "send that duration or leave it out.",
                field="duration",
            )
        service = await service_booked(uow, schedule, body.service_id)
        # Counted under the client's lock, so two bookings at once cannot both pass.
        clash, unpaid = await repository.overlap_and_unpaid(
            session, client.id, TimeRange(schedule.start_at, schedule.end_at)
        )
        if clash is not None:
            raise BookingOverlap(details=f"It overlaps booking {clash}.")
        await refuse_by_terms(session, schedule, service, now)
        if settings.payments_required and unpaid >= settings.max_unpaid_bookings:
            raise TooManyUnpaidBookings(
                details=f"You hold {unpaid} unpaid bookings; at most "
                f"{settings.max_unpaid_bookings} may wait for payment at a time."
            )
        seat = await take_seat(session, schedule, now, room_id=new_room_id())
        booking = Booking(
            user_id=client.id,
            schedule_id=seat.schedule_id,
            therapist_id=schedule.therapist_id,
            service_id=service.service_id,
            delivery=schedule.delivery,
            location=schedule.location,
            scheduled_at=seat.start_at,
            ends_at=seat.end_at,
            status=BookingStatus.scheduled,
            amount_cents=service.price_for(schedule.duration_minutes),
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
        notices = await practice_notices(session, settings, booking, client, BookingChange.booked)
        await queue_mails(
            session, settings, [booking_mail.confirmation(settings, booking, client), *notices]
        )
        # Nothing can have been refunded of a booking made just now.
        return self._view(uow, actor, booking, client, NO_REFUNDS, terms=service)

    async def offer(
        self, uow: UnitOfWork, actor: Actor, schedule_id: int, service_id: int | None = None
    ) -> SlotOffer:
        """What booking this slot would mean now, for `service_id` (default: the slot's first
        service): its price and the notice rules of that service, and the other services the
        slot offers; anyone may look at a slot the practice has opened (a closed one is not
        found)."""
        settings = uow.settings
        # Read afresh: asked again after a refused booking, it shows the seats taken meanwhile.
        schedule = await uow.session.get(Schedule, schedule_id, populate_existing=True)
        if schedule is None or not schedule.is_available:
            raise ScheduleNotFound()
        service, every = await service_offered(uow, schedule, service_id)
        [view] = await describe(uow, [schedule], service_id=service.service_id)
        minutes = schedule.duration_minutes
        return SlotOffer(
            schedule_id=schedule.id,
            start_at=schedule.start_at,
            end_at=schedule.end_at,
            duration_minutes=minutes,
            bookable=view.bookable,
            amount_cents=service.price_for(minutes),
            currency=settings.currency,
            payments_required=settings.payments_required,
            cancel_notice_hours=service.cancel_notice_hours,
            reschedule_notice_hours=service.reschedule_notice_hours,
            service=service,
            services=every,
            therapist_name=view.therapist_name,
            delivery=schedule.delivery,
            location=schedule.location or settings.practice_address,
        )

    async def read(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, via: str = "detail"
    ) -> BookingView:
        """The booking if the actor may see it (a stranger's is not found); a look at a
        client's booking by the practice is audited, `via` naming the route it came by."""
        booking = await visible_booking(uow, actor, booking_id)
        await uow.audit_reads(
            actor,
            AuditAction.booking_viewed,
            AuditTarget.booking,
            [(booking.id, booking.user_id)],
            via=via,
        )
        return (await self.views(uow, actor, [booking]))[0]

    async def list_own(
        self, uow: UnitOfWork, actor: Actor, status: BookingStatus | None = None
    ) -> list[BookingView]:
        """The actor's own bookings: those still to come first (soonest first), then past ones."""
        if actor.user_id is None:
            raise BookingNotFound()
        found = await repository.bookings_of_client(uow.session, actor.user_id, uow.now, status)
        if found.client is None:
            return []
        terms = {one.id: terms_of(one, uow.settings) for one in found.services.values()}
        return self._views(
            uow, actor, found.bookings, viewer=found.client, refunds=found.refunds, terms=terms
        )

    async def views(
        self,
        uow: UnitOfWork,
        actor: Actor,
        bookings: Sequence[Booking],
        *,
        terms: dict[int, ServiceTerms] | None = None,
    ) -> list[BookingView]:
        """Bookings the actor may see, as the actor sees them, with their refunds loaded in
        at most two queries whatever their number; `terms`, the terms of their services by id
        when the caller has them already."""
        viewer = await account_of(uow, actor)
        refunds = await repository.refunds_of_bookings(uow.session, (b.id for b in bookings))
        if terms is None:
            terms = await terms_of_bookings(uow, bookings)
        return self._views(uow, actor, bookings, viewer=viewer, refunds=refunds, terms=terms)

    def _views(
        self,
        uow: UnitOfWork,
        actor: Actor,
        bookings: Sequence[Booking],
        *,
        viewer: User,
        refunds: Mapping[int, BookingRefunds],
        terms: Mapping[int, ServiceTerms],
    ) -> list[BookingView]:
        return [
            self._view(
                uow,
                actor,
                booking,
                viewer,
                refunds.get(booking.id, NO_REFUNDS),
                terms=terms.get(booking.service_id),
            )
            for booking in bookings
        ]

    async def cancel(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, reason: str | None = None
    ) -> BookingView:
        """Cancel and free the seat; the client only up to the notice, the practice at any time.

        A paid booking is refunded in full (payments listens for `BookingCancelled`), except
        when its client cancels one they moved inside the notice: that is a late cancellation.
        """
        settings, now = uow.settings, uow.now
        booking, client = await changeable_booking_and_client(uow, actor, booking_id)
        if booking.status != BookingStatus.scheduled:
            raise BookingNotScheduled()
        windows = await terms_of_booking(uow, booking)
        terms = _cancel_terms(windows, actor, booking, now)
        if terms.too_late:
            raise CancellationTooLate.policy(windows.cancel_notice_hours)
        by_practice, refund_due = terms.by_practice, terms.refund_due
        # Locks the booking's row before the payment's: the refund's lock comes after.
        cancelled = await repository.update_if_unchanged(
            uow.session,
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
        await release_seat(uow.session, cancelled.schedule_id, now)
        await uow.publish(BookingCancelled(cancelled.id, by_practice, refund_due, actor.user_id))
        refunded = refund_due and cancelled.payment_status == PaymentStatus.succeeded
        notices = await practice_notices(
            uow.session,
            settings,
            cancelled,
            client,
            BookingChange.cancelled,
            by_practice=by_practice,
            refunded=refunded,
        )
        mail = booking_mail.cancellation(settings, cancelled, client, refunded=refunded)
        await queue_mails(uow.session, settings, [mail, *notices])
        uow.audit(
            actor,
            AuditAction.booking_cancelled,
            AuditTarget.booking,
            cancelled.id,
            owner_id=cancelled.user_id,
            reason_given=reason is not None,
        )
        [view] = await self.views(uow, actor, [cancelled], terms={windows.service_id: windows})
        return view

    async def cancellation_preview(
        self, uow: UnitOfWork, actor: Actor, booking_id: int
    ) -> CancellationPreview:
        """What `cancel` would do now, by the same terms: whether the actor may cancel, and
        whether a payment would be refunded. A look at a client's booking by the practice is
        audited, as a read is."""
        booking = await visible_booking(uow, actor, booking_id)
        if booking.status != BookingStatus.scheduled:
            raise BookingNotScheduled()
        await uow.audit_reads(
            actor,
            AuditAction.booking_viewed,
            AuditTarget.booking,
            [(booking.id, booking.user_id)],
            via="cancellation_preview",
        )
        windows = await terms_of_booking(uow, booking)
        terms = _cancel_terms(windows, actor, booking, uow.now)
        [view] = await self.views(uow, actor, [booking], terms={windows.service_id: windows})
        return CancellationPreview(
            booking=view,
            allowed=not terms.too_late,
            refund_due=terms.refund_due and booking.payment_status == PaymentStatus.succeeded,
            moved_late=not terms.by_practice and booking.late_cancellation,
            notice_hours=windows.cancel_notice_hours,
            starts_in=booking.scheduled_at - uow.now,
        )

    async def calendar_entry(
        self, uow: UnitOfWork, actor: Actor, booking_id: int
    ) -> MailAttachment:
        """The booking's calendar entry as it now stands (the one its mails carry, with the
        same UID, so a calendar keeps one entry): the event, or its cancellation."""
        booking = await visible_booking(uow, actor, booking_id)
        await uow.audit_reads(
            actor,
            AuditAction.booking_viewed,
            AuditTarget.booking,
            [(booking.id, booking.user_id)],
            via="calendar",
        )
        client = await client_of(uow, booking)
        return booking_mail.calendar_entry(uow.settings, booking, client)

    async def reschedule(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, new_schedule_id: int
    ) -> BookingView:
        """Move to another slot: the new seat is taken and the old one freed together."""
        settings, now = uow.settings, uow.now
        booking = await changeable_booking(uow, actor, booking_id)
        if booking.status != BookingStatus.scheduled:
            raise BookingNotScheduled()
        by_client = policy.bound_by_notice(actor)
        windows = await terms_of_booking(uow, booking)
        if by_client and notice.inside_reschedule_notice(windows, booking, now):
            raise RescheduleTooLate.policy(windows.reschedule_notice_hours)
        # Decided against the start it is moved from; a booking already late stays so.
        late = (
            {"late_cancellation": True}
            if notice.move_makes_late(settings, windows, booking, now, by_client=by_client)
            else {}
        )
        old_schedule_id, old_start = booking.schedule_id, booking.scheduled_at
        old_therapist = booking.therapist_id
        target = await self._move_target(uow, actor, booking, windows, new_schedule_id)
        shared = await repository.room_shared(uow.session, booking.room_id, excluding=booking.id)
        room_id = room_offered_on_move(booking.room_id, shared=shared)
        moved = await repository.update_if_unchanged(
            uow.session,
            booking.id,
            {
                # The session goes where its new slot is: that slot's therapist and place.
                "schedule_id": target.id,
                "therapist_id": target.therapist_id,
                "delivery": target.delivery,
                "location": target.location,
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
        await self._move_seat(uow, moved, old_schedule_id, target, room_id)
        client = await client_of(uow, moved)
        await booking_mail.queue_reschedule(uow.session, settings, moved, client)
        await queue_practice_notices(
            uow.session,
            settings,
            moved,
            client,
            BookingChange.moved,
            by_practice=not by_client,
            moved_from=old_start,
            handed_over_by=old_therapist,
        )
        uow.audit(
            actor,
            AuditAction.booking_rescheduled,
            AuditTarget.booking,
            moved.id,
            owner_id=moved.user_id,
            new_schedule_id=new_schedule_id,
        )
        # A move keeps the booking's service.
        [view] = await self.views(uow, actor, [moved], terms={windows.service_id: windows})
        return view

    async def record_outcome(
        self, uow: UnitOfWork, actor: Actor, booking_id: int, *, outcome: BookingStatus
    ) -> BookingView:
        """The practice marks a session that has started as completed or as a no-show.

        Either may be corrected to the other afterwards; a cancelled booking stays cancelled.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"{outcome} is not an outcome")
        policy.require(actor, policy.Permission.act_for_clients)
        booking = await changeable_booking(uow, actor, booking_id)
        if booking.status == BookingStatus.cancelled:
            raise BookingNotScheduled()
        if uow.now < booking.scheduled_at:
            raise SessionNotStarted()
        booking.status = outcome
        booking.completed_at = uow.now if outcome == BookingStatus.completed else None
        booking.updated_at = uow.now
        await uow.session.flush()
        uow.audit(
            actor,
            AuditAction.booking_outcome_recorded,
            AuditTarget.booking,
            booking.id,
            owner_id=booking.user_id,
            status=outcome.value,
        )
        return (await self.views(uow, actor, [booking]))[0]

    async def _move_target(
        self,
        uow: UnitOfWork,
        actor: Actor,
        booking: Booking,
        terms: ServiceTerms,
        new_schedule_id: int,
    ) -> Schedule:
        """The slot a booking may move to: another one, as long, that overlaps none of the
        client's other bookings (checked under the client's lock)."""
        if new_schedule_id == booking.schedule_id:
            raise SameSlot()
        await repository.lock_client(uow.session, booking.user_id)
        target = await uow.session.get(Schedule, new_schedule_id)
        if target is None:
            raise ScheduleNotFound()
        if not policy.may_place_on(actor, target.therapist_id):
            raise policy.AdminRequired(
                details="You may move a session only within the calendars you keep."
            )
        offered = await practice.service_ids_of_slots(uow.session, [target.id])
        if booking.service_id not in offered[target.id]:
            raise ServiceNotOffered(field="new_schedule_id")
        if target.duration_minutes != booking.duration_minutes:
            raise LengthMismatch(
                details=f"The booking lasts {booking.duration_minutes} minutes; "
                f"the new slot lasts {target.duration_minutes}."
            )
        slot = TimeRange(target.start_at, target.end_at)
        await self._refuse_overlap(uow, booking.user_id, slot, excluding=booking.id)
        if policy.bound_by_notice(actor):
            # The client moves to a time the booking's service takes bookings for; the
            # practice may place a session where it likes.
            await refuse_by_terms(uow.session, target, terms, uow.now)
        return target

    async def _move_seat(
        self,
        uow: UnitOfWork,
        moved: Booking,
        old_schedule_id: int | None,
        target: Schedule,
        room_id: str,
    ) -> None:
        """Free the old seat and take the new one, whose room the moved booking meets in.

        Slots are locked in id order; a failure to take the new seat rolls back both."""
        if old_schedule_id is not None and old_schedule_id < target.id:
            await release_seat(uow.session, old_schedule_id, uow.now)
            seat = await take_seat(uow.session, target, uow.now, room_id=room_id)
        else:
            seat = await take_seat(uow.session, target, uow.now, room_id=room_id)
            await release_seat(uow.session, old_schedule_id, uow.now)
        moved.room_id = seat.room_id
        await uow.session.flush()

    async def _slot_with_a_seat(self, uow: UnitOfWork, schedule_id: int) -> Schedule:
        """The slot to book, refused at once when it is gone or full as read first
        (`UnitOfWork.read_first`), so a refusal in a rush for the last seats holds no lock;
        what was read ahead of the unit is read again in its own transaction."""
        async with uow.read_first() as session:
            schedule = await session.get(Schedule, schedule_id)
            if schedule is None:
                raise ScheduleNotFound()
            refuse_if_taken(schedule, uow.now)
        if schedule not in uow.session:
            schedule = await uow.session.get(Schedule, schedule_id)
            if schedule is None:
                raise ScheduleNotFound()
        return schedule

    async def _refuse_overlap(
        self, uow: UnitOfWork, user_id: int, time: TimeRange, *, excluding: int | None = None
    ) -> None:
        clash = await repository.overlapping_booking(
            uow.session, user_id, time, excluding=excluding
        )
        if clash is not None:
            raise BookingOverlap(details=f"It overlaps booking {clash}.")

    @staticmethod
    def _view(
        uow: UnitOfWork,
        actor: Actor,
        booking: Booking,
        viewer: User,
        refunds: BookingRefunds,
        *,
        terms: ServiceTerms | None = None,
    ) -> BookingView:
        return booking_view(
            uow.settings,
            booking,
            refunds,
            viewer=viewer,
            host=policy.may_host(actor, booking.therapist_id),
            now=uow.now,
            clinical=policy.may_read_clinical_notes(actor, booking.user_id),
            windows=terms,
        )


@dataclass(frozen=True)
class _CancelTerms:
    by_practice: bool
    # A client inside the cancellation notice may not cancel.
    too_late: bool
    # A payment goes back, unless its client cancels a booking they moved inside the notice.
    refund_due: bool


def _cancel_terms(
    windows: notice.NoticeWindows, actor: Actor, booking: Booking, now: datetime
) -> _CancelTerms:
    """The terms of a cancellation by `actor` at `now`: what `cancel` does and
    `cancellation_preview` tells."""
    by_practice = not policy.bound_by_notice(actor)
    return _CancelTerms(
        by_practice=by_practice,
        too_late=not by_practice and notice.inside_cancel_notice(windows, booking, now),
        refund_due=by_practice or not booking.late_cancellation,
    )


booking_service = BookingService()
