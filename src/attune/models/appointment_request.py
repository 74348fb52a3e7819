from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, column, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped, new_calendar_uid
from attune.platform.crypto import encrypted_column
from attune.platform.database import Base


class AppointmentStatus(StrEnum):
    pending_review = "pending_review"
    scheduled = "scheduled"
    rejected = "rejected"
    withdrawn = "withdrawn"


class TimeOfDay(StrEnum):
    """Times of day in the practice's zone: morning 09–12, afternoon 13–17, evening 18–21."""

    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"


class AppointmentRequest(Timestamped, Base):
    """A request for an appointment on preferred dates and times of day (seed 003).

    The personal fields are stored only as Fernet ciphertext (`*_encrypted`); the e-mail is
    found through `email_hash`, a keyed hash of the normalised address, so no lookup ever needs
    to decrypt rows. Scheduling sets `scheduled_at`, `scheduled_duration`, `scheduled_end_at` and a
    `room_id`.
    """

    __tablename__ = "appointment_requests"
    __table_args__ = (
        CheckConstraint(
            "scheduled_duration IS NULL OR scheduled_duration BETWEEN 15 AND 240",
            name="scheduled_duration_in_range",
        ),
        CheckConstraint(
            "scheduled_end_at IS NULL OR scheduled_end_at > scheduled_at",
            name="scheduled_ends_after_start",
        ),
        Index("ix_appointment_requests_status_scheduled_at", "status", "scheduled_at"),
        CheckConstraint(
            "status <> 'scheduled' OR therapist_id IS NOT NULL", name="scheduled_has_therapist"
        ),
        # Second line of defence on PostgreSQL: no therapist's two scheduled appointments
        # overlap, even when a writer skipped the service's lock (the service checks first and
        # answers 409).
        ExcludeConstraint(
            (column("therapist_id"), "="),
            (text("tstzrange(scheduled_at, scheduled_end_at)"), "&&"),
            name="ex_appointment_requests_no_overlap",
            using="gist",
            where=text("status = 'scheduled'"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The therapist the client asked for, or the one who was given it when it was scheduled.
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapists.user_id", ondelete="RESTRICT"), index=True
    )
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    first_name_encrypted: Mapped[str] = encrypted_column()
    last_name_encrypted: Mapped[str] = encrypted_column()
    email_encrypted: Mapped[str] = encrypted_column()
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_encrypted: Mapped[str | None] = encrypted_column()
    reason_encrypted: Mapped[str | None] = encrypted_column()
    rejection_reason_encrypted: Mapped[str | None] = encrypted_column()
    # ISO dates (YYYY-MM-DD) in the practice's zone, and TimeOfDay values.
    preferred_dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_time_slots: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[AppointmentStatus] = mapped_column(
        String(16), default=AppointmentStatus.pending_review
    )
    scheduled_at: Mapped[datetime | None]
    scheduled_duration: Mapped[int | None]
    # Stored rather than computed, so that overlap checks and the exclusion constraint can use
    # it (timestamptz + interval is not immutable in PostgreSQL, so no index can compute it).
    scheduled_end_at: Mapped[datetime | None]
    room_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The event's UID in every calendar, given when the request is made (new_calendar_uid).
    # Requests made before keep the `appointment-<id>@<domain>` their invitations carry.
    calendar_uid: Mapped[str] = mapped_column(String(255), unique=True, default=new_calendar_uid)
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    # Stamped by the reminder sweep in the transaction that queues the mail: one reminder each.
    reminder_24h_at: Mapped[datetime | None]
    reminder_1h_at: Mapped[datetime | None]
