"""Finding a booking's meeting for the person who asks (`GET /api/bookings/{id}/meeting`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings.service import booking_service
from attune.models import BookingStatus, User
from attune.platform.settings import Settings
from attune.video.errors import MeetingCancelled
from attune.video.meetings import Meeting, booking_meeting


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


meeting_service = MeetingService()
