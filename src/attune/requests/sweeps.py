"""The query of the appointment reminder sweep (attune.requests.jobs): the conditional UPDATE
that claims the scheduled appointments whose reminder is due.

Appointments are reminded in the windows bookings are, through the same claim
(attune.appointments.reminders): an appointment withdrawn or moved in the meantime is passed
over, and on PostgreSQL two sweeps at once skip each other's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from attune.appointments.reminders import Reminder, reminders, stamp_due
from attune.models import AppointmentRequest, AppointmentStatus

REMINDERS = reminders(AppointmentRequest.reminder_24h_at, AppointmentRequest.reminder_1h_at)


async def stamp_due_reminders(
    session: AsyncSession, reminder: Reminder, now: datetime, *, limit: int
) -> Sequence[AppointmentRequest]:
    """Mark up to `limit` scheduled appointments whose reminder is due and unsent; return them.

    Scheduling and moving set both marks for the new time, so it is reminded in its own windows.
    """
    return await stamp_due(
        session,
        AppointmentRequest,
        reminder,
        now,
        starts_at=AppointmentRequest.scheduled_at,
        scheduled=(AppointmentRequest.status == AppointmentStatus.scheduled,),
        limit=limit,
    )
