"""The mail about an appointment request, and its calendar invitation.

Each mail is queued in the transaction that changed the request, with an idempotency key. The
admins' notices carry the requester's name only: the rest of the personal data stays behind the
admin's sign-in. One request is one calendar event with a UID that never changes, so a calendar
client moves the same entry (a higher SEQUENCE) and removes it on withdrawal (METHOD:CANCEL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from attune.appointments import mail
from attune.appointments.invitations import appointment_invitation
from attune.appointments.reminders import check_lead
from attune.appointments.window import join_window, minutes_after, minutes_before
from attune.models import AppointmentRequest, User
from attune.notifications.calendar import Attendee, CalendarEvent, CalendarMethod
from attune.notifications.mail import queue_mail
from attune.platform.crypto import Encryptor
from attune.platform.settings import Settings
from attune.video.join_links import appointment_join_link
from attune.video.rooms import what_is_needed

TIME_OF_DAY_HOURS = {"morning": "09:00–12:00", "afternoon": "13:00–17:00", "evening": "18:00–21:00"}


@dataclass(frozen=True)
class Requester:
    first_name: str
    last_name: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def of(cls, settings: Settings, request: AppointmentRequest) -> Requester:
        """The person who asked, from the request's sealed fields."""
        encryptor = Encryptor.from_settings(settings)
        return cls(
            first_name=encryptor.decrypt(request.first_name_encrypted),
            last_name=encryptor.decrypt(request.last_name_encrypted),
            email=encryptor.decrypt(request.email_encrypted),
        )


def _preferences(settings: Settings, request: AppointmentRequest) -> dict[str, Any]:
    return {
        "reference": request.id,
        "preferred_dates": [
            mail.long_date(datetime.fromisoformat(day)) for day in request.preferred_dates
        ],
        "preferred_time_slots": [
            f"{slot} ({TIME_OF_DAY_HOURS[slot]})" for slot in request.preferred_time_slots
        ],
        "zone": settings.practice_timezone,
    }


def _meeting_url(settings: Settings, request: AppointmentRequest) -> str | None:
    """Attune's join link, which applies the meeting link's rule when followed (inside the
    join window); never the room itself, which a mail would hand out for good."""
    if request.room_id is None:
        return None
    return appointment_join_link(settings, request.id)


def _times(request: AppointmentRequest) -> tuple[datetime, datetime]:
    if request.scheduled_at is None or request.scheduled_end_at is None:
        raise ValueError(f"appointment request {request.id} has no time")
    return request.scheduled_at, request.scheduled_end_at


def _appointment(settings: Settings, request: AppointmentRequest) -> dict[str, Any]:
    return {
        "reference": request.id,
        **mail.times(settings, *_times(request)),
        "duration": request.scheduled_duration,
        "meeting_url": _meeting_url(settings, request),
        "join_instructions": mail.join_instructions(settings, "appointment"),
    }


def _join_window(settings: Settings, request: AppointmentRequest) -> str:
    """When the room admits people, in the practice's time (docs/decisions.md, "Slots and
    bookings": the meeting link follows one rule)."""
    opens_at, closes_at = join_window(*_times(request))
    opens = opens_at.astimezone(settings.zone)
    closes = closes_at.astimezone(settings.zone)
    return (
        f"The video room opens at {opens:%H:%M}, {minutes_before()} minutes before your "
        f"appointment starts, and closes at {closes:%H:%M}, {minutes_after()} minutes after it "
        f"ends ({settings.practice_timezone} time). {what_is_needed(settings)}"
    )


def invitation(
    settings: Settings,
    request: AppointmentRequest,
    person: Requester,
    method: CalendarMethod,
) -> CalendarEvent:
    starts_at, ends_at = _times(request)
    return appointment_invitation(
        request,
        method,
        starts_at=starts_at,
        ends_at=ends_at,
        what="appointment",
        attendee=Attendee(person.email, person.full_name),
        location=_meeting_url(settings, request),
    )


async def queue_received(
    session: AsyncSession,
    settings: Settings,
    request: AppointmentRequest,
    person: Requester,
    *,
    claim_code: str | None,
) -> None:
    """`claim_code` is for a request no account owns yet: it lets the owner of the address
    add the request to their account."""
    await queue_mail(
        session,
        settings,
        to=person.email,
        template="appointment_received",
        context={
            "first_name": person.first_name,
            "claim_code": claim_code,
            **_preferences(settings, request),
        },
        key=f"appointment:{request.id}:received",
    )


