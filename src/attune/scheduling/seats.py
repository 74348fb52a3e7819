"""Taking and giving back a seat in a slot: the capacity invariant (docs/architecture.md,
"Invariants the database guards").

A seat is taken by one conditional UPDATE that checks and increments `booked_count` in the
same statement, so no interleaving of requests can take more than `max_bookings` seats; a
read-then-write would overbook, and `SELECT … FOR UPDATE` is silently dropped on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import Schedule
from attune.platform.database import execute_bulk
from attune.scheduling.errors import ScheduleNotFound, SlotFull, SlotStarted


@dataclass(frozen=True)
class Seat:
    schedule_id: int
    start_at: datetime
    end_at: datetime


async def take_seat(session: AsyncSession, schedule: Schedule, now: datetime) -> Seat:
    """Take one seat in `schedule` as it was read, or raise why it cannot be had.

    The slot must still have the times it was read with: a slot without bookings may be moved
    by the practice meanwhile, and the caller has checked the client's other bookings against
    the times it read.
    """
    taken = await execute_bulk(
        session,
        update(Schedule)
        .where(
            Schedule.id == schedule.id,
            Schedule.start_at == schedule.start_at,
            Schedule.end_at == schedule.end_at,
            Schedule.is_available.is_(True),
            Schedule.start_at > now,
            Schedule.booked_count < Schedule.max_bookings,
        )
        .values(booked_count=Schedule.booked_count + 1, updated_at=now)
        .returning(Schedule.id, Schedule.start_at, Schedule.end_at),
    )
    row = taken.one_or_none()
    if row is not None:
        return Seat(row.id, row.start_at, row.end_at)
    current = await session.scalar(select(Schedule.start_at).where(Schedule.id == schedule.id))
    if current is None:
        raise ScheduleNotFound()
    if current <= now:
        raise SlotStarted()
    raise SlotFull()


async def release_seat(session: AsyncSession, schedule_id: int | None, now: datetime) -> None:
    """Give a seat back. A booking without a slot (its slot was deleted) holds none."""
    if schedule_id is None:
        return
    await execute_bulk(
        session,
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.booked_count > 0)
        .values(booked_count=Schedule.booked_count - 1, updated_at=now),
    )
