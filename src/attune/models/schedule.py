from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, column, event, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from attune.models.mixins import Timestamped
from attune.platform.database import Base


class Schedule(Timestamped, Base):
    """A slot of a therapist's time that up to `max_bookings` clients can book.

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
        Index("ix_schedules_therapist_id_start_at", "therapist_id", "start_at"),
        CheckConstraint("delivery IN ('video', 'in_person')", name="delivery_known"),
        # Second line of defence on PostgreSQL: no therapist's two slots overlap, even when two
        # people create them at the same moment (the service checks first and answers 409).
        # btree_gist lets the GiST index compare the therapist by equality.
        ExcludeConstraint(
            (column("therapist_id"), "="),
            (text("tstzrange(start_at, end_at)"), "&&"),
            name="ex_schedules_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose time it is (a therapist's id is their account's).
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapists.user_id", ondelete="RESTRICT"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    max_bookings: Mapped[int] = mapped_column(default=1)
    booked_count: Mapped[int] = mapped_column(default=0)
    is_available: Mapped[bool] = mapped_column(default=True)
    room_id: Mapped[str | None] = mapped_column(String(64))
    # How its sessions are held. In person, where: a room or an address; NULL is the
    # practice's address (`ATTUNE_PRACTICE_ADDRESS`).
    delivery: Mapped[str] = mapped_column(String(16), default="video", server_default="video")
    location: Mapped[str | None] = mapped_column(String(200))
    # The services this slot offers (models.practice.schedule_services), read through the
    # scheduling repository.

    @property
    def remaining_slots(self) -> int:
        return self.max_bookings - self.booked_count

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)


# The exclusion constraints on a therapist's time compare the therapist by equality inside a
# GiST index, which needs btree_gist (shipped with PostgreSQL; the migration creates it too).
event.listen(
    Base.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)