async def queue_admin_notice(
    session: AsyncSession,
    settings: Settings,
    request: AppointmentRequest,
    admin: User,
    person: Requester,
) -> None:
    await queue_mail(
        session,
        settings,
        to=admin.email,
        template="appointment_requested",
        context={
            "admin_name": admin.first_name,
            "requester": person.full_name,
            **_preferences(settings, request),
        },
        key=f"appointment:{request.id}:requested:{admin.id}",
    )


async def queue_scheduled(
    session: AsyncSession, settings: Settings, request: AppointmentRequest, person: Requester
) -> None:
    key = f"appointment:{request.id}:scheduled"
    await _queue_with_invitation(
        session, settings, request, person, template="appointment_scheduled", key=key
    )


async def queue_rescheduled(
    session: AsyncSession, settings: Settings, request: AppointmentRequest, person: Requester
) -> None:
    # The sequence in the key: each move is mailed, however many there are.
    key = f"appointment:{request.id}:rescheduled:{request.calendar_sequence}"
    await _queue_with_invitation(
        session, settings, request, person, template="appointment_rescheduled", key=key
    )


async def _queue_with_invitation(
    session: AsyncSession,
    settings: Settings,
    request: AppointmentRequest,
    person: Requester,
    *,
    template: str,
    key: str,
) -> None:
    """A mail about the appointment as it now stands, with its calendar invitation."""
    await queue_mail(
        session,
        settings,
        to=person.email,
        template=template,
        context={"first_name": person.first_name, **_appointment(settings, request)},
        key=key,
        attachments=[invitation(settings, request, person, CalendarMethod.request)],
    )


async def queue_reminder(
    session: AsyncSession,
    settings: Settings,
    request: AppointmentRequest,
    person: Requester,
    lead: str,
) -> None:
    """`lead` is "24h" or "1h". The key carries the calendar sequence, which every move raises,
    so a moved appointment is reminded anew.

    The text names the day and time rather than "tomorrow": a reminder sent late (the worker
    was down) must still be right.
    """
    check_lead(lead)
    await queue_mail(
        session,
        settings,
        to=person.email,
        template="appointment_reminder",
        context={
            "first_name": person.first_name,
            **_appointment(settings, request),
            "lead": lead,
            "join_instructions": _join_window(settings, request),
        },
        key=f"appointment:{request.id}:reminder:{lead}:{request.calendar_sequence}",
    )


async def queue_rejected(
    session: AsyncSession,
    settings: Settings,
    request: AppointmentRequest,
    person: Requester,
    reason: str | None,
) -> None:
    await queue_mail(
        session,
        settings,
        to=person.email,
        template="appointment_rejected",
        context={
            "first_name": person.first_name,
            "reason": reason,
            **_preferences(settings, request),
        },
        key=f"appointment:{request.id}:rejected",
    )


async def queue_withdrawn(
    session: AsyncSession,
    settings: Settings,
    request: AppointmentRequest,
    person: Requester,
    *,
    was_scheduled: bool,
) -> None:
    context: dict[str, Any] = {"first_name": person.first_name, "was_scheduled": was_scheduled}
    context.update(
        _appointment(settings, request) if was_scheduled else _preferences(settings, request)
    )
    await queue_mail(
        session,
        settings,
        to=person.email,
        template="appointment_withdrawn",
        context=context,
        key=f"appointment:{request.id}:withdrawn",
        attachments=[invitation(settings, request, person, CalendarMethod.cancel)]
        if was_scheduled
        else [],
    )


async def queue_withdrawn_notice(
    session: AsyncSession,
    settings: Settings,
    request: AppointmentRequest,
    admin: User,
    person: Requester,
) -> None:
    scheduled = request.scheduled_at is not None
    context: dict[str, Any] = {
        "admin_name": admin.first_name,
        "requester": person.full_name,
        "was_scheduled": scheduled,
    }
    context.update(
        _appointment(settings, request) if scheduled else _preferences(settings, request)
    )
    await queue_mail(
        session,
        settings,
        to=admin.email,
        template="appointment_withdrawn_notice",
        context=context,
        key=f"appointment:{request.id}:withdrawn:{admin.id}",
    )
