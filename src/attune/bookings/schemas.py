"""Request and response bodies of the booking endpoints, in seed 000's shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from attune.models import Booking, BookingStatus, PaymentStatus
from attune.platform.crypto import Encryptor
from attune.platform.settings import Settings
from attune.video.rooms import room_released, room_url

MAX_NOTES_LENGTH = 2000


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schedule_id: int = Field(ge=1, le=2**31 - 1)
    # Seed 000 sends it; the slot decides the length, and a different value is refused.
    duration: int | None = Field(default=None, ge=1, le=24 * 60)
    notes: str | None = Field(default=None, max_length=MAX_NOTES_LENGTH)


class BookingReschedule(BaseModel):
    new_schedule_id: int = Field(ge=1, le=2**31 - 1)


class BookingRead(BaseModel):
    """A booking as seed 000 shows it, plus fields the seed leaves out.

    `jitsi_room_id` and `jitsi_room_url` are null until the booking is paid (or payments are
    off), and for a cancelled booking; `amount` is the seed's decimal, `amount_cents` exact.
    """

    id: int = Field(examples=[1])
    user_id: int = Field(examples=[1])
    schedule_id: int | None = Field(examples=[1])
    scheduled_at: datetime = Field(examples=["2024-12-15T10:00:00Z"])
    ends_at: datetime = Field(examples=["2024-12-15T11:00:00Z"])
    duration: int = Field(description="Minutes.", examples=[60])
    status: BookingStatus = Field(examples=["scheduled"])
    jitsi_room_id: str | None = Field(examples=["attune-3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"])
    jitsi_room_url: str | None = Field(
        examples=["https://meet.jit.si/attune-3f2a9c0e7b1d4a5f8e6c2b1a0d9f8e7c"]
    )
    amount: float = Field(examples=[100.0])
    amount_cents: int = Field(examples=[10000])
    currency: str = Field(examples=["usd"])
    payment_status: PaymentStatus = Field(examples=["pending"])
    payment_id: str | None = Field(examples=[None])
    notes: str | None = Field(examples=["Initial consultation session"])
    cancelled_at: datetime | None = Field(examples=[None])
    cancellation_reason: str | None = Field(examples=[None])
    created_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])
    updated_at: datetime = Field(examples=["2024-12-06T10:00:00Z"])


def booking_read(settings: Settings, booking: Booking) -> BookingRead:
    released = room_released(settings, booking)
    notes = (
        Encryptor.from_settings(settings).decrypt(booking.notes_encrypted)
        if booking.notes_encrypted is not None
        else None
    )
    return BookingRead(
        id=booking.id,
        user_id=booking.user_id,
        schedule_id=booking.schedule_id,
        scheduled_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        duration=booking.duration_minutes,
        status=booking.status,
        jitsi_room_id=booking.room_id if released else None,
        jitsi_room_url=room_url(settings, booking.room_id) if released else None,
        amount=booking.amount_cents / 100,
        amount_cents=booking.amount_cents,
        currency=booking.currency,
        payment_status=booking.payment_status,
        payment_id=booking.payment_id,
        notes=notes,
        cancelled_at=booking.cancelled_at,
        cancellation_reason=booking.cancellation_reason,
        created_at=booking.created_at,
        updated_at=booking.updated_at,
    )
