"""The mail the practice gets about a client's booking: booked, paid, moved, cancelled, released.

It goes to the booking's therapist and the practice's owners (`policy.notified_of`), not to the
other therapists or the front desk. Each of them who has not switched it off
(`booking_notifications` on their own profile) gets one mail per change, queued in the
transaction that made it, under an idempotency key, with an update for their own calendar: the
booking's one event (its UID), its sequence, and CANCEL once it is cancelled. Changes made by
the practice are mailed too, so every calendar stays right. Subject lines name the session's
time only, never the client or a reason: they show on lock screens. The body names the
client, as the back office would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.appointments.invitations import appointment_invitation
from attune.appointments.mail import long_date
from attune.bookings.mail import booking_context, money
from attune.models import Booking, Payment, User
from attune.notifications.calendar import Attendee, CalendarMethod
from attune.notifications.mail import MailAttachment, queue_mail
from attune.platform import policy
from attune.platform.settings import Settings


class BookingChange(StrEnum):
    booked = "booked"
    paid = "paid"
    moved = "moved"
    cancelled = "cancelled"
    # An unpaid booking cancelled by the hold sweep (ATTUNE_PAYMENT_HOLD_MINUTES).
    released = "released"


REMOVES_THE_EVENT = frozenset({BookingChange.cancelled, BookingChange.released})


async def admins_to_notify(session: AsyncSession, therapist_id: int | None) -> Sequence[User]:
    """The booking's therapist and the owners, those of them who want these mails."""
    return (
        await session.scalars(
            select(User)
            .where(
                policy.notified_of(User, therapist_id),
                User.booking_notifications.is_(True),
            )
            .order_by(User.id)
        )
    ).all()


async def queue_practice_notices(
    session: AsyncSession,
    settings: Settings,
    booking: Booking,
    client: User,
    change: BookingChange,
    *,
    by_practice: bool = False,
    moved_from: datetime | None = None,
    payment: Payment | None = None,
    refunded: bool = False,
) -> None:
    """One mail per admin who wants them; `moved_from` is the start before a move, `payment`
    the one that paid it."""
    context = booking_context(settings, booking, client)
    context.update(
        change=change.value,
        client_name=f"{client.first_name} {client.last_name}",
        by_practice=by_practice,
        paid_amount=None if payment is None else money(payment.amount_cents, payment.currency),
        refunded=refunded,
        hold_minutes=settings.payment_hold_minutes,
        **_moved_from(settings, moved_from),
    )
    for admin in await admins_to_notify(session, booking.therapist_id):
        await queue_mail(
            session,
            settings,
            to=admin.email,
            template="booking_notice",
            context={**context, "admin_name": admin.first_name},
            key=f"booking:{booking.id}:notice:{change}:{booking.calendar_sequence}:{admin.id}",
            attachments=[_calendar_update(settings, booking, admin, change)],
        )


def _moved_from(settings: Settings, moved_from: datetime | None) -> dict[str, Any]:
    if moved_from is None:
        return {"previous_date": None, "previous_time": None}
    local = moved_from.astimezone(settings.zone)
    return {
        "previous_date": long_date(local),
        "previous_time": f"{local:%H:%M}",
    }


def _calendar_update(
    settings: Settings, booking: Booking, admin: User, change: BookingChange
) -> MailAttachment:
    """The booking's event as the therapist's calendar holds it: the admin is the attendee, the
    summary names no client and no room link is written in, since calendars are often shared
    or synced elsewhere and a room link there would outlive the session; the therapist opens
    the room from the booking (`GET /api/admin/bookings/{id}`)."""
    removes = change in REMOVES_THE_EVENT
    return appointment_invitation(
        settings,
        booking,
        CalendarMethod.cancel if removes else CalendarMethod.request,
        starts_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        what="session",
        attendee=Attendee(admin.email, f"{admin.first_name} {admin.last_name}"),
        summary=f"Session (booking {booking.id})",
    )
