"""What the core needs to know of an appointment, whichever kind it is."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Appointment(Protocol):
    """A booking or an appointment request, read-only: one calendar event, reminded twice.

    The times are not part of it: a request has none until it is scheduled, so callers pass
    the times they have checked.
    """

    @property
    def calendar_uid(self) -> str: ...

    @property
    def calendar_sequence(self) -> int: ...

    # Every change stamps it: the instant this version of the event was made.
    @property
    def updated_at(self) -> datetime: ...

    @property
    def reminder_24h_at(self) -> datetime | None: ...

    @property
    def reminder_1h_at(self) -> datetime | None: ...
