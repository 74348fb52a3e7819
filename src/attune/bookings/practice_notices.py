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
from attune.notifications.calendar import Attendee, CalendarEvent, CalendarMethod
from attune.notifications.mail import OutgoingMail, queue_mails
from attune.platform import policy
from attune.platform.settings import Settings


class BookingChange(StrEnum):
    booked = "booked"
    paid = "paid"
    moved = "moved"
    cancelled = "cancelled"
    # An unpaid booking cancelled by the hold sweep (ATTUNE_PAYMENT_HOLD_MINUTES).
    released = "released"
    # Moved onto another therapist's calendar: told to the therapist it was taken from.
    handed_over = "handed_over"


REMOVES_THE_EVENT = frozenset(
    {BookingChange.cancelled, BookingChange.released, BookingChange.handed_over}
)


async def admins_to_notify(
    session: AsyncSession, therapist_id: int | None, *, therapist_only: bool = False
) -> Sequence[User]:
    """The booking's therapist and the owners (or the therapist alone), those of them who want
    these mails."""
    told = (
        (User.id == therapist_id) & User.is_active.is_(True)
        if therapist_only
        else policy.notified_of(User, therapist_id)
    )
    return (
        await session.scalars(
            select(User).where(told, User.booking_notifications.is_(True)).order_by(User.id)
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
    handed_over_by: int | None = None,
) -> None:
    """Queue `practice_notices`."""
    notices = await practice_notices(
        session,
        settings,
        booking,
        client,
        change,
        by_practice=by_practice,
        moved_from=moved_from,
        payment=payment,
        refunded=refunded,
        handed_over_by=handed_over_by,
    )
    await queue_mails(session, settings, notices)


async def practice_notices(
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
    handed_over_by: int | None = None,
) -> list[OutgoingMail]:
    """One mail per admin who wants them; `moved_from` is the start before a move, `payment`
    the one that paid it. A session moved onto another therapist's calendar is also told, as
    `handed_over`, to `handed_over_by`, the therapist it was taken from, whose calendar loses
    it."""
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
    told = [(admin, change) for admin in await admins_to_notify(session, booking.therapist_id)]
    if handed_over_by is not None and handed_over_by != booking.therapist_id:
        former = await admins_to_notify(session, handed_over_by, therapist_only=True)
        told += [
            (admin, BookingChange.handed_over)
            for admin in former
            if admin not in {one for one, _ in told}
        ]
    return [
        OutgoingMail(
            to=admin.email,
            template="booking_notice",
            context={**context, "change": what.value, "admin_name": admin.first_name},
            key=f"booking:{booking.id}:notice:{what}:{booking.calendar_sequence}:{admin.id}",
            attachments=[_calendar_update(settings, booking, admin, what)],
        )
        for admin, what in told
    ]


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
) -> CalendarEvent:
    """The booking's event as the therapist's calendar holds it: the admin is the attendee, the
    summary names no client and no room link is written in, since calendars are often shared
    or synced elsewhere and a room link there would outlive the session; the therapist opens
    the room from the booking (`GET /api/admin/bookings/{id}`)."""
    removes = change in REMOVES_THE_EVENT
    return appointment_invitation(
        booking,
        CalendarMethod.cancel if removes else CalendarMethod.request,
        starts_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        what="session",
        attendee=Attendee(admin.email, f"{admin.first_name} {admin.last_name}"),
        summary=f"Session (booking {booking.id})",
    )
