"""A booking's video meeting, for the person who asks (`GET /api/bookings/{id}/meeting`) or
who follows the join link of its mail (`GET /api/bookings/{id}/join`)."""

from __future__ import annotations

from attune.bookings import repository
from attune.bookings.access import account_of, client_of, visible_booking
from attune.bookings.errors import BookingNotFound
from attune.bookings.meeting import booking_meeting
from attune.bookings.views import BookingMeetingView
from attune.models import Booking, User
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.unit_of_work import UnitOfWork
from attune.video.errors import MeetingCancelled
from attune.video.join_links import JoinLinkKind, key_matches


class BookingMeetingService:
    async def meeting(self, uow: UnitOfWork, actor: Actor, booking_id: int) -> BookingMeetingView:
        """How and when the actor may join the booking's video session; a look at a client's
        by the practice is audited."""
        booking = await visible_booking(uow, actor, booking_id)
        viewer = await account_of(uow, actor)
        shown = _meeting(uow, booking, viewer, host=policy.may_host(actor, booking.therapist_id))
        await uow.audit_reads(
            actor,
            AuditAction.booking_viewed,
            AuditTarget.booking,
            [(booking.id, booking.user_id)],
            via="meeting",
        )
        return shown

    async def meeting_by_join_link(
        self, uow: UnitOfWork, booking_id: int, key: str
    ) -> BookingMeetingView:
        """The meeting as the booking's client sees it, for whoever holds the link mailed to
        them; a wrong key is told the booking does not exist."""
        booking = await repository.booking_by_id(uow.session, booking_id)
        if booking is None or not key_matches(
            uow.settings, JoinLinkKind.booking, str(booking_id), key
        ):
            raise BookingNotFound()
        client = await client_of(uow, booking)
        # The link admits its holder as the client it was mailed to.
        host = policy.may_host(policy.actor_for(client), booking.therapist_id)
        return _meeting(uow, booking, client, host=host)


def _meeting(uow: UnitOfWork, booking: Booking, viewer: User, *, host: bool) -> BookingMeetingView:
    found = booking_meeting(uow.settings, booking, viewer, host=host, now=uow.now)
    if found is None:
        raise MeetingCancelled(details="Book a new session to get a new meeting.")
    return BookingMeetingView(
        booking.id, booking.scheduled_at, booking.ends_at, booking.duration_minutes, found
    )


meeting_service = BookingMeetingService()
