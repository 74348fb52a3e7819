"""The join window: when an appointment's video room admits people (docs/decisions.md, "Slots
and bookings": the meeting link follows one rule)."""

from __future__ import annotations

from datetime import datetime, timedelta

# From 10 minutes before the start to 15 minutes after the end.
JOIN_OPENS_BEFORE = timedelta(minutes=10)
JOIN_CLOSES_AFTER = timedelta(minutes=15)


def join_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    return starts_at - JOIN_OPENS_BEFORE, ends_at + JOIN_CLOSES_AFTER


def minutes_before() -> int:
    """How many minutes before the start the room opens, as mails and pages say it."""
    return int(JOIN_OPENS_BEFORE.total_seconds() // 60)


def minutes_after() -> int:
    return int(JOIN_CLOSES_AFTER.total_seconds() // 60)
