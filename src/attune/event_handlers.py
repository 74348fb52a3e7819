"""Which domain listens to which domain's events: wired here, so the publisher imports no
listener (docs/architecture.md, "Domain events")."""

from __future__ import annotations

from attune.bookings.events import BookingCancelled
from attune.payments.refunds import refund_cancelled_booking
from attune.platform.events import EventBus


def domain_events() -> EventBus:
    events = EventBus()
    # A paid booking that is cancelled is refunded in the cancellation's transaction.
    events.subscribe(BookingCancelled, refund_cancelled_booking)
    return events
