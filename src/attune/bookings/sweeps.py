"""The queries of the booking sweeps (attune.bookings.jobs): which bookings are due, and the
conditional UPDATEs that claim them.

Each UPDATE repeats every condition of its selection in its own WHERE clause, so a booking that
another sweep, a cancellation or a reschedule changed in the meantime is passed over, and a
booking is claimed by one transaction only. On PostgreSQL the selection skips rows that another
transaction holds, so two sweeps running at once share the work instead of waiting or
deadlocking; SQLite runs write transactions one at a time and needs no such care.

The reminder windows and `claim` serve the appointment requests' sweep too
(attune.requests.sweeps): an appointment is reminded like a booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from attune.bookings.service import REMINDER_LEADS
from attune.models import Booking, BookingStatus, PaymentStatus, User
from attune.platform.database import Base
from attune.video.rooms import JOIN_CLOSES_AFTER

RowT = TypeVar("RowT", bound=Base)


@dataclass(frozen=True)
class Reminder:
    """A reminder is due from `lead` before the start until `until` before it."""

    name: str
    lead: timedelta
    until: timedelta
    sent_at: InstrumentedAttribute[datetime | None]


def reminders(
    day_before: InstrumentedAttribute[datetime | None],
    hour_before: InstrumentedAttribute[datetime | None],
) -> tuple[Reminder, Reminder]:
    """The 24 h and 1 h reminders, stamped in these columns.

    Past its window the 24 h reminder is not sent: the 1 h one follows, and two mails an hour
    apart would only crowd the client's inbox.
    """
    return (
        Reminder("24h", REMINDER_LEADS["24h"], REMINDER_LEADS["1h"], day_before),
        Reminder("1h", REMINDER_LEADS["1h"], timedelta(0), hour_before),
    )


REMINDERS = reminders(Booking.reminder_24h_at, Booking.reminder_1h_at)


async def stamp_due_reminders(
    session: AsyncSession, reminder: Reminder, now: datetime, *, paid_only: bool, limit: int
) -> Sequence[Booking]:
    """Mark up to `limit` bookings whose reminder is due and unsent; return those marked."""
    due: tuple[ColumnElement[bool], ...] = (
        Booking.status == BookingStatus.scheduled,
        reminder.sent_at.is_(None),
        Booking.scheduled_at <= now + reminder.lead,
        Booking.scheduled_at > now + reminder.until,
    )
    if paid_only:
        due = (*due, Booking.payment_status == PaymentStatus.succeeded)
    return await claim(
        session,
        Booking,
        due,
        order_by=Booking.scheduled_at,
        limit=limit,
        # Sending a reminder does not change the booking: its updated_at (the calendar
        # invitation's DTSTAMP) stays as it was.
        values={reminder.sent_at.key: now, "updated_at": Booking.updated_at},
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


async def claim(
    session: AsyncSession,
    model: type[RowT],
    due: Sequence[ColumnElement[bool]],
    *,
    order_by: InstrumentedAttribute[Any],
    limit: int,
    values: dict[str, Any],
) -> Sequence[RowT]:
    """Set `values` on up to `limit` rows of `model` that are `due`, first by `order_by`;
    return the rows this transaction changed."""
    [key] = inspect(model).primary_key
    # A CTE, not a plain IN (subquery): PostgreSQL may run a subquery again for every row it
    # updates, and FOR UPDATE then skips the rows this statement has just changed, so the
    # LIMIT would keep finding new ones. A locking CTE is computed once.
    candidates = (
        select(key)
        .where(*due)
        .order_by(order_by, key)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
    )
    claimed = await session.scalars(
        update(model)
        .where(key.in_(select(candidates.c[key.name])), *due)
        .values(**values)
        .returning(model)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return claimed.all()
