"""The mail a client gets about a booking: confirmation, cancellation, move, reminders.

Each is queued in the transaction that changed the booking, with an idempotency key, so a
retried request or sweep never mails twice. Times are written in the practice's zone in the
text and in UTC in the calendar attachments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from attune.appointments import mail
from attune.appointments.invitations import appointment_invitation
from attune.appointments.reminders import check_lead
from attune.bookings.meeting import where_held
from attune.models import Booking, BookingStatus, Delivery, Payment, PaymentStatus, User
from attune.notifications.calendar import Attendee, CalendarEvent, CalendarMethod
from attune.notifications.mail import MailAttachment, OutgoingMail, attached, queue_mail
from attune.platform.crypto import Encryptor
from attune.platform.settings import Settings
from attune.video.join_links import booking_join_link


def booking_context(settings: Settings, booking: Booking, client: User) -> dict[str, Any]:
    return {
        "first_name": client.first_name,
        "booking_id": booking.id,
        **mail.times(settings, booking.scheduled_at, booking.ends_at),
        "duration": booking.duration_minutes,
        "payment_required": settings.payments_required,
        "amount": money(booking.amount_cents, booking.currency),
        "paid": not settings.payments_required or booking.payment_status == PaymentStatus.succeeded,
        "meeting_url": _meeting_url(settings, booking),
        "join_instructions": mail.join_instructions(settings, "session"),
        "in_person_at": _in_person_at(settings, booking),
        "late_cancellation": booking.late_cancellation,
        "cancel_notice_hours": settings.cancel_notice_hours,
    }


def confirmation(settings: Settings, booking: Booking, client: User) -> OutgoingMail:
    return OutgoingMail(
        to=client.email,
        template="booking_confirmed",
        context=booking_context(settings, booking, client),
        key=f"booking:{booking.id}:confirmed",
        attachments=[_invitation(settings, booking, client)],
    )


def cancellation(
    settings: Settings, booking: Booking, client: User, *, refunded: bool
) -> OutgoingMail:
    """`refunded`: the cancellation queued a refund in the same transaction."""
    context = booking_context(settings, booking, client)
    context["by_practice"] = booking.cancelled_by_practice
    context["reason"] = Encryptor.from_settings(settings).decrypt_optional(
        booking.cancellation_reason_encrypted
    )
    context["refund"] = refunded
    # A paid session moved inside the notice and then cancelled by its client.
    context["late_unrefunded"] = (
        not refunded
        and booking.late_cancellation
        and booking.payment_status == PaymentStatus.succeeded
    )
    return OutgoingMail(
        to=client.email,
        template="booking_cancelled",
        context=context,
        key=f"booking:{booking.id}:cancelled",
        attachments=[booking_invitation(settings, booking, client, CalendarMethod.cancel)],
    )


async def queue_reschedule(
    session: AsyncSession, settings: Settings, booking: Booking, client: User
) -> None:
    # The sequence in the key: each move is mailed, however many there are.
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
    """`lead` is "24h" or "1h"; the key carries the start, so a moved booking is reminded anew.

    The text names the day and time rather than "tomorrow": a reminder sent late (the worker
    was down) must still be right.
    """
    check_lead(lead)
    context = booking_context(settings, booking, client)
    context["lead"] = lead
    await queue_mail(
        session,
        settings,
        to=client.email,
        template="booking_reminder",
        context=context,
        key=f"booking:{booking.id}:reminder:{lead}:{booking.scheduled_at.isoformat()}",
    )


def booking_invitation(
    settings: Settings,
    booking: Booking,
    client: User,
    method: CalendarMethod,
    *,
    location: str | None = None,
    in_person: bool = False,
) -> CalendarEvent:
    return appointment_invitation(
        booking,
        method,
        starts_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        what="session",
        attendee=Attendee(client.email, f"{client.first_name} {client.last_name}"),
        location=location,
        in_person=in_person,
    )


def calendar_entry(settings: Settings, booking: Booking, client: User) -> MailAttachment:
    """The booking's calendar entry as it now stands, as its last mail carried it: the
    invitation, or its cancellation."""
    if booking.status == BookingStatus.cancelled:
        event = booking_invitation(settings, booking, client, CalendarMethod.cancel)
    else:
        event = _invitation(settings, booking, client)
    return attached(settings, event)


def _invitation(settings: Settings, booking: Booking, client: User) -> CalendarEvent:
    return booking_invitation(
        settings,
        booking,
        client,
        CalendarMethod.request,
        location=_in_person_at(settings, booking) or _meeting_url(settings, booking),
        in_person=booking.delivery == Delivery.in_person,
    )


def _in_person_at(settings: Settings, booking: Booking) -> str | None:
    """Where a session held in person takes place; None for a video session."""
    if booking.delivery != Delivery.in_person:
        return None
    return where_held(settings, booking.location)


def _meeting_url(settings: Settings, booking: Booking) -> str | None:
    """Attune's join link, which applies the meeting link's rule when followed (paid, inside
    the join window); never the room itself, which a mail would hand out for good. A session
    held in person has none."""
    if booking.status == BookingStatus.cancelled or booking.delivery == Delivery.in_person:
        return None
    return booking_join_link(settings, booking.id)


def money(cents: int, currency: str) -> str:
    return f"{cents // 100}.{cents % 100:02d} {currency.upper()}"


async def queue_receipt(
    session: AsyncSession, settings: Settings, booking: Booking, client: User, payment: Payment
) -> None:
    """The receipt for a payment, which also releases the room's link."""
    context = booking_context(settings, booking, client)
    context["paid_amount"] = money(payment.amount_cents, payment.currency)
    context["payment_reference"] = payment.intent_id
    await queue_mail(
        session,
        settings,
        to=client.email,
        template="payment_receipt",
        context=context,
        key=f"payment:{payment.intent_id}:receipt",
    )
