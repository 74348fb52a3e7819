"""What can go wrong with a slot, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, NotFound


class ScheduleNotFound(NotFound):
    error = "Schedule not found"
    details = "No slot has this id."


class SlotFull(Conflict):
    # Seed 000's message, for a slot that is full or that the practice has closed.
    error = "The selected time slot is no longer available"
    details = "Choose another slot: GET /api/schedules?date=YYYY-MM-DD lists the free ones."


class SlotStarted(Conflict):
    error = "The selected time slot has already started"
    details = "Choose a slot that starts later."


class InvalidSchedule(BadRequest):
    """A slot or a generator request that no rule allows (in the past, too far ahead, …)."""

    details = "Check the slot's start and end times."


class ScheduleOverlap(Conflict):
    error = "The slot overlaps another slot"
    details = "Slots may not overlap: move or delete the other slot first."


class SlotOverlapsAppointment(Conflict):
    error = "The slot overlaps a scheduled appointment"
    details = "Choose another time, or move the appointment first."


class ScheduleHasBookings(Conflict):
    error = "The slot has bookings"
    details = "Cancel or move its bookings first, or close it with is_available false."


class CapacityBelowBookings(Conflict):
    error = "The capacity cannot be lower than the bookings the slot holds"
    details = "Cancel or move some of its bookings first."


class InsideBookingNotice(Conflict):
    error = "The slot starts too soon to be booked"
    details = "The practice takes bookings only some hours ahead; choose a later time."


class InsideBuffer(Conflict):
    error = "The slot is too close to another booked session of the therapist"
    details = "The therapist keeps time free between sessions; choose another time."
