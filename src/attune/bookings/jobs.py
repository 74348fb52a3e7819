"""Booking sweeps: reminders before a session, and marking sessions completed after it.

Both are periodic jobs that take their time from the job's clock and work in batches, each in
its own short transaction: a backlog (after the worker was down) never holds one transaction,
or the bookings' rows, for long. A run stops after `MAX_BATCHES_PER_RUN` batches and leaves the
rest to the next run a minute later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from attune.appointments.reminders import Reminder
from attune.bookings import mail as booking_mail
from attune.bookings import sweeps
from attune.platform.database import Database
from attune.platform.jobs import JobContext, JobRegistry
from attune.platform.settings import Settings

SEND_REMINDERS = "bookings.send_reminders"
MARK_COMPLETED = "bookings.mark_completed"
BATCH_SIZE = 100
MAX_BATCHES_PER_RUN = 20


registry = JobRegistry()


@registry.periodic(SEND_REMINDERS, every=timedelta(minutes=1))
async def send_reminders(context: JobContext, _payload: dict[str, Any]) -> None:
    """Mail the 24 h and 1 h reminders that are due, each once.

    The mark and the mail job are written in one transaction, so a booking is either marked
    and mailed or neither; two sweeps at once, or one run twice, mail it once. While payments
    are required only paid bookings are reminded: an unpaid one is released by the payments
    sweep after ATTUNE_PAYMENT_HOLD_MINUTES, long before its first reminder is due, and a
    worker catching up on a backlog must not remind a session that is about to be cancelled.
    """
    now = context.clock.now()
    for reminder in sweeps.REMINDERS:
        for _ in range(MAX_BATCHES_PER_RUN):
            sent = await _remind_batch(context.database, context.settings, reminder, now)
            if sent < BATCH_SIZE:
                break


@registry.periodic(MARK_COMPLETED, every=timedelta(minutes=1))
async def mark_completed(context: JobContext, _payload: dict[str, Any]) -> None:
    """Mark scheduled sessions completed once their join window has closed.

    While payments are required only paid ones are: an unpaid booking whose time has passed
    was never a session the client could join, and the payments sweep that releases unpaid
    holds decides what becomes of it. An admin may still record a different outcome.
    """
    now = context.clock.now()
    for _ in range(MAX_BATCHES_PER_RUN):
        async with context.database.transaction() as session:
            completed = await sweeps.complete_finished(
                session,
                now,
                paid_only=context.settings.payments_required,
                limit=BATCH_SIZE,
            )
        if len(completed) < BATCH_SIZE:
            break


async def _remind_batch(
    database: Database, settings: Settings, reminder: Reminder, now: datetime
) -> int:
    async with database.transaction() as session:
        bookings = await sweeps.stamp_due_reminders(
            session,
            reminder,
            now,
            paid_only=settings.payments_required,
            limit=BATCH_SIZE,
        )
        clients = await sweeps.clients_by_id(session, {booking.user_id for booking in bookings})
        for booking in bookings:
            await booking_mail.queue_reminder(
                session, settings, booking, clients[booking.user_id], reminder.name
            )
    return len(bookings)
