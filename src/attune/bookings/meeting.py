"""A booking's video session as its client or the therapist sees it: whether and how to join.

The link follows the one rule of `video.rooms.link_for`: the client gets it only while the room
is released (paid, or payments are off) and the join window is open; the therapist (an admin)
gets the link of any booking that is not cancelled, at any time, and joins as the room's
moderator. With Jitsi tokens configured, every link carries a token valid only inside the join
window, so one passed on or kept beyond the session does not open the room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from attune.appointments.window import join_window
from attune.integrations.jitsi import Participant
from attune.models import Booking, BookingStatus, User
from attune.platform.settings import Settings
from attune.video.rooms import (
    link_for,
    room_released,
    what_is_needed,
    window_enforced,
)

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
    window_enforced: bool


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


def booking_meeting(settings: Settings, booking: Booking, viewer: User, now: datetime) -> Meeting:
    """The meeting of a booking that is not cancelled, as `viewer` (its client or an admin) may
    see it at `now`."""
    status = meeting_status(settings, booking, now)
    window = join_window(booking.scheduled_at, booking.ends_at)
    opens_at, closes_at = window
    window_open = opens_at <= now <= closes_at and booking.status == BookingStatus.scheduled
    # The therapist may hold a session that is not paid yet; the client may not.
    can_join = window_open if viewer.is_admin else status is MeetingStatus.active
    url = link_for(
        settings,
        booking.room_id if booking.status != BookingStatus.cancelled else None,
        window,
        Participant(
            name=f"{viewer.first_name} {viewer.last_name}",
            email=viewer.email,
            moderator=viewer.is_admin,
        ),
        released=status is MeetingStatus.active,
        now=now,
    )
    return Meeting(
        booking=booking,
        status=status,
        opens_at=opens_at,
        closes_at=closes_at,
        can_join=can_join,
        moderator=viewer.is_admin,
        url=url,
        room_id=booking.room_id if url is not None else None,
        instructions=instructions(
            settings, status, opens_at, closes_at, for_practice=viewer.is_admin
        ),
        window_enforced=window_enforced(settings),
    )
