"""The appointment reminder sweep: a mail 24 h and 1 h before a scheduled appointment.

A periodic job, like the booking sweeps: it takes its time from the
job's clock and works in batches, each in its own short transaction, and a run stops after
`MAX_BATCHES_PER_RUN` batches and leaves the rest to the next run a minute later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from attune.appointments.reminders import Reminder
from attune.platform.database import Database
from attune.platform.jobs import JobContext, JobRegistry
from attune.platform.settings import Settings
from attune.requests import mail, sweeps

SEND_REMINDERS = "requests.send_reminders"
BATCH_SIZE = 100
MAX_BATCHES_PER_RUN = 20


registry = JobRegistry()


@registry.periodic(SEND_REMINDERS, every=timedelta(minutes=1))
async def send_reminders(context: JobContext, _payload: dict[str, Any]) -> None:
    """Mail the 24 h and 1 h reminders that are due, each once.

    The mark and the mail job are written in one transaction, so an appointment is either
    marked and mailed or neither; two sweeps at once, or one run twice, mail it once. A
    withdrawn appointment is no longer scheduled and is passed over.
    """
    now = context.clock.now()
    for reminder in sweeps.REMINDERS:
        for _ in range(MAX_BATCHES_PER_RUN):
            sent = await _remind_batch(context.database, context.settings, reminder, now)
            if sent < BATCH_SIZE:
                break


async def _remind_batch(
    database: Database, settings: Settings, reminder: Reminder, now: datetime
) -> int:
    async with database.transaction() as session:
        requests = await sweeps.stamp_due_reminders(session, reminder, now, limit=BATCH_SIZE)
        for request in requests:
            person = mail.Requester.of(settings, request)
            await mail.queue_reminder(session, settings, request, person, reminder.name)
    return len(requests)
