"""The practice's people and what they offer: therapists' profiles and services."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped
from attune.platform.database import Base


class Delivery(StrEnum):
    """How a session is held: by video (a Jitsi room), in person (the practice's address or a
    room), or, for a service, either one as the client chooses."""

    video = "video"
    in_person = "in_person"
    both = "both"


# A booking or a slot is held one way; a service may offer both.
SESSION_DELIVERIES = (Delivery.video, Delivery.in_person)


class Therapist(Timestamped, Base):
    """A member of the practice who sees clients: their public profile and their calendar.

    Keyed by the account (`user_id`), so a therapist's id is their account's id everywhere
    (`therapist_id` on slots, bookings and requests). Any role may see clients (an owner often
    does); `is_active` off takes the profile off the public pages and the booking page, while
    the sessions already booked stay.
    """

    __tablename__ = "therapists"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True
    )
    title: Mapped[str | None] = mapped_column(String(100))
    bio: Mapped[str | None] = mapped_column(Text)
    # IETF language tags or names as the practice writes them ("English", "de").
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    photo_url: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())


service_therapists = Table(
    "service_therapists",
    Base.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("therapist_id", ForeignKey("therapists.user_id", ondelete="CASCADE"), primary_key=True),
)


class Service(Timestamped, Base):
    """What a client books: its length, price, how it is held, and the rules that differ from
    the practice's (notice windows, seats, buffer). A column left NULL follows the practice's
    setting, so the practice's first service ("Session") keeps following
    `ATTUNE_SESSION_PRICE_CENTS` and the notice settings, as the seeds' one kind of session did.
    """

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 5 AND 720", name="duration_in_range"),
        CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="price_not_negative"),
        CheckConstraint("seats IS NULL OR seats >= 1", name="seats_positive"),
        CheckConstraint("delivery IN ('video', 'in_person', 'both')", name="delivery_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    # Minor units in the practice's currency, for `duration_minutes`; a slot of another
    # length is charged pro rata. NULL: the practice's `session_price_cents`.
    price_cents: Mapped[int | None]
    delivery: Mapped[Delivery] = mapped_column(String(16), default=Delivery.video)
    # Seats of a slot made for this service (a group session has several); NULL: one.
    seats: Mapped[int | None]
    # No booking that starts sooner than this; NULL: the practice's `booking_notice_hours`.
    booking_notice_hours: Mapped[int | None]
    # Time the therapist keeps free before and after a booked session of this service; NULL:
    # the practice's `buffer_minutes`.
    buffer_minutes: Mapped[int | None]
    cancel_notice_hours: Mapped[int | None]
    reschedule_notice_hours: Mapped[int | None]
    # Off: no longer offered (new slots and bookings refuse it); bookings made keep it.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())


schedule_services = Table(
    "schedule_services",
    Base.metadata,
    Column("schedule_id", ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="RESTRICT"), primary_key=True),
)
