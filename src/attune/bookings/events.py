"""What bookings tell the other domains, as domain events (docs/architecture.md, "Domain
events"): published in the transaction of the change, handled there by whoever listens."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BookingCancelled:
    booking_id: int
    # By the practice (an admin, at any time) rather than by its client.
    by_practice: bool
    # Whether what is left of its payment goes back: not when its client cancels a booking
    # they moved inside the cancellation notice (attune.bookings.policy).
    refund_due: bool
    requested_by: int | None
