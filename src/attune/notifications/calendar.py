"""Calendar invitations (iCalendar, RFC 5545) attached to booking mail.

One booking is one event with a UID that never changes, so a calendar client updates the same
entry when the booking moves (a higher SEQUENCE) and removes it when it is cancelled
(METHOD:CANCEL).
"""

from __future__ import annotations

from email.utils import parseaddr
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

from attune.models import Booking, User
from attune.notifications.mail import MailAttachment
from attune.platform.settings import Settings

PRODUCT_ID = "-//Attune//Therapy bookings//EN"


class CalendarMethod(StrEnum):
    request = "REQUEST"
    cancel = "CANCEL"


def booking_uid(settings: Settings, booking: Booking) -> str:
    return f"booking-{booking.id}@{_sender_domain(settings)}"


def booking_invitation(
    settings: Settings,
    booking: Booking,
    client: User,
    method: CalendarMethod,
    *,
    location: str | None = None,
) -> MailAttachment:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    event = Event()
    event.add("uid", booking_uid(settings, booking))
    event.add("sequence", booking.calendar_sequence)
    # Every change of a booking stamps updated_at: the instant this version was made.
    event.add("dtstamp", booking.updated_at)
    event.add("dtstart", booking.scheduled_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", f"Session with {settings.practice_name}")
    event.add("status", "CANCELLED" if method is CalendarMethod.cancel else "CONFIRMED")
    if location:
        event.add("location", location)
    organizer = vCalAddress(f"mailto:{parseaddr(settings.email_from)[1] or 'no-reply@localhost'}")
    organizer.params["cn"] = vText(settings.practice_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{client.email}")
    attendee.params["cn"] = vText(f"{client.first_name} {client.last_name}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return MailAttachment(
        filename="invite.ics" if method is CalendarMethod.request else "cancel.ics",
        content_type=f"text/calendar; method={method.value}; charset=utf-8",
        data=calendar.to_ical(),
    )


def _sender_domain(settings: Settings) -> str:
    return parseaddr(settings.email_from)[1].rpartition("@")[2] or "localhost"
