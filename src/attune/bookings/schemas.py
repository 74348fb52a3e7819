"""Request and response bodies of the booking endpoints, in seed 000's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from attune.appointments.fields import Notes, Reason
from attune.bookings.meeting import MeetingStatus
from attune.bookings.views import BookingMeetingView, BookingView, RefundView
from attune.models import BookingStatus, PaymentStatus, RefundStatus
from attune.platform.fields import MAX_ID, Id, whole_number
from attune.video.schemas import EXAMPLE_ROOM, WINDOW_ENFORCED_DESCRIPTION

Minutes = Annotated[int, Field(ge=1, le=24 * 60), BeforeValidator(whole_number)]
Cents = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(whole_number)]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schedule_id: Id
    service_id: Id | None = Field(
        default=None,
        description="Which of the slot's services; needed only when it offers several.",
        examples=[1],
    )
    # Seed 000 sends it; the slot decides the length, and a different value is refused.
    duration: Minutes | None = Field(
        default=None,
        description="Minutes; optional. When sent, it must equal the slot's length.",
        examples=[60],
    )
    notes: Notes | None = Field(
        default=None,
        description="For the therapist; stored encrypted.",
        examples=["Initial consultation session"],
    )


class BookingReschedule(BaseModel):
    new_schedule_id: Id = Field(examples=[2])


class BookingCancel(BaseModel):
    """The optional body of a cancellation; seed 000 sends none."""

    reason: Reason | None = Field(default=None, examples=["I have a conflicting appointment"])


class RefundRead(BaseModel):
    id: int = Field(examples=[1])
    amount_cents: int = Field(examples=[2500])
    status: RefundStatus = Field(
        description="`pending` until the payment provider has made it.", examples=["succeeded"]
    )
    reason: str = Field(
        examples=["cancelled_by_client"],
        description="`cancelled_by_client`, `cancelled_by_practice`, `requested_by_practice` "
        "or `late_payment` (paid after the booking was cancelled).",
    )
    created_at: datetime = Field(examples=["2024-12-07T10:00:00Z"])


class BookingRead(BaseModel):
    """A booking as seed 000 shows it, plus fields the seed leaves out.

    `jitsi_room_id` and `jitsi_room_url` follow the meeting link's one rule: the client gets
    them only inside the join window of a paid booking (or payments are off), the therapist
    whenever the booking is not cancelled; `amount` is the seed's decimal, `amount_cents` exact.
    """

    id: int = Field(examples=[1])
    user_id: int = Field(examples=[1])
    schedule_id: int | None = Field(examples=[1])
    scheduled_at: datetime = Field(examples=["2024-12-15T10:00:00Z"])
    ends_at: datetime = Field(examples=["2024-12-15T11:00:00Z"])
    duration: int = Field(description="Minutes.", examples=[60])
    status: BookingStatus = Field(examples=["scheduled"])
    jitsi_room_id: str | None = Field(
        description="Null unless the caller may have the room's link now (as `jitsi_room_url`).",
        examples=["attune-3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"],
    )
    jitsi_room_url: str | None = Field(
        description="The link to join with, given to the client only inside the join window "
        "(from `meeting_opens_at`, 10 minutes before the start, to 15 minutes after the end) "
        "of a paid session, or one that needs no payment; null otherwise. The therapist gets "
        "it whenever the booking is not cancelled. Carries a `jwt` when Jitsi tokens are "
        "configured.",
        examples=["https://meet.jit.si/attune-3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"],
    )
    meeting_opens_at: datetime | None = Field(
        description="When the join window opens and the client is given the link (once the "
        "session is paid, unless payments are off); null for a cancelled booking.",
        examples=["2024-12-15T09:50:00Z"],
    )
    join_window_enforced: bool = Field(description=WINDOW_ENFORCED_DESCRIPTION, examples=[False])
    amount: float = Field(examples=[100.0])
    amount_cents: int = Field(examples=[10000])
    currency: str = Field(examples=["usd"])
    payment_status: PaymentStatus = Field(examples=["pending"])
    payment_id: str | None = Field(examples=[None])
    notes: str | None = Field(examples=["Initial consultation session"])
    amount_refunded: float = Field(
        description="What has been refunded of the payment, including refunds made in "
        "Stripe's dashboard; refunds still pending are not counted.",
        examples=[0.0],
    )
    amount_refunded_cents: int = Field(examples=[0])
    refunds: list[RefundRead] = Field(description="Oldest first.", examples=[[]])
    late_cancellation: bool = Field(
        description="True when a cancellation by the client now counts as late: the start is "
        "less than `ATTUNE_CANCEL_NOTICE_HOURS` away (the client cannot cancel it), or the "
        "client moved it while it was (cancelling it refunds nothing, whatever its new date). "
        "Moving a booking while this is true keeps it true, unless the practice lets moved "
        "bookings start afresh (`ATTUNE_LATE_MOVE_STAYS_LATE=false`). An admin's cancellation "
        "is always refunded.",
        examples=[False],
    )
    cancelled_at: datetime | None = Field(examples=[None])
    cancellation_reason: str | None = Field(examples=[None])
    created_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])
    updated_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])
    notes_withheld: bool = Field(
        default=False,
        description="True when the booking has notes that the caller may not read (the front "
        "desk reads no clinical notes); `notes` is then null.",
        examples=[False],
    )
    cancellation_reason_withheld: bool = Field(
        default=False,
        description="True when a cancellation reason was given that the caller may not read; "
        "`cancellation_reason` is then null.",
        examples=[False],
    )


def booking_read(view: BookingView) -> BookingRead:
    """The booking's view in seed 000's shape, with the fields the seed leaves out."""
    meeting = view.meeting
    return BookingRead(
        id=view.id,
        user_id=view.user_id,
        schedule_id=view.schedule_id,
        scheduled_at=view.scheduled_at,
        ends_at=view.ends_at,
        duration=view.duration_minutes,
        status=view.status,
        jitsi_room_id=meeting.room_id if meeting else None,
        jitsi_room_url=meeting.url if meeting else None,
        meeting_opens_at=meeting.opens_at if meeting else None,
        join_window_enforced=view.window_enforced,
        amount=view.amount_cents / 100,
        amount_cents=view.amount_cents,
        currency=view.currency,
        payment_status=view.payment_status,
        payment_id=view.payment_id,
        amount_refunded=view.refunds.amount_refunded_cents / 100,
        amount_refunded_cents=view.refunds.amount_refunded_cents,
        refunds=[refund_read(refund) for refund in view.refunds.refunds],
        notes=view.notes,
        late_cancellation=view.late_cancellation,
        cancelled_at=view.cancelled_at,
        cancellation_reason=view.cancellation_reason,
        created_at=view.created_at,
        updated_at=view.updated_at,
        notes_withheld=view.notes_withheld,
        cancellation_reason_withheld=view.cancellation_reason_withheld,
    )


class BookingRefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_cents: Cents | None = Field(
        default=None,
        description="Integer cents, at most what is left to refund; left out, all of it.",
        examples=[2500],
    )


class BookingRefundCreated(BaseModel):
    message: str = Field(examples=["Refund requested successfully"])
    refund: RefundRead


def refund_read(refund: RefundView) -> RefundRead:
    return RefundRead(
        id=refund.id,
        amount_cents=refund.amount_cents,
        status=refund.status,
        reason=refund.reason,
        created_at=refund.created_at,
    )


class BookingCreated(BaseModel):
    message: str = Field(examples=["Booking created successfully"])
    booking: BookingRead


class BookingList(BaseModel):
    bookings: list[BookingRead]


class BookingDetail(BaseModel):
    booking: BookingRead


class BookingChanged(BaseModel):
    message: str = Field(
        examples=["Booking cancelled successfully", "Booking rescheduled successfully"]
    )
    booking: BookingRead


CREATE_EXAMPLES: dict[str, Any] = {
    "seed_000": {
        "summary": "Contract 000",
        "value": {"schedule_id": 1, "duration": 60, "notes": "Initial consultation session"},
    },
    "slot_only": {
        "summary": "The slot alone (its length is the duration)",
        "value": {"schedule_id": 1},
    },
}
CANCEL_EXAMPLES: dict[str, Any] = {
    "no_reason": {
        "summary": "No reason (or no body at all, as contract 000 sends)",
        "value": {},
    },
    "with_reason": {
        "summary": "With a reason, shown in the cancellation mail",
        "value": {"reason": "I have a conflicting appointment"},
    },
}
REFUND_EXAMPLES: dict[str, Any] = {
    "partial": {"summary": "Refund part of the payment", "value": {"amount_cents": 2500}},
    "rest": {"summary": "Refund all that is left", "value": {}},
}
RESCHEDULE_EXAMPLES: dict[str, Any] = {
    "seed_000": {"summary": "Contract 000", "value": {"new_schedule_id": 2}}
}


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
    in_person_at: str | None = Field(
        default=None,
        description="Where a session held in person takes place (then there is no room, no "
        "link and `can_join` is false); null for a video session.",
        examples=[None],
    )


def meeting_read(view: BookingMeetingView) -> MeetingRead:
    meeting = view.meeting
    return MeetingRead(
        booking_id=view.booking_id,
        meeting_url=meeting.url,
        room_id=meeting.room_id,
        can_join=meeting.can_join,
        meeting_status=meeting.status,
        join_instructions=meeting.instructions,
        scheduled_at=view.scheduled_at,
        ends_at=view.ends_at,
        duration=view.duration_minutes,
        join_opens_at=meeting.opens_at,
        join_closes_at=meeting.closes_at,
        moderator=meeting.moderator,
        join_window_enforced=meeting.window_enforced,
        in_person_at=meeting.in_person_at,
    )
