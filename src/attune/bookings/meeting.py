"""A video session as one person sees it: its status, whether and how to join, and when.

The link follows the one rule of `video.rooms.link_for`: the client gets it only while the room
is released (paid, or payments are off) and the join window is open; the host (the therapist)
gets the link of any session that is not cancelled, at any time, and joins as the room's
moderator. With Jitsi tokens configured, every link carries a token valid only inside the join
window, so one passed on or kept beyond the session does not open the room. Everything here
works from plain values (`meeting`); `booking_meeting` turns a booking into them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from attune.appointments.window import join_window
from attune.integrations.jitsi import Participant
from attune.models import Booking, BookingStatus, Delivery, User
from attune.platform.settings import Settings
from attune.video.rooms import link_for, room_released, what_is_needed, window_enforced


class MeetingStatus(StrEnum):
    pending = "pending"
    scheduled = "scheduled"
    active = "active"
    completed = "completed"


@dataclass(frozen=True)
class Session:
    """What the rule needs to know of a session that is not cancelled."""

    room_id: str
    starts_at: datetime
    ends_at: datetime
    # Whether the room is the client's yet (paid, or payments are off).
    released: bool
    # A session with a recorded outcome is over, even while its join window is still open.
    over: bool


@dataclass(frozen=True)
class Meeting:
    status: MeetingStatus
    opens_at: datetime
    closes_at: datetime
    can_join: bool
    moderator: bool
    url: str | None
    room_id: str | None
    instructions: str
    window_enforced: bool
    # Where a session held in person takes place; None for a video session.
    in_person_at: str | None = None


def meeting_status(session: Session, now: datetime) -> MeetingStatus:
    opens_at, closes_at = join_window(session.starts_at, session.ends_at)
    if session.over or now > closes_at:
        return MeetingStatus.completed
    if not session.released:
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
    if status is MeetingStatus.completed:
        # Most of a client's list: nothing to format.
        return "This session is over and its room is closed."
    zone = settings.zone
    opens = opens_at.astimezone(zone)
    closes = closes_at.astimezone(zone)
    when = (
        f"The room opens at {opens:%H:%M} on {opens:%A %d %B %Y} ({settings.practice_timezone}), "
        f"10 minutes before the session starts, and closes at {closes:%H:%M}, 15 minutes "
        "after it ends."
    )
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


def meeting(settings: Settings, session: Session, person: Participant, now: datetime) -> Meeting:
    """The session as `person` may see it at `now`; `person.moderator` is the host."""
    status = meeting_status(session, now)
    window = join_window(session.starts_at, session.ends_at)
    opens_at, closes_at = window
    window_open = opens_at <= now <= closes_at and not session.over
    # The host may hold a session that is not paid yet; the client may not.
    can_join = window_open if person.moderator else status is MeetingStatus.active
    url = link_for(
        settings,
        session.room_id,
        window,
        person,
        released=status is MeetingStatus.active,
        now=now,
    )
    return Meeting(
        status=status,
        opens_at=opens_at,
        closes_at=closes_at,
        can_join=can_join,
        moderator=person.moderator,
        url=url,
        room_id=session.room_id if url is not None else None,
        instructions=instructions(
            settings, status, opens_at, closes_at, for_practice=person.moderator
        ),
        window_enforced=window_enforced(settings),
    )


# A session with a recorded outcome is over, even when its join window is still open.
OUTCOMES = (BookingStatus.completed, BookingStatus.no_show)


def participant(person: User, *, host: bool) -> Participant:
    return Participant(
        name=f"{person.first_name} {person.last_name}", email=person.email, moderator=host
    )


def booking_meeting(
    settings: Settings, booking: Booking, person: User, *, host: bool, now: datetime
) -> Meeting | None:
    """The meeting of the booking as `person` may see it at `now`; None once it is cancelled.

    `host` says whether the person holds the room (the policy's `host_meetings`)."""
    if booking.status == BookingStatus.cancelled:
        return None
    if booking.delivery == Delivery.in_person:
        return in_person(settings, booking, host=host, now=now)
    session = Session(
        room_id=booking.room_id,
        starts_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        released=room_released(settings, booking),
        over=booking.status in OUTCOMES,
    )
    return meeting(settings, session, participant(person, host=host), now)


def where_held(settings: Settings, location: str | None) -> str:
    """Where an in-person session is held: its room or address, else the practice's."""
    return location or settings.practice_address or settings.practice_name


def in_person(settings: Settings, booking: Booking, *, host: bool, now: datetime) -> Meeting:
    """A session held in person: no video room, no link; the answer says where it is."""
    opens_at, closes_at = join_window(booking.scheduled_at, booking.ends_at)
    over = booking.status in OUTCOMES or now > closes_at
    where = where_held(settings, booking.location)
    return Meeting(
        status=MeetingStatus.completed if over else MeetingStatus.scheduled,
        opens_at=opens_at,
        closes_at=closes_at,
        can_join=False,
        moderator=host,
        url=None,
        room_id=None,
        instructions=f"This session is held in person, at {where}: there is no video room.",
        window_enforced=window_enforced(settings),
        in_person_at=where,
    )
