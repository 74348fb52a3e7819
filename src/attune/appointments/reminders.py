"""Reminders 24 hours and 1 hour before an appointment, and the sweep query that claims them.

A sweep claims due appointments with one conditional UPDATE that repeats every condition of its
selection in its own WHERE clause, so an appointment that another sweep, a cancellation or a
move changed in the meantime is passed over, and each is claimed by one transaction only. On
PostgreSQL the selection skips rows that another transaction holds, so two sweeps running at
once share the work instead of waiting or deadlocking; SQLite runs write transactions one at a
time and needs no such care.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from attune.models.mixins import Timestamped

# Appointment rows: their updated_at is stamped on every change unless a statement sets it.
RowT = TypeVar("RowT", bound=Timestamped)

REMINDER_LEADS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


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


def check_lead(lead: str) -> None:
    if lead not in REMINDER_LEADS:
        raise ValueError(f"unknown reminder lead {lead!r}")


def reminders_already_covered(starts_at: datetime, now: datetime) -> dict[str, Any]:
    """Reminder marks for an appointment made or moved at `now`: inside a reminder's window the
    confirmation mail is that reminder, so it is marked as done; outside it, it is due later."""
    return {
        f"reminder_{name}_at": now if starts_at - lead <= now else None
        for name, lead in REMINDER_LEADS.items()
    }


async def stamp_due(
    session: AsyncSession,
    model: type[RowT],
    reminder: Reminder,
    now: datetime,
    *,
    starts_at: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime],
    scheduled: Sequence[ColumnElement[bool]],
    limit: int,
) -> Sequence[RowT]:
    """Mark up to `limit` `scheduled` rows of `model` whose reminder is due and unsent, soonest
    first; return those marked."""
    due = (
        *scheduled,
        reminder.sent_at.is_(None),
        starts_at <= now + reminder.lead,
        starts_at > now + reminder.until,
    )
    return await claim(
        session,
        model,
        due,
        order_by=starts_at,
        limit=limit,
        # Sending a reminder does not change the appointment: its updated_at (the calendar
        # invitation's DTSTAMP) stays as it was.
        values={reminder.sent_at.key: now, "updated_at": model.updated_at},
    )


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
