"""What can go wrong with a booking, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, NotFound


class BookingNotFound(NotFound):
    # Also the answer for another client's booking: its existence is not revealed.
    error = "Booking not found"
    details = "No booking with this id is visible to you."


class TooManyUnpaidBookings(Conflict):
    error = "Pay for or cancel your unpaid bookings before booking another"
    details = "An unpaid booking holds its seat for a while; GET /api/bookings lists yours."


class DurationMismatch(BadRequest):
    error = "The duration must be the slot's length"
    details = "Leave `duration` out, or send the slot's length in minutes."


class BookingOverlap(Conflict):
    error = "You already have a booking at this time"
    details = "Cancel or move the other booking first, or choose another time."


class BookingNotScheduled(Conflict):
    error = "Only a scheduled booking can be changed"
    details = "It is already cancelled or completed."


class BookingChangedMeanwhile(Conflict):
    # The loser of two requests racing for one booking: what it checked no longer holds.
    error = "The booking was changed by another request"
    details = "Read the booking again and retry."


class CancellationTooLate(Conflict):
    error = "Bookings can only be cancelled at least 24 hours before the session starts"
    details = "Contact the practice: the therapist can still cancel it."

    @classmethod
    def policy(cls, hours: int) -> CancellationTooLate:
        return cls(
            f"Bookings can only be cancelled at least {hours} hours before the session starts"
        )


class RescheduleTooLate(Conflict):
    error = "Bookings can only be rescheduled at least 2 hours before the session starts"
    details = "Contact the practice: the therapist can still move it."

    @classmethod
    def policy(cls, hours: int) -> RescheduleTooLate:
        return cls(
            f"Bookings can only be rescheduled at least {hours} hours before the session starts"
        )


class SameSlot(Conflict):
    error = "The booking is already in this time slot"
    details = "Choose another slot to move it to."


class LengthMismatch(Conflict):
    error = "The new time slot must last as long as the booking"
    details = "Choose a slot of the booking's length."


class SessionNotStarted(Conflict):
    error = "A session can only be marked completed or no-show once it has started"
    details = "Try again once the session's start time has passed."


class ServiceNotOffered(BadRequest):
    error = "This slot does not offer that service"
    details = "Choose one of the services the slot offers (GET /api/schedules lists them)."


class ServiceRequired(BadRequest):
    error = "Choose a service"
    details = "This slot offers several services: send service_id."
