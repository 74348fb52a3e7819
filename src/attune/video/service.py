"""Finding a booking's meeting for the person who asks (`GET /api/bookings/{id}/meeting`) or
who follows the join link of its mail (`GET /api/bookings/{id}/join`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings import repository
from attune.bookings.errors import BookingNotFound
from attune.bookings.meeting import Meeting, booking_meeting
from attune.bookings.service import booking_service
from attune.models import BookingStatus, User
from attune.platform.settings import Settings
from attune.video.errors import MeetingCancelled
from attune.video.join_links import JoinLinkKind, key_matches


class MeetingService:
    async def meeting(
        self,
        session: AsyncSession,
        settings: Settings,
        booking_id: int,
        viewer: User,
        *,
        now: datetime,
    ) -> Meeting:
        booking = await booking_service.visible_booking(session, booking_id, viewer)
        if booking.status == BookingStatus.cancelled:
            raise MeetingCancelled(details="Book a new session to get a new meeting.")
        return booking_meeting(settings, booking, viewer, now)

    async def by_join_link(
        self,
        session: AsyncSession,
        settings: Settings,
        booking_id: int,
        key: str,
        *,
        now: datetime,
    ) -> Meeting:
        """The meeting as the booking's client sees it, for whoever holds the link mailed to
        them; a wrong key is told the booking does not exist."""
        booking = await repository.booking_by_id(session, booking_id)
        if booking is None or not key_matches(settings, JoinLinkKind.booking, str(booking_id), key):
            raise BookingNotFound()
        if booking.status == BookingStatus.cancelled:
            raise MeetingCancelled(details="Book a new session to get a new meeting.")
        client = await session.get(User, booking.user_id)
        if client is None:
            raise BookingNotFound()
        return booking_meeting(settings, booking, client, now)


meeting_service = MeetingService()
