"""What every mail about an appointment says the same way: its day and times in the practice's
zone, and how to join its video room."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from attune.appointments.window import minutes_before
from attune.platform.settings import Settings
from attune.video.rooms import what_is_needed


def long_date(moment: datetime) -> str:
    """ "Monday 2 March 2026": the day named in full, never "tomorrow", so that a mail sent
    late (the worker was down) is still right."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def times(settings: Settings, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    """The appointment's date, start and end in the practice's zone, and the zone's name."""
    start = starts_at.astimezone(settings.zone)
    end = ends_at.astimezone(settings.zone)
    return {
        "date": long_date(start),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "zone": settings.practice_timezone,
    }


def join_instructions(settings: Settings, what: str) -> str:
    """How to join, in words a client needs no technical knowledge to follow; `what` is
    "session" or "appointment"."""
    return (
        f"The video room opens {minutes_before()} minutes before your {what} starts. "
        f"{what_is_needed(settings)}"
    )
