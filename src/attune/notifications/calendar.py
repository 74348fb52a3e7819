"""Calendar invitations (iCalendar, RFC 5545 and RFC 5546) attached to mail.

One appointment is one event with a UID that never changes, so a calendar client updates the
same entry when it moves (a higher SEQUENCE) and removes it when it is cancelled
(METHOD:CANCEL); attune.appointments.invitations turns an appointment into one. Times are
written in UTC, which every calendar shows in its owner's zone. A mail carries the event
itself, and the worker writes it out when it sends the mail: building iCalendar is most of
the cost of queueing a mail, and the request that queues it should not pay it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from enum import StrEnum
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

from attune.platform.settings import Settings

PRODUCT_ID = "-//Attune//Therapy bookings//EN"


class CalendarMethod(StrEnum):
    request = "REQUEST"
    cancel = "CANCEL"


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str


@dataclass(frozen=True)
class CalendarEvent:
    """One event of the practice's with one attendee, as a queued mail carries it: written
    out as iCalendar (`ical`) when the mail is sent, by the worker, not by the request that
    queued it. `what` is "session", "appointment"…; the summary defaults to "<What> with
    <practice>". `location` is the join link of a video session, or the address of one held
    `in_person`."""

    method: CalendarMethod
    uid: str
    sequence: int
    stamp: datetime
    starts_at: datetime
    ends_at: datetime
    what: str
    attendee: Attendee
    location: str | None = None
    summary: str | None = None
    in_person: bool = False

    @property
    def cancelled(self) -> bool:
        return self.method is CalendarMethod.cancel

    @property
    def filename(self) -> str:
        return "cancel.ics" if self.cancelled else "invite.ics"

    @property
    def content_type(self) -> str:
        return f"text/calendar; method={self.method.value}; charset=utf-8"

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method.value,
            "uid": self.uid,
            "sequence": self.sequence,
            # In UTC, as the invitation writes them.
            "stamp": self.stamp.astimezone(UTC).isoformat(),
            "starts_at": self.starts_at.astimezone(UTC).isoformat(),
            "ends_at": self.ends_at.astimezone(UTC).isoformat(),
            "what": self.what,
            "attendee": {"email": self.attendee.email, "name": self.attendee.name},
            "location": self.location,
            "summary": self.summary,
            "in_person": self.in_person,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CalendarEvent:
        return cls(
            method=CalendarMethod(data["method"]),
            uid=data["uid"],
            sequence=data["sequence"],
            stamp=datetime.fromisoformat(data["stamp"]),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            what=data["what"],
            attendee=Attendee(**data["attendee"]),
            location=data["location"],
            summary=data["summary"],
            in_person=data["in_person"],
        )


def ical(settings: Settings, event: CalendarEvent) -> bytes:
    """The event as an iCalendar object of its method."""
    cancelled = event.cancelled
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", event.method.value)
    entry = Event()
    entry.add("uid", event.uid)
    # RFC 5545 §3.8.7.4: a change of STATUS raises the sequence too. A cancelled event never
    # changes again, so the cancellation is the one version after the last invitation.
    entry.add("sequence", event.sequence + 1 if cancelled else event.sequence)
    entry.add("dtstamp", event.stamp)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    what, location = event.what, event.location
    entry.add("summary", event.summary or f"{what.capitalize()} with {settings.practice_name}")
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if location and not cancelled:
        entry.add("location", location)
        practice = settings.practice_name
        entry.add(
            "description",
            f"Your {what} with {practice}, in person at {location}"
            if event.in_person
            else f"Your video {what} with {practice}: {location}",
        )
    organizer = vCalAddress(f"mailto:{parseaddr(settings.email_from)[1] or 'no-reply@localhost'}")
    organizer.params["cn"] = vText(settings.practice_name)
    entry.add("organizer", organizer)
    person = vCalAddress(f"mailto:{event.attendee.email}")
    person.params["cn"] = vText(event.attendee.name)
    person.params["role"] = vText("REQ-PARTICIPANT")
    # The time is already agreed, so it is accepted; asking for a reply would only send an
    # answer to the practice's no-reply address.
    person.params["partstat"] = vText("ACCEPTED")
    person.params["rsvp"] = vText("FALSE")
    entry.add("attendee", person)
    calendar.add_component(entry)
    written: bytes = calendar.to_ical()
    return written
