"""What the slot services answer: a slot as it stands, what it offers, and whether it can be
booked now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from attune.models import Schedule


@dataclass(frozen=True)
class OfferedService:
    id: int
    name: str


@dataclass(frozen=True)
class SlotOffer:
    """Whose time a slot is and what it offers: read with it (scheduling.offers)."""

    therapist_name: str = ""
    services: tuple[OfferedService, ...] = ()
    # The service terms keep it from being booked now: it starts sooner than the booking
    # notice, or within the buffer of a booked session of its therapist.
    held_back: bool = False


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
    # Open, not full, not started and not held back by the service terms at the instant of
    # the view: a booking can be made.
    bookable: bool
    created_at: datetime
    updated_at: datetime
    therapist_id: int = 0
    therapist_name: str = ""
    services: tuple[OfferedService, ...] = ()
    delivery: str = "video"
    # Where an in-person session is held; None: the practice's address.
    location: str | None = None

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)


def slot_view(slot: Schedule, now: datetime, offer: SlotOffer | None = None) -> SlotView:
    offer = offer or SlotOffer()
    remaining = slot.remaining_slots
    return SlotView(
        id=slot.id,
        start_at=slot.start_at,
        end_at=slot.end_at,
        is_open=slot.is_available,
        max_bookings=slot.max_bookings,
        booked_count=slot.booked_count,
        remaining=remaining,
        bookable=slot.is_available
        and remaining > 0
        and slot.start_at > now
        and not offer.held_back,
        created_at=slot.created_at,
        updated_at=slot.updated_at,
        therapist_id=slot.therapist_id,
        therapist_name=offer.therapist_name,
        services=offer.services,
        delivery=slot.delivery,
        location=slot.location,
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
