"""The mail a client gets about a booking: confirmation, cancellation, move, reminders.

Each is queued in the transaction that changed the booking, with an idempotency key, so a
retried request or sweep never mails twice. Times are written in the practice's zone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import Booking, User
from attune.notifications.calendar import CalendarMethod, booking_invitation
from attune.notifications.mail import queue_mail
from attune.platform.settings import Settings
from attune.video.rooms import join_instructions, room_released, room_url


def booking_context(settings: Settings, booking: Booking, client: User) -> dict[str, Any]:
    local_start = booking.scheduled_at.astimezone(settings.zone)
    local_end = booking.ends_at.astimezone(settings.zone)
    released = room_released(settings, booking)
    return {
        "first_name": client.first_name,
        "booking_id": booking.id,
        "date": local_start.strftime("%A %d %B %Y"),
        "start_time": local_start.strftime("%H:%M"),
        "end_time": local_end.strftime("%H:%M"),
        "zone": settings.practice_timezone,
        "duration": booking.duration_minutes,
        "amount": f"{booking.amount_cents / 100:.2f} {booking.currency.upper()}",
        "paid": not settings.payments_required or booking.payment_status == "succeeded",
        "meeting_url": room_url(settings, booking.room_id) if released else None,
        "join_instructions": join_instructions(settings),
    }


async def queue_confirmation(
    session: AsyncSession, settings: Settings, booking: Booking, client: User
) -> None:
    await queue_mail(
        session,
        settings,
        to=client.email,
        template="booking_confirmed",
        context=booking_context(settings, booking, client),
        key=f"booking:{booking.id}:confirmed",
        attachments=[_invitation(settings, booking, client)],
    )


async def queue_cancellation(
    session: AsyncSession, settings: Settings, booking: Booking, client: User
) -> None:
    context = booking_context(settings, booking, client)
    context["by_practice"] = booking.cancelled_by_practice
    context["reason"] = booking.cancellation_reason
    await queue_mail(
        session,
        settings,
        to=client.email,
        template="booking_cancelled",
        context=context,
        key=f"booking:{booking.id}:cancelled",
        attachments=[booking_invitation(settings, booking, client, CalendarMethod.cancel)],
    )


async def queue_reschedule(
    session: AsyncSession, settings: Settings, booking: Booking, client: User
) -> None:
    await queue_mail(
        session,
        settings,
        to=client.email,
        template="booking_rescheduled",
        context=booking_context(settings, booking, client),
        key=f"booking:{booking.id}:rescheduled:{booking.calendar_sequence}",
        attachments=[_invitation(settings, booking, client)],
    )


async def queue_reminder(
    session: AsyncSession, settings: Settings, booking: Booking, client: User, lead: str
) -> None:
    """`lead` is "24h" or "1h"; the key carries the start, so a moved booking is reminded anew."""
    context = booking_context(settings, booking, client)
    context["lead"] = {"24h": "tomorrow", "1h": "in one hour"}[lead]
    await queue_mail(
        session,
        settings,
        to=client.email,
        template="booking_reminder",
        context=context,
        key=f"booking:{booking.id}:reminder:{lead}:{booking.scheduled_at.isoformat()}",
    )


def _invitation(settings: Settings, booking: Booking, client: User) -> Any:
    location = room_url(settings, booking.room_id) if room_released(settings, booking) else None
    return booking_invitation(settings, booking, client, CalendarMethod.request, location=location)
