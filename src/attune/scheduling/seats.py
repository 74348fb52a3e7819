"""Taking and giving back a seat in a slot: the capacity invariant (docs/architecture.md,
"Invariants the database guards").

A seat is taken by one conditional UPDATE that checks and increments `booked_count` in the
same statement, so no interleaving of requests can take more than `max_bookings` seats; a
read-then-write would overbook, and `SELECT … FOR UPDATE` is silently dropped on SQLite.

The same update settles the slot's video room: the first seat gives the slot the room it
offers, every later seat gets the room the slot already has. Two first bookings at once are
serialised by the row they both update, so they agree on one room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import Schedule
from attune.platform.database import execute_bulk
from attune.scheduling.errors import ScheduleNotFound, SlotFull, SlotStarted


@dataclass(frozen=True)
class Seat:
    schedule_id: int
    start_at: datetime
    end_at: datetime
    room_id: str


async def take_seat(
    session: AsyncSession, schedule: Schedule, now: datetime, *, room_id: str
) -> Seat:
    """Take one seat in `schedule` as it was read, or raise why it cannot be had; the seat's
    room is the slot's, or `room_id` when the slot has none yet.

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
        .values(
            booked_count=Schedule.booked_count + 1,
            room_id=func.coalesce(Schedule.room_id, room_id),
            updated_at=now,
        )
        .returning(Schedule.id, Schedule.start_at, Schedule.end_at, Schedule.room_id),
    )
    row = taken.one_or_none()
    if row is not None:
        return Seat(row.id, row.start_at, row.end_at, row.room_id)
    current = await session.scalar(select(Schedule.start_at).where(Schedule.id == schedule.id))
    if current is None:
        raise ScheduleNotFound()
    if current <= now:
        raise SlotStarted()
    raise SlotFull()


def refuse_if_taken(schedule: Schedule, now: datetime) -> None:
    """Refuse a slot that, as read, has no seat left, before anything else about the booking
    is checked or locked: in a rush for the last seats most requests end here, cheaply. Only
    a first look: `take_seat` decides, whatever was read."""
    if schedule.booked_count < schedule.max_bookings:
        return
    if schedule.start_at <= now:
        raise SlotStarted()
    raise SlotFull()


async def release_seat(session: AsyncSession, schedule_id: int | None, now: datetime) -> None:
    """Give a seat back; the last one gives the slot's room up with it. A booking without a
    slot (its slot was deleted) holds none."""
    if schedule_id is None:
        return
    await execute_bulk(
        session,
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.booked_count > 0)
        .values(
            booked_count=Schedule.booked_count - 1,
            room_id=case((Schedule.booked_count == 1, None), else_=Schedule.room_id),
            updated_at=now,
        ),
    )
