"""Calendar invitations (iCalendar, RFC 5545 and RFC 5546) attached to booking mail.

One booking is one event with a UID that never changes, so a calendar client updates the same
entry when the booking moves (a higher SEQUENCE) and removes it when it is cancelled
(METHOD:CANCEL). Times are written in UTC, which every calendar shows in its owner's zone.
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
    cancelled = method is CalendarMethod.cancel
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    event = Event()
    event.add("uid", booking_uid(settings, booking))
    # RFC 5545 §3.8.7.4: a change of STATUS raises the sequence too. A cancelled booking never
    # changes again, so the cancellation is the one version after the last invitation.
    event.add("sequence", booking.calendar_sequence + 1 if cancelled else booking.calendar_sequence)
    # Every change of a booking stamps updated_at: the instant this version was made.
    event.add("dtstamp", booking.updated_at)
    event.add("dtstart", booking.scheduled_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", f"Session with {settings.practice_name}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if location:
        event.add("location", location)
        event.add("description", f"Your video session with {settings.practice_name}: {location}")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.email_from)[1] or 'no-reply@localhost'}")
    organizer.params["cn"] = vText(settings.practice_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{client.email}")
    attendee.params["cn"] = vText(f"{client.first_name} {client.last_name}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    # The client chose this time, so it is already accepted; asking for a reply would only
    # send an answer to the practice's no-reply address.
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return MailAttachment(
        filename="cancel.ics" if cancelled else "invite.ics",
        content_type=f"text/calendar; method={method.value}; charset=utf-8",
        data=calendar.to_ical(),
    )


def _sender_domain(settings: Settings) -> str:
    return parseaddr(settings.email_from)[1].rpartition("@")[2] or "localhost"
