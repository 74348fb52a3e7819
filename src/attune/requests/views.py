"""What the appointment request services answer: a request as one viewer may see it, decided once.

Its personal fields opened, its meeting worked out for one moment, and the room's link given
by the one link rule (video.rooms.link_for): to the requester inside the join window of a
scheduled appointment, to the practice's host (as moderator) whenever it is scheduled. Every
front door turns a view into its own shape and decides none of this again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from attune.appointments.window import join_window
from attune.integrations.jitsi import Participant
from attune.models import AppointmentRequest, AppointmentStatus
from attune.platform.crypto import Encryptor
from attune.platform.settings import Settings
from attune.requests.assignment import NO_NAMES, PracticeNames
from attune.requests.mail import Requester
from attune.video.rooms import link_for, what_is_needed, window_enforced


class AppointmentMeetingStatus(StrEnum):
    pending = "pending"
    scheduled = "scheduled"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


@dataclass(frozen=True)
class MeetingView:
    """The video meeting of a scheduled request, as one viewer may see it at one moment."""

    starts_at: datetime
    ends_at: datetime
    opens_at: datetime
    closes_at: datetime
    # The start in the practice's zone, and the zone's name, for people to read.
    local_starts_at: datetime
    zone: str
    # None unless the viewer may have the room now; the room's name only with its link.
    url: str | None
    room_id: str | None
    instructions: str


@dataclass(frozen=True)
class AppointmentView:
    id: str
    user_id: int | None
    first_name: str
    last_name: str
    email: str
    phone: str | None
    reason: str | None
    preferred_dates: Sequence[str]
    preferred_time_slots: Sequence[str]
    # The therapist asked for, or given the request when it was scheduled, and the service
    # asked for, with the names they go by.
    therapist_id: int | None
    therapist: str | None
    service_id: int | None
    service: str | None
    status: AppointmentStatus
    scheduled_at: datetime | None
    scheduled_duration: int | None
    scheduled_end_at: datetime | None
    rejection_reason: str | None
    # The viewer may not read the reason and the rejection reason (the front desk): both are
    # None, whatever was written.
    reason_hidden: bool
    meeting_status: AppointmentMeetingStatus
    can_join: bool
    window_enforced: bool
    # None unless the request is scheduled with a room (a withdrawn request keeps its room's
    # name in the table, for the record, but has no meeting).
    meeting: MeetingView | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AppointmentStatsView:
    counts: dict[AppointmentStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: AppointmentStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def completion_rate(self) -> float:
        if self.total == 0:
            return 0.0
        return round(self.count(AppointmentStatus.scheduled) / self.total * 100, 2)


def meeting_state(
    request: AppointmentRequest, now: datetime
) -> tuple[AppointmentMeetingStatus, bool]:
    """The meeting's status and whether its room admits people at `now` (docs/decisions.md,
    "Slots and bookings": the meeting link follows one rule)."""
    if request.status in (AppointmentStatus.rejected, AppointmentStatus.withdrawn):
        return AppointmentMeetingStatus.cancelled, False
    if (
        request.status != AppointmentStatus.scheduled
        or request.scheduled_at is None
        or request.scheduled_end_at is None
    ):
        return AppointmentMeetingStatus.pending, False
    opens_at, closes_at = join_window(request.scheduled_at, request.scheduled_end_at)
    if now < opens_at:
        return AppointmentMeetingStatus.scheduled, False
    if now > closes_at:
        return AppointmentMeetingStatus.completed, False
    return AppointmentMeetingStatus.active, True


def appointment_view(
    settings: Settings,
    request: AppointmentRequest,
    host: Participant | None,
    now: datetime,
    *,
    names: PracticeNames = NO_NAMES,
    reasons_shown: bool = True,
) -> AppointmentView:
    """The request as its requester sees it at `now`, or as `host`, the member of the practice
    who holds its room, when one is given; without `reasons_shown` its reasons are left out."""
    encryptor = Encryptor.from_settings(settings)
    person = Requester.of(settings, request)
    status, can_join = meeting_state(request, now)
    return AppointmentView(
        id=request.id,
        user_id=request.user_id,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        phone=encryptor.decrypt_optional(request.phone_encrypted),
        reason=encryptor.decrypt_optional(request.reason_encrypted) if reasons_shown else None,
        preferred_dates=tuple(request.preferred_dates),
        preferred_time_slots=tuple(request.preferred_time_slots),
        therapist_id=request.therapist_id,
        therapist=names.therapist(request.therapist_id),
        service_id=request.service_id,
        service=names.service(request.service_id),
        status=AppointmentStatus(request.status),
        scheduled_at=request.scheduled_at,
        scheduled_duration=request.scheduled_duration,
        scheduled_end_at=request.scheduled_end_at,
        rejection_reason=encryptor.decrypt_optional(request.rejection_reason_encrypted)
        if reasons_shown
        else None,
        reason_hidden=not reasons_shown,
        meeting_status=status,
        can_join=can_join,
        window_enforced=window_enforced(settings),
        meeting=_meeting(settings, request, host or _requester(person), status, now),
        created_at=request.created_at,
        updated_at=request.updated_at,
    )


def _requester(person: Requester) -> Participant:
    return Participant(name=person.full_name, email=person.email, moderator=False)


def _meeting(
    settings: Settings,
    request: AppointmentRequest,
    viewer: Participant,
    status: AppointmentMeetingStatus,
    now: datetime,
) -> MeetingView | None:
    starts_at, ends_at = request.scheduled_at, request.scheduled_end_at
    if (
        request.status != AppointmentStatus.scheduled
        or request.room_id is None
        or starts_at is None
        or ends_at is None
    ):
        return None
    window = join_window(starts_at, ends_at)
    url = link_for(
        settings,
        request.room_id,
        window,
        viewer,
        released=status is AppointmentMeetingStatus.active,
        now=now,
    )
    return MeetingView(
        starts_at=starts_at,
        ends_at=ends_at,
        opens_at=window[0],
        closes_at=window[1],
        local_starts_at=starts_at.astimezone(settings.zone),
        zone=settings.practice_timezone,
        url=url,
        room_id=request.room_id if url is not None else None,
        instructions=_instructions(settings, status, *window),
    )


def _instructions(
    settings: Settings, status: AppointmentMeetingStatus, opens_at: datetime, closes_at: datetime
) -> str:
    opens = opens_at.astimezone(settings.zone)
    closes = closes_at.astimezone(settings.zone)
    zone = settings.practice_timezone
    if status is AppointmentMeetingStatus.completed:
        return "This appointment is over and its room is closed."
    if status is AppointmentMeetingStatus.active:
        lead = f"The room is open until {closes:%H:%M} ({zone}): join with the meeting URL."
    else:
        lead = (
            f"The room opens at {opens:%H:%M} on {opens:%A %d %B %Y} ({zone}), 10 minutes "
            f"before the appointment starts, and closes at {closes:%H:%M}, 15 minutes after it "
            "ends."
        )
    return f"{lead} {what_is_needed(settings)}"
