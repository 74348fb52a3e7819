from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped
from attune.platform.database import Base


class Schedule(Timestamped, Base):
    """A slot of the therapist's time that up to `max_bookings` clients can book.

    `booked_count` is the number of bookings that hold a seat (every booking that is not
    cancelled). It only changes through the conditional updates in
    `attune.scheduling.seats`, which keep it within `max_bookings` under any concurrency;
    the check constraints are the database's own last word on it.

    `room_id` is the video room that every booking holding a seat shares: given by the booking
    that takes the first seat, in the same conditional update, and given up when the last seat
    is released, so the next clients of the slot do not meet in a room an earlier one knows.
    """

    __tablename__ = "schedules"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("max_bookings >= 1", name="max_bookings_positive"),
        CheckConstraint(
            "booked_count >= 0 AND booked_count <= max_bookings", name="booked_within_capacity"
        ),
        Index("ix_schedules_start_at", "start_at"),
        # Second line of defence on PostgreSQL: no two slots overlap, even when two admins
        # create them at the same moment (the service checks first and answers 409).
        ExcludeConstraint(
            (text("tstzrange(start_at, end_at)"), "&&"),
            name="ex_schedules_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    max_bookings: Mapped[int] = mapped_column(default=1)
    booked_count: Mapped[int] = mapped_column(default=0)
    is_available: Mapped[bool] = mapped_column(default=True)
    room_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def remaining_slots(self) -> int:
        return self.max_bookings - self.booked_count

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)
