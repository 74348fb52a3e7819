"""What the slot services answer: a slot as it stands, and whether it can be booked now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from attune.models import Schedule


@dataclass(frozen=True)
class SlotView:
    id: int
    start_at: datetime
    end_at: datetime
    # Whether the practice has opened the slot, full or not.
    is_open: bool
    max_bookings: int
    booked_count: int
    remaining: int
    # Open, not full and not started at the instant of the view: a booking can be made.
    bookable: bool
    created_at: datetime
    updated_at: datetime

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)


def slot_view(slot: Schedule, now: datetime) -> SlotView:
    remaining = slot.remaining_slots
    return SlotView(
        id=slot.id,
        start_at=slot.start_at,
        end_at=slot.end_at,
        is_open=slot.is_available,
        max_bookings=slot.max_bookings,
        booked_count=slot.booked_count,
        remaining=remaining,
        bookable=slot.is_available and remaining > 0 and slot.start_at > now,
        created_at=slot.created_at,
        updated_at=slot.updated_at,
    )


@dataclass(frozen=True)
class Skipped:
    """A start the generator left out: its local time, its instant if the day has one, why."""

    local: datetime
    start_at: datetime | None
    reason: str


@dataclass(frozen=True)
class Generated:
    created: list[SlotView] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
