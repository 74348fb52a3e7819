"""An appointment as a calendar event: one UID that never changes, the sequence every move
raises, and the instant of its last change as the stamp, so a calendar client moves the same
entry and removes it on cancellation (notifications.calendar writes the iCalendar)."""

from __future__ import annotations

from datetime import datetime

from attune.appointments.appointment import Appointment
from attune.notifications.calendar import Attendee, CalendarEvent, CalendarMethod


def appointment_invitation(
    appointment: Appointment,
    method: CalendarMethod,
    *,
    starts_at: datetime,
    ends_at: datetime,
    what: str,
    attendee: Attendee,
    location: str | None = None,
    summary: str | None = None,
    in_person: bool = False,
) -> CalendarEvent:
    """The appointment's event for one attendee; `what` is "session" or "appointment"."""
    return CalendarEvent(
        method,
        uid=appointment.calendar_uid,
        sequence=appointment.calendar_sequence,
        stamp=appointment.updated_at,
        starts_at=starts_at,
        ends_at=ends_at,
        what=what,
        attendee=attendee,
        location=location,
        summary=summary,
        in_person=in_person,
    )
