"""Request and response bodies of the booking endpoints, in seed 000's shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from attune.appointments.fields import Notes, Reason
from attune.bookings.meeting import booking_meeting
from attune.bookings.policy import late_cancellation
from attune.models import Booking, BookingStatus, PaymentStatus, Refund, RefundStatus, User
from attune.platform.crypto import Encryptor
from attune.platform.fields import MAX_ID, Id, whole_number
from attune.platform.settings import Settings
from attune.video.rooms import window_enforced
from attune.video.schemas import WINDOW_ENFORCED_DESCRIPTION

Minutes = Annotated[int, Field(ge=1, le=24 * 60), BeforeValidator(whole_number)]
Cents = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(whole_number)]


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schedule_id: Id
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


@dataclass(frozen=True)
class BookingRefunds:
    """What has gone back of a booking's payment, loaded with the booking by whoever shows it
    (attune.payments.refunds.refunds_of_bookings)."""

    amount_refunded_cents: int = 0
    refunds: Sequence[Refund] = ()


NO_REFUNDS = BookingRefunds()


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


Shown = TypeVar("Shown", bound=BookingRead)


def refund_fields(refunds: BookingRefunds) -> dict[str, Any]:
    return {
        "amount_refunded": refunds.amount_refunded_cents / 100,
        "amount_refunded_cents": refunds.amount_refunded_cents,
        "refunds": [refund_read(refund) for refund in refunds.refunds],
    }


def with_refunds(shown: Shown, refunds: BookingRefunds | None) -> Shown:
    """A booking as shown, with its refunds (for views built on `booking_read`)."""
    return shown.model_copy(update=refund_fields(refunds or NO_REFUNDS))


def booking_read(
    settings: Settings,
    booking: Booking,
    refunds: BookingRefunds | None = None,
    *,
    viewer: User,
    now: datetime,
) -> BookingRead:
    """The booking as `viewer` (its client or an admin) may see it at `now` (which also decides
    whether a cancellation would be late); `refunds` as loaded by the caller (a booking shown
    without them shows none)."""
    cancelled = booking.status == BookingStatus.cancelled
    meeting = None if cancelled else booking_meeting(settings, booking, viewer, now)
    encryptor = Encryptor.from_settings(settings)
    return BookingRead(
        id=booking.id,
        user_id=booking.user_id,
        schedule_id=booking.schedule_id,
        scheduled_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        duration=booking.duration_minutes,
        status=booking.status,
        jitsi_room_id=meeting.room_id if meeting else None,
        jitsi_room_url=meeting.url if meeting else None,
        meeting_opens_at=meeting.opens_at if meeting else None,
        join_window_enforced=window_enforced(settings),
        amount=booking.amount_cents / 100,
        amount_cents=booking.amount_cents,
        currency=booking.currency,
        payment_status=booking.payment_status,
        payment_id=booking.payment_id,
        **refund_fields(refunds or NO_REFUNDS),
        notes=encryptor.decrypt_optional(booking.notes_encrypted),
        late_cancellation=late_cancellation(settings, booking, now),
        cancelled_at=booking.cancelled_at,
        cancellation_reason=encryptor.decrypt_optional(booking.cancellation_reason_encrypted),
        created_at=booking.created_at,
        updated_at=booking.updated_at,
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


def refund_read(refund: Refund) -> RefundRead:
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
