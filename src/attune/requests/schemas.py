"""Request and response bodies of the appointment request endpoints, in seed 003's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

from attune.accounts.schemas import Email, Name, Phone
from attune.appointments.fields import Notes, Reason
from attune.models import AppointmentStatus, TimeOfDay
from attune.platform.fields import CalendarDate, Id, Instant, Text, whole_number
from attune.requests.intake import NewAppointment
from attune.requests.review import DEFAULT_DURATION
from attune.requests.views import (
    AppointmentMeetingStatus,
    AppointmentStatsView,
    AppointmentView,
    MeetingView,
)
from attune.video.schemas import WINDOW_ENFORCED_DESCRIPTION

MAX_PREFERRED_DATES = 10
MIN_DURATION = 15
MAX_DURATION = 240
EXAMPLE_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
EXAMPLE_ROOM = "attune-3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"
T = TypeVar("T")


def _no_duplicates(values: list[T]) -> list[T]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("duplicates", "must not name the same value twice")
    return values


Duration = Annotated[int, Field(ge=MIN_DURATION, le=MAX_DURATION), BeforeValidator(whole_number)]


class AppointmentCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    first_name: Name = Field(examples=["John"])
    last_name: Name = Field(examples=["Doe"])
    email: Email
    phone: Phone | None = Field(default=None, examples=["+1234567890"])
    # Up to 2000 characters, as a booking's notes.
    reason: Notes | None = Field(default=None, examples=["Initial consultation for anxiety"])
    preferred_dates: Annotated[
        list[CalendarDate],
        Field(min_length=1, max_length=MAX_PREFERRED_DATES),
        AfterValidator(_no_duplicates),
    ] = Field(
        description="Dates (`YYYY-MM-DD`, the practice's calendar) within the next 30 days, "
        "each on a weekday the practice takes appointments.",
        examples=[["2024-01-15", "2024-01-16"]],
    )
    preferred_time_slots: Annotated[
        list[TimeOfDay],
        Field(min_length=1, max_length=len(TimeOfDay)),
        AfterValidator(_no_duplicates),
    ] = Field(
        description="`morning` 09–12, `afternoon` 13–17, `evening` 18–21 (the practice's zone).",
        examples=[["morning", "afternoon"]],
    )

    therapist_id: Id | None = Field(
        default=None,
        description="The therapist asked for (`GET /api/therapists`); left out, the practice "
        "chooses. Must offer `service_id` when both are given.",
        examples=[2],
    )
    service_id: Id | None = Field(
        default=None,
        description="The service asked for (`GET /api/services`); left out, the practice chooses.",
        examples=[1],
    )

    def wanted(self) -> NewAppointment:
        return NewAppointment(
            first_name=self.first_name,
            last_name=self.last_name,
            email=self.email,
            phone=self.phone,
            reason=self.reason,
            preferred_dates=self.preferred_dates,
            preferred_time_slots=[slot.value for slot in self.preferred_time_slots],
            therapist_id=self.therapist_id,
            service_id=self.service_id,
        )


class AppointmentSchedule(BaseModel):
    model_config = ConfigDict(extra="ignore")

    scheduled_datetime: Instant = Field(
        description="RFC 3339 with a UTC offset (`Z` or `+01:00`), in the future.",
        examples=["2024-01-15T10:00:00Z"],
    )
    scheduled_duration: Duration = Field(
        default=DEFAULT_DURATION,
        description="Minutes.",
        examples=[60],
    )
    therapist_id: Id | None = Field(
        default=None,
        description="Who sees the client. Left out: the therapist the request named, else the "
        "caller when they are a therapist, else the practice's only therapist; required when "
        "none of these is one. A therapist schedules only on their own calendar.",
        examples=[2],
    )


class AppointmentMove(AppointmentSchedule):
    scheduled_duration: Duration | None = Field(  # type: ignore[assignment]
        default=None,
        description="Minutes; left out, the appointment keeps its length.",
        examples=[60],
    )


class AppointmentReject(BaseModel):
    model_config = ConfigDict(extra="ignore")

    rejection_reason: Reason | None = Field(
        default=None, examples=["No availability for preferred dates"]
    )


class AppointmentClaim(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: Text = Field(
        min_length=1,
        max_length=64,
        description="The code in the acknowledgement mailed to the request's address.",
        examples=["3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"],
    )


CREATE_EXAMPLES: dict[str, Any] = {
    "seed_003": {
        "summary": "Contract 003",
        "value": {
            "first_name": "John",
            "last_name": "Doe",
            "email": "john@example.com",
            "phone": "+1234567890",
            "reason": "Initial consultation for anxiety",
            "preferred_dates": ["2024-01-15", "2024-01-16"],
            "preferred_time_slots": ["morning", "afternoon"],
        },
    },
    "minimal": {
        "summary": "Only the required fields",
        "value": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "preferred_dates": ["2024-01-15"],
            "preferred_time_slots": ["evening"],
        },
    },
}
SCHEDULE_EXAMPLES: dict[str, Any] = {
    "seed_003": {
        "summary": "Contract 003",
        "value": {"scheduled_datetime": "2024-01-15T10:00:00Z", "scheduled_duration": 60},
    },
    "with_offset": {
        "summary": "A local time with its offset; 60 minutes by default",
        "value": {"scheduled_datetime": "2024-01-15T11:00:00+01:00"},
    },
}
REJECT_EXAMPLES: dict[str, Any] = {
    "seed_003": {
        "summary": "Contract 003",
        "value": {"rejection_reason": "No availability for preferred dates"},
    },
    "no_reason": {"summary": "Without a reason", "value": {}},
}


class AppointmentRead(BaseModel):
    """An appointment request with its meeting, as seed 003 names the fields."""

    id: str = Field(examples=[EXAMPLE_ID])
    user_id: int | None = Field(
        description="The account it belongs to: the signed-in client who asked, or the one "
        "that claimed it with the mailed code; null until then.",
        examples=[12],
    )
    first_name: str = Field(examples=["John"])
    last_name: str = Field(examples=["Doe"])
    email: str = Field(examples=["john@example.com"])
    phone: str | None = Field(examples=["+1234567890"])
    reason: str | None = Field(examples=["Initial consultation for anxiety"])
    preferred_dates: list[str] = Field(examples=[["2024-01-15", "2024-01-16"]])
    preferred_time_slots: list[str] = Field(examples=[["morning", "afternoon"]])
    status: AppointmentStatus = Field(examples=["scheduled"])
    scheduled_datetime: datetime | None = Field(examples=["2024-01-15T10:00:00Z"])
    scheduled_duration: int | None = Field(description="Minutes.", examples=[60])
    scheduled_end: datetime | None = Field(examples=["2024-01-15T11:00:00Z"])
    rejection_reason: str | None = Field(examples=[None])
    therapist_id: int | None = Field(
        description="The therapist asked for, or who sees the client once it is scheduled; "
        "null when the request named none and is not scheduled.",
        examples=[2],
    )
    therapist: str | None = Field(description="The name of `therapist_id`.", examples=["Theo Reed"])
    service_id: int | None = Field(description="The service asked for, if any.", examples=[1])
    service: str | None = Field(description="The name of `service_id`.", examples=["Session"])
    reason_hidden: bool = Field(
        description="True when the caller may not read reasons (the front desk): `reason` and "
        "`rejection_reason` are then null whatever was written.",
        examples=[False],
    )
    jitsi_meet_url: str | None = Field(
        description="The link to join with, given to the requester only inside the join "
        "window of a scheduled appointment (from `meeting_opens_at`, 10 minutes before the "
        "start, to 15 minutes after the end), null otherwise; an admin gets it whenever the "
        "appointment is scheduled. Carries a `jwt` when Jitsi tokens are configured.",
        examples=[f"https://meet.jit.si/{EXAMPLE_ROOM}"],
    )
    jitsi_room_id: str | None = Field(
        description="Null unless the caller may have the link now (as `jitsi_meet_url`).",
        examples=[EXAMPLE_ROOM],
    )
    has_jitsi_meeting: bool = Field(
        description="Whether the appointment is scheduled with a video room.", examples=[True]
    )
    meeting_opens_at: datetime | None = Field(
        description="When the join window opens and the link is given; null unless scheduled.",
        examples=["2024-01-15T09:50:00Z"],
    )
    join_window_enforced: bool = Field(description=WINDOW_ENFORCED_DESCRIPTION, examples=[False])
    can_join_meeting: bool = Field(
        description="Inside the join window: 10 minutes before the start to 15 after the end.",
        examples=[False],
    )
    meeting_status: AppointmentMeetingStatus = Field(
        description="`pending`: not scheduled; `scheduled`: before the join window; `active`: "
        "inside it; `completed`: after it; `cancelled`: rejected or withdrawn.",
        examples=["scheduled"],
    )
    created_at: datetime = Field(examples=["2024-01-10T08:30:00Z"])
    updated_at: datetime = Field(examples=["2024-01-11T09:00:00Z"])


class AppointmentStats(BaseModel):
    total_requests: int = Field(examples=[10])
    pending_review: int = Field(examples=[3])
    scheduled: int = Field(examples=[5])
    rejected: int = Field(examples=[1])
    withdrawn: int = Field(description="Beyond seed 003.", examples=[1])
    completion_rate: float = Field(
        description="Scheduled requests as a percentage of all requests; 0 when there are none.",
        examples=[50.0],
    )


class JitsiMeetingRead(BaseModel):
    """Seed 003's `jitsi-meeting` answer, with exact times added."""

    appointment_id: str = Field(examples=[EXAMPLE_ID])
    meeting_url: str | None = Field(
        description="The link to join with, given to the requester only inside the join "
        "window (null before and after it); an admin gets it at any time. Carries a `jwt` "
        "when Jitsi tokens are configured, valid only inside the join window.",
        examples=[f"https://meet.jit.si/{EXAMPLE_ROOM}"],
    )
    room_id: str | None = Field(
        description="Null unless `meeting_url` is given.", examples=[EXAMPLE_ROOM]
    )
    scheduled_time: str = Field(
        description="The start in the practice's zone, for people.",
        examples=["Monday 15 January 2024, 10:00 (UTC)"],
    )
    duration: str = Field(examples=["60 minutes"])
    can_join: bool = Field(examples=[True])
    meeting_status: AppointmentMeetingStatus = Field(examples=["active"])
    join_instructions: str = Field(
        examples=["The room is open until 11:15 (UTC): join with the meeting URL."]
    )
    scheduled_at: datetime = Field(examples=["2024-01-15T10:00:00Z"])
    ends_at: datetime = Field(examples=["2024-01-15T11:00:00Z"])
    join_opens_at: datetime = Field(examples=["2024-01-15T09:50:00Z"])
    join_closes_at: datetime = Field(examples=["2024-01-15T11:15:00Z"])
    join_window_enforced: bool = Field(description=WINDOW_ENFORCED_DESCRIPTION, examples=[False])


