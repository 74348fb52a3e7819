"""What can go wrong with a slot, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import BadRequest, Conflict, NotFound


class ScheduleNotFound(NotFound):
    error = "Schedule not found"


class SlotFull(Conflict):
    # Seed 000's message, for a slot that is full or that the practice has closed.
    error = "The selected time slot is no longer available"


class SlotStarted(Conflict):
    error = "The selected time slot has already started"


class InvalidSchedule(BadRequest):
    """A slot or a generator request that no rule allows (in the past, too far ahead, …)."""


class ScheduleOverlap(Conflict):
    error = "The slot overlaps another slot"


class ScheduleHasBookings(Conflict):
    error = "The slot has bookings"


class CapacityBelowBookings(Conflict):
    error = "The capacity cannot be lower than the bookings the slot holds"
