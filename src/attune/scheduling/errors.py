"""What can go wrong with a slot, each mapped to its HTTP status by the platform handler."""

from __future__ import annotations

from attune.platform.errors import Conflict, NotFound


class ScheduleNotFound(NotFound):
    error = "Schedule not found"


class SlotFull(Conflict):
    # Seed 000's message, for a slot that is full or that the practice has closed.
    error = "The selected time slot is no longer available"


class SlotStarted(Conflict):
    error = "The selected time slot has already started"
