"""Calendar invitations (iCalendar, RFC 5545 and RFC 5546) attached to mail.

One appointment is one event with a UID that never changes, so a calendar client updates the
same entry when it moves (a higher SEQUENCE) and removes it when it is cancelled
(METHOD:CANCEL); attune.appointments.invitations turns an appointment into one. Times are
written in UTC, which every calendar shows in its owner's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

from attune.notifications.mail import MailAttachment
from attune.platform.settings import Settings

PRODUCT_ID = "-//Attune//Therapy bookings//EN"


class CalendarMethod(StrEnum):
    request = "REQUEST"
    cancel = "CANCEL"


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str


def invitation(
    settings: Settings,
    method: CalendarMethod,
    *,
    uid: str,
    sequence: int,
    stamp: datetime,
    starts_at: datetime,
    ends_at: datetime,
    what: str,
    attendee: Attendee,
    location: str | None = None,
    summary: str | None = None,
    in_person: bool = False,
) -> MailAttachment:
    """One event of the practice's with one attendee: `what` is "session", "appointment"…;
    the summary defaults to "<What> with <practice>". `location` is the join link of a video
    session, or the address of one held `in_person`."""
    cancelled = method is CalendarMethod.cancel
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    event = Event()
    event.add("uid", uid)
    # RFC 5545 §3.8.7.4: a change of STATUS raises the sequence too. A cancelled event never
    # changes again, so the cancellation is the one version after the last invitation.
    event.add("sequence", sequence + 1 if cancelled else sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary or f"{what.capitalize()} with {settings.practice_name}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if location and not cancelled:
        event.add("location", location)
        practice = settings.practice_name
        event.add(
            "description",
            f"Your {what} with {practice}, in person at {location}"
            if in_person
            else f"Your video {what} with {practice}: {location}",
        )
    organizer = vCalAddress(f"mailto:{parseaddr(settings.email_from)[1] or 'no-reply@localhost'}")
    organizer.params["cn"] = vText(settings.practice_name)
    event.add("organizer", organizer)
    person = vCalAddress(f"mailto:{attendee.email}")
    person.params["cn"] = vText(attendee.name)
    person.params["role"] = vText("REQ-PARTICIPANT")
    # The time is already agreed, so it is accepted; asking for a reply would only send an
    # answer to the practice's no-reply address.
    person.params["partstat"] = vText("ACCEPTED")
    person.params["rsvp"] = vText("FALSE")
    event.add("attendee", person)
    calendar.add_component(event)
    return MailAttachment(
        filename="cancel.ics" if cancelled else "invite.ics",
        content_type=f"text/calendar; method={method.value}; charset=utf-8",
        data=calendar.to_ical(),
    )
