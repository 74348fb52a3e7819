from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped, new_calendar_uid
from attune.platform.crypto import encrypted_column
from attune.platform.database import Base


class BookingStatus(StrEnum):
    scheduled = "scheduled"
    completed = "completed"
    cancelled = "cancelled"
    no_show = "no_show"


class PaymentStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    refunded = "refunded"


# A booking in one of these states holds its seat in its slot (counted in `booked_count`).
SEAT_HOLDING = (BookingStatus.scheduled, BookingStatus.completed, BookingStatus.no_show)


class Booking(Timestamped, Base):
    """A client's seat in a slot, with its video room, price and payment state."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("ends_at > scheduled_at", name="ends_after_start"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        Index("ix_bookings_user_scheduled_at", "user_id", "scheduled_at"),
        Index("ix_bookings_status_scheduled_at", "status", "scheduled_at"),
        Index("ix_bookings_room_id", "room_id"),
        Index("ix_bookings_therapist_id_scheduled_at", "therapist_id", "scheduled_at"),
        CheckConstraint("delivery IN ('video', 'in_person')", name="delivery_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Kept when the slot is deleted, which only happens once no booking holds a seat in it.
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), index=True
    )
    # The slot's therapist and the service booked, copied so the booking outlives its slot.
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.user_id", ondelete="RESTRICT"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    # video: the Jitsi room and join window; in_person: `location` (NULL: the practice's
    # address), and no room is handed out.
    delivery: Mapped[str] = mapped_column(String(16), default="video", server_default="video")
    location: Mapped[str | None] = mapped_column(String(200))
    # The slot's times, copied so that a booking reads (and is reminded) on its own.
    scheduled_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[BookingStatus] = mapped_column(String(16), default=BookingStatus.scheduled)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    payment_status: Mapped[PaymentStatus] = mapped_column(String(16), default=PaymentStatus.pending)
    payment_id: Mapped[str | None] = mapped_column(String(255))
    # The client's notes, Fernet-encrypted (attune.platform.crypto); never stored in clear.
    notes_encrypted: Mapped[str | None] = encrypted_column()
    # At least 128 random bits: knowing one room tells nothing about another. The bookings of
    # one slot share its room (`Schedule.room_id`), so a group session meets in one room.
    room_id: Mapped[str] = mapped_column(String(64))
    # The event's UID in every calendar, given when the booking is made (new_calendar_uid).
    # Bookings made before keep the `booking-<id>@<domain>` their invitations already carry.
    calendar_uid: Mapped[str] = mapped_column(String(255), unique=True, default=new_calendar_uid)
    # Raised whenever the time changes, so calendar clients replace the event (ICS SEQUENCE).
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    # Set when its client moved it while its start was less than the cancellation notice away
    # (attune.bookings.policy): a later cancellation by the client refunds nothing, whatever
    # the new date. Kept through further moves; the terms in force at the move decide it.
    late_cancellation: Mapped[bool] = mapped_column(default=False, server_default=false())
    cancelled_at: Mapped[datetime | None]
    cancelled_by_practice: Mapped[bool] = mapped_column(default=False)
    # Why it was cancelled, as personal as the notes: encrypted the same way.
    cancellation_reason_encrypted: Mapped[str | None] = encrypted_column()
    completed_at: Mapped[datetime | None]
    # Set when the reminder was sent, or when the booking was made (or moved) already inside
    # that reminder's window, where its confirmation is the reminder. Cleared by a reschedule.
    reminder_24h_at: Mapped[datetime | None]
    reminder_1h_at: Mapped[datetime | None]

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.scheduled_at).total_seconds() // 60)

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING
