"""The queries of the booking sweeps (attune.bookings.jobs): which bookings are due, and the
conditional UPDATEs that claim them (attune.appointments.reminders says how a claim holds
under concurrent sweeps, cancellations and moves).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.appointments.reminders import Reminder, claim, reminders, stamp_due
from attune.appointments.window import JOIN_CLOSES_AFTER
from attune.models import Booking, BookingStatus, PaymentStatus, User

REMINDERS = reminders(Booking.reminder_24h_at, Booking.reminder_1h_at)


async def stamp_due_reminders(
    session: AsyncSession, reminder: Reminder, now: datetime, *, paid_only: bool, limit: int
) -> Sequence[Booking]:
    """Mark up to `limit` bookings whose reminder is due and unsent; return those marked."""
    scheduled: tuple[ColumnElement[bool], ...] = (Booking.status == BookingStatus.scheduled,)
    if paid_only:
        scheduled = (*scheduled, Booking.payment_status == PaymentStatus.succeeded)
    return await stamp_due(
        session,
        Booking,
        reminder,
        now,
        starts_at=Booking.scheduled_at,
        scheduled=scheduled,
        limit=limit,
    )


async def complete_finished(
    session: AsyncSession, now: datetime, *, paid_only: bool, limit: int
) -> Sequence[Booking]:
    """Mark up to `limit` scheduled bookings whose join window has closed as completed."""
    due: tuple[ColumnElement[bool], ...] = (
        Booking.status == BookingStatus.scheduled,
        Booking.ends_at <= now - JOIN_CLOSES_AFTER,
    )
    if paid_only:
        due = (*due, Booking.payment_status == PaymentStatus.succeeded)
    return await claim(
        session,
        Booking,
        due,
        order_by=Booking.ends_at,
        limit=limit,
        values={"status": BookingStatus.completed, "completed_at": now, "updated_at": now},
    )


async def clients_by_id(session: AsyncSession, user_ids: set[int]) -> dict[int, User]:
    users = await session.scalars(select(User).where(User.id.in_(user_ids)))
    return {user.id: user for user in users}
