"""The query of the appointment reminder sweep (attune.requests.jobs): the conditional UPDATE
that claims the scheduled appointments whose reminder is due.

Appointments are reminded in the windows bookings are (attune.bookings.sweeps), through the same
claim: the UPDATE repeats every condition of its selection, so an appointment withdrawn or moved
in the meantime is passed over, and on PostgreSQL two sweeps at once skip each other's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings.sweeps import Reminder, claim, reminders
from attune.models import AppointmentRequest, AppointmentStatus

REMINDERS = reminders(AppointmentRequest.reminder_24h_at, AppointmentRequest.reminder_1h_at)


async def stamp_due_reminders(
    session: AsyncSession, reminder: Reminder, now: datetime, *, limit: int
) -> Sequence[AppointmentRequest]:
    """Mark up to `limit` scheduled appointments whose reminder is due and unsent; return them.

    Scheduling and moving set both marks for the new time, so it is reminded in its own windows.
    """
    due: tuple[ColumnElement[bool], ...] = (
        AppointmentRequest.status == AppointmentStatus.scheduled,
        reminder.sent_at.is_(None),
        AppointmentRequest.scheduled_at <= now + reminder.lead,
        AppointmentRequest.scheduled_at > now + reminder.until,
    )
    return await claim(
        session,
        AppointmentRequest,
        due,
        order_by=AppointmentRequest.scheduled_at,
        limit=limit,
        # A reminder does not change the appointment: updated_at stays the calendar
        # invitation's DTSTAMP.
        values={reminder.sent_at.key: now, "updated_at": AppointmentRequest.updated_at},
    )
