"""A booking's video session as its client or the therapist sees it: whether and how to join.

The client gets the join link only while the room is released (paid, or payments are off) and
the join window is open, so a link handed out never admits anyone at another time. The
therapist (an admin) gets the link of any booking that is not cancelled, at any time, and joins
as the room's moderator. With Jitsi tokens configured, every link carries a token valid only
inside the join window, so one passed on or kept beyond the session does not open the room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings.service import booking_service
from attune.integrations.jitsi import Participant
from attune.models import Booking, BookingStatus, User
from attune.platform.settings import Settings
from attune.video.errors import MeetingCancelled
from attune.video.rooms import join_url, join_window, room_released, what_is_needed

# A session with a recorded outcome is over, even when its join window is still open.
OUTCOMES = (BookingStatus.completed, BookingStatus.no_show)


class MeetingStatus(StrEnum):
    pending = "pending"
    scheduled = "scheduled"
    active = "active"
    completed = "completed"


@dataclass(frozen=True)
class Meeting:
    booking: Booking
    status: MeetingStatus
    opens_at: datetime
    closes_at: datetime
    can_join: bool
    moderator: bool
    url: str | None
    room_id: str | None
    instructions: str


def meeting_status(settings: Settings, booking: Booking, now: datetime) -> MeetingStatus:
    opens_at, closes_at = join_window(booking.scheduled_at, booking.ends_at)
    if booking.status in OUTCOMES or now > closes_at:
        return MeetingStatus.completed
    if not room_released(settings, booking):
        return MeetingStatus.pending
    if now < opens_at:
        return MeetingStatus.scheduled
    return MeetingStatus.active


def instructions(
    settings: Settings,
    status: MeetingStatus,
    opens_at: datetime,
    closes_at: datetime,
    *,
    for_practice: bool = False,
) -> str:
    zone = settings.zone
    opens = opens_at.astimezone(zone)
    closes = closes_at.astimezone(zone)
    when = (
        f"The room opens at {opens:%H:%M} on {opens:%A %d %B %Y} ({settings.practice_timezone}), "
        f"10 minutes before the session starts, and closes at {closes:%H:%M}, 15 minutes "
        "after it ends."
    )
    if status is MeetingStatus.completed:
        return "This session is over and its room is closed."
    if status is MeetingStatus.active:
        lead = (
            f"The room is open until {closes:%H:%M} ({settings.practice_timezone}): "
            "join with the meeting URL."
        )
    elif status is MeetingStatus.pending and for_practice:
        lead = f"The session is not paid yet: the client gets the join link once it is. {when}"
    elif status is MeetingStatus.pending:
        lead = f"The join link is released once the session is paid. {when}"
    elif for_practice:
        lead = when
    else:
        lead = f"{when} Ask for this meeting again then to get the join link."
    return f"{lead} {what_is_needed(settings)}"


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
        status = meeting_status(settings, booking, now)
        window = join_window(booking.scheduled_at, booking.ends_at)
        opens_at, closes_at = window
        window_open = opens_at <= now <= closes_at and booking.status == BookingStatus.scheduled
        # The therapist may hold a session that is not paid yet; the client may not.
        can_join = window_open if viewer.is_admin else status is MeetingStatus.active
        shown = viewer.is_admin or can_join
        participant = Participant(
            name=f"{viewer.first_name} {viewer.last_name}",
            email=viewer.email,
            moderator=viewer.is_admin,
        )
        return Meeting(
            booking=booking,
            status=status,
            opens_at=opens_at,
            closes_at=closes_at,
            can_join=can_join,
            moderator=viewer.is_admin,
            url=join_url(settings, booking.room_id, participant, window) if shown else None,
            room_id=booking.room_id if shown else None,
            instructions=instructions(
                settings, status, opens_at, closes_at, for_practice=viewer.is_admin
            ),
        )


meeting_service = MeetingService()