def appointment_read(view: AppointmentView) -> AppointmentRead:
    meeting = view.meeting
    return AppointmentRead(
        id=view.id,
        user_id=view.user_id,
        first_name=view.first_name,
        last_name=view.last_name,
        email=view.email,
        phone=view.phone,
        reason=view.reason,
        preferred_dates=list(view.preferred_dates),
        preferred_time_slots=list(view.preferred_time_slots),
        status=view.status,
        scheduled_datetime=view.scheduled_at,
        scheduled_duration=view.scheduled_duration,
        scheduled_end=view.scheduled_end_at,
        rejection_reason=view.rejection_reason,
        therapist_id=view.therapist_id,
        therapist=view.therapist,
        service_id=view.service_id,
        service=view.service,
        reason_hidden=view.reason_hidden,
        jitsi_meet_url=meeting.url if meeting is not None else None,
        jitsi_room_id=meeting.room_id if meeting is not None else None,
        has_jitsi_meeting=meeting is not None,
        meeting_opens_at=meeting.opens_at if meeting is not None else None,
        join_window_enforced=view.window_enforced,
        can_join_meeting=view.can_join,
        meeting_status=view.meeting_status,
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


def appointment_stats_read(view: AppointmentStatsView) -> AppointmentStats:
    return AppointmentStats(
        total_requests=view.total,
        pending_review=view.count(AppointmentStatus.pending_review),
        scheduled=view.count(AppointmentStatus.scheduled),
        rejected=view.count(AppointmentStatus.rejected),
        withdrawn=view.count(AppointmentStatus.withdrawn),
        completion_rate=view.completion_rate,
    )


def meeting_of(view: AppointmentView) -> MeetingView:
    """The meeting of a request that has one: the services answer for no other."""
    if view.meeting is None:
        raise ValueError(f"appointment request {view.id} has no meeting")
    return view.meeting


def jitsi_meeting_read(view: AppointmentView) -> JitsiMeetingRead:
    meeting = meeting_of(view)
    start = meeting.local_starts_at
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    return JitsiMeetingRead(
        appointment_id=view.id,
        meeting_url=meeting.url,
        room_id=meeting.room_id,
        scheduled_time=f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} ({meeting.zone})",
        duration=f"{minutes} minutes",
        can_join=view.can_join,
        meeting_status=view.meeting_status,
        join_instructions=meeting.instructions,
        scheduled_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        join_opens_at=meeting.opens_at,
        join_closes_at=meeting.closes_at,
        join_window_enforced=view.window_enforced,
    )
