"""The meeting of a booking as `GET /api/bookings/{id}/meeting` shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from attune.bookings.meeting import MeetingStatus

EXAMPLE_ROOM = "attune-3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"
WINDOW_ENFORCED_DESCRIPTION = (
    "Whether the video server itself keeps the room shut outside the join window: true only "
    "with Jitsi tokens configured. When false (a public Jitsi server without tokens), Attune "
    "gives the link out only inside the window, but a link once given opens the room at any "
    "time."
)


class MeetingRead(BaseModel):
    """The fields of contract 003's `jitsi-meeting` answer, with exact times added.

    `meeting_url` and `room_id` are null for the client until the session is paid (or payments
    are off) and the join window is open; the therapist gets them whenever the booking is not
    cancelled. `join_window_enforced` says whether the video server itself keeps the room shut
    outside the window.
    """

    booking_id: int = Field(examples=[1])
    meeting_url: str | None = Field(
        description="The link to join with; carries a `jwt` when Jitsi tokens are configured.",
        examples=[f"https://meet.jit.si/{EXAMPLE_ROOM}"],
    )
    room_id: str | None = Field(examples=[EXAMPLE_ROOM])
    can_join: bool = Field(
        description="Whether the meeting URL admits the caller now.", examples=[True]
    )
    meeting_status: MeetingStatus = Field(
        description="`pending`: not paid yet; `scheduled`: before the join window; "
        "`active`: inside it; `completed`: after it, or the session's outcome is recorded.",
        examples=["active"],
    )
    join_instructions: str = Field(
        examples=[
            "The room is open until 11:15 (UTC): join with the meeting URL. Join from a "
            "computer or phone with a camera and microphone, in a quiet and private place."
        ]
    )
    scheduled_at: datetime = Field(examples=["2024-12-15T10:00:00Z"])
    ends_at: datetime = Field(examples=["2024-12-15T11:00:00Z"])
    duration: int = Field(description="Minutes.", examples=[60])
    join_opens_at: datetime = Field(examples=["2024-12-15T09:50:00Z"])
    join_closes_at: datetime = Field(examples=["2024-12-15T11:15:00Z"])
    moderator: bool = Field(
        description="Whether the caller joins as the room's moderator (the therapist).",
        examples=[False],
    )
    join_window_enforced: bool = Field(
        description=WINDOW_ENFORCED_DESCRIPTION,
        examples=[False],
    )
