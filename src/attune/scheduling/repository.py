"""Every query of slots, except taking and giving back seats (seats.py; docs/architecture.md,
"Packages").

Intervals are half-open, [start_at, end_at): a slot ending at 10:00 and one starting at 10:00
do not overlap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import AppointmentRequest, AppointmentStatus, Schedule
from attune.platform.database import execute_bulk
from attune.scheduling.errors import ScheduleOverlap

# Any constant that no other advisory lock of the service uses.
SLOT_TIMES_LOCK = 0x5107_0001
# PostgreSQL's exclusion_violation: ex_schedules_no_overlap refused a slot (models/schedule.py).
EXCLUSION_VIOLATION = "23P01"


async def lock_slot_times(session: AsyncSession) -> None:
    """Serialise the writes that place slots in time, until this transaction ends.

    Without it, two PostgreSQL transactions inserting overlapping slots at the same moment
    can each wait for the other inside the exclusion constraint, and one is killed as a
    deadlock after a second. Holding this lock, the overlap check that follows sees every slot
    committed before it. SQLite needs none: its write transactions already run one at a time.
    Bookings do not take it; they never move a slot.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(SLOT_TIMES_LOCK)))


async def schedule_by_id(session: AsyncSession, schedule_id: int) -> Schedule | None:
    return await session.get(Schedule, schedule_id)


async def overlapping_schedule(
    session: AsyncSession, start_at: datetime, end_at: datetime, *, excluding: int | None = None
) -> int | None:
    """The id of one slot that overlaps [start_at, end_at), if any."""
    query = select(Schedule.id).where(Schedule.start_at < end_at, Schedule.end_at > start_at)
    if excluding is not None:
        query = query.where(Schedule.id != excluding)
    found: int | None = await session.scalar(query.limit(1))
    return found


async def schedules_starting_between(
    session: AsyncSession, start_at: datetime, end_at: datetime, *, open_only: bool = False
) -> Sequence[Schedule]:
    """Slots starting in [start_at, end_at), soonest first."""
    query = select(Schedule).where(Schedule.start_at >= start_at, Schedule.start_at < end_at)
    if open_only:
        query = query.where(Schedule.is_available.is_(True))
    return (await session.scalars(query.order_by(Schedule.start_at, Schedule.id))).all()


async def intervals_overlapping(
    session: AsyncSession, start_at: datetime, end_at: datetime
) -> Sequence[tuple[datetime, datetime]]:
    """The times of every slot and scheduled appointment that overlap [start_at, end_at),
    by start: the therapist's time that is already taken or offered."""
    slots = await session.execute(
        select(Schedule.start_at, Schedule.end_at).where(
            Schedule.start_at < end_at, Schedule.end_at > start_at
        )
    )
    appointments = await session.execute(
        select(AppointmentRequest.scheduled_at, AppointmentRequest.scheduled_end_at).where(
            *_scheduled_appointment_overlapping(start_at, end_at)
        )
    )
    intervals = [(row[0], row[1]) for row in [*slots, *appointments]]
    return sorted(intervals)


async def overlapping_appointment(
    session: AsyncSession, start_at: datetime, end_at: datetime
) -> str | None:
    """The id of a scheduled appointment request that overlaps [start_at, end_at), if any.

    Slots and appointments share the therapist's time; the caller holds `lock_slot_times`,
    which scheduling an appointment takes too.
    """
    found: str | None = await session.scalar(
        select(AppointmentRequest.id)
        .where(*_scheduled_appointment_overlapping(start_at, end_at))
        .limit(1)
    )
    return found


def _scheduled_appointment_overlapping(
    start_at: datetime, end_at: datetime
) -> tuple[ColumnElement[bool], ...]:
    return (
        AppointmentRequest.status == AppointmentStatus.scheduled,
        AppointmentRequest.scheduled_at < end_at,
        AppointmentRequest.scheduled_end_at > start_at,
    )


@asynccontextmanager
async def refusing_overlap() -> AsyncIterator[None]:
    """Turn PostgreSQL's exclusion constraint into the same 409 as the service's own check.

    It fires when a transaction that did not take `lock_slot_times` wrote an overlapping slot
    after this one looked. Callers run the write in a SAVEPOINT so the session stays usable.
    """
    try:
        yield
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        raise ScheduleOverlap(details="Another slot was created at this time meanwhile.") from error


async def insert_schedules(session: AsyncSession, slots: Sequence[Schedule]) -> None:
    async with refusing_overlap(), session.begin_nested():
        session.add_all(slots)
        await session.flush()


async def update_schedule(
    session: AsyncSession,
    schedule_id: int,
    values: dict[str, Any],
    conditions: Sequence[ColumnElement[bool]],
) -> Schedule | None:
    """Change a slot only if `conditions` still hold when the row is written; None if not.

    The conditions are in the UPDATE itself, so a booking taking a seat at the same moment is
    either counted by them or refused by `take_seat` (which checks the times it read).
    """
    async with refusing_overlap(), session.begin_nested():
        result = await session.scalars(
            update(Schedule)
            .where(Schedule.id == schedule_id, *conditions)
            .values(**values)
            .returning(Schedule)
            .execution_options(populate_existing=True, synchronize_session=False)
        )
        return result.one_or_none()


async def delete_unbooked(session: AsyncSession, schedule_id: int) -> bool:
    """Delete the slot if no booking holds a seat in it; whether it was deleted."""
    deleted = await execute_bulk(
        session,
        delete(Schedule)
        .where(Schedule.id == schedule_id, Schedule.booked_count == 0)
        .returning(Schedule.id),
    )
    return deleted.one_or_none() is not None


async def booked_count(session: AsyncSession, schedule_id: int) -> int | None:
    """The seats taken in a slot as stored now (None if it is gone), to say why a write failed."""
    count: int | None = await session.scalar(
        select(Schedule.booked_count).where(Schedule.id == schedule_id)
    )
    return count
