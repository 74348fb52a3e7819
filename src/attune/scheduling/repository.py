"""Every query of slots, except taking and giving back seats (seats.py; docs/architecture.md,
"Packages").

Times are `TimeRange`s, half-open: a slot ending at 10:00 and one starting at 10:00 do not
overlap.
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
from attune.platform.errors import Conflict
from attune.platform.time_range import TimeRange
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
    session: AsyncSession, time: TimeRange, *, excluding: int | None = None
) -> int | None:
    """The id of one slot that overlaps `time`, if any."""
    query = select(Schedule.id).where(time.overlap_condition(Schedule.start_at, Schedule.end_at))
    if excluding is not None:
        query = query.where(Schedule.id != excluding)
    found: int | None = await session.scalar(query.limit(1))
    return found


async def schedules_starting_between(
    session: AsyncSession, time: TimeRange, *, open_only: bool = False
) -> Sequence[Schedule]:
    """Slots starting within `time`, soonest first."""
    query = select(Schedule).where(Schedule.start_at >= time.start, Schedule.start_at < time.end)
    if open_only:
        query = query.where(Schedule.is_available.is_(True))
    return (await session.scalars(query.order_by(Schedule.start_at, Schedule.id))).all()


async def first_bookable_start(
    session: AsyncSession, after: datetime, now: datetime
) -> datetime | None:
    """The start of the soonest slot that can be booked at `now` (open, with a free seat, not
    started) among those starting at or after `after`."""
    found: datetime | None = await session.scalar(
        select(Schedule.start_at)
        .where(
            Schedule.start_at >= after,
            Schedule.start_at > now,
            Schedule.is_available.is_(True),
            Schedule.booked_count < Schedule.max_bookings,
        )
        .order_by(Schedule.start_at)
        .limit(1)
    )
    return found


async def intervals_overlapping(session: AsyncSession, time: TimeRange) -> Sequence[TimeRange]:
    """The times of every slot and scheduled appointment that overlap `time`, by start: the
    therapist's time that is already taken or offered."""
    slots = await session.execute(
        select(Schedule.start_at, Schedule.end_at).where(
            time.overlap_condition(Schedule.start_at, Schedule.end_at)
        )
    )
    appointments = await session.execute(
        select(AppointmentRequest.scheduled_at, AppointmentRequest.scheduled_end_at).where(
            *scheduled_appointment_overlapping(time)
        )
    )
    intervals = sorted((row[0], row[1]) for row in [*slots, *appointments])
    return [TimeRange(start, end) for start, end in intervals]


async def overlapping_appointment(session: AsyncSession, time: TimeRange) -> str | None:
    """The id of a scheduled appointment request that overlaps `time`, if any.

    Slots and appointments share the therapist's time; the caller holds `lock_slot_times`,
    which scheduling an appointment takes too.
    """
    found: str | None = await session.scalar(
        select(AppointmentRequest.id).where(*scheduled_appointment_overlapping(time)).limit(1)
    )
    return found


def scheduled_appointment_overlapping(time: TimeRange) -> tuple[ColumnElement[bool], ...]:
    """The scheduled appointment requests whose time overlaps `time`."""
    return (
        AppointmentRequest.status == AppointmentStatus.scheduled,
        time.overlap_condition(
            AppointmentRequest.scheduled_at, AppointmentRequest.scheduled_end_at
        ),
    )


@asynccontextmanager
async def refusing_overlap(session: AsyncSession, overlap: Conflict) -> AsyncIterator[None]:
    """Write the block's changes in a SAVEPOINT, and turn PostgreSQL's exclusion constraint on
    the therapist's time (slots, scheduled appointments) into `overlap`, the same 409 as the
    service's own check.

    It fires when a transaction that did not take `lock_slot_times` wrote an overlapping time
    after this one looked. The SAVEPOINT keeps the session usable after the refusal.
    """
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        raise overlap from error


def _slot_created_meanwhile() -> ScheduleOverlap:
    return ScheduleOverlap(details="Another slot was created at this time meanwhile.")


async def insert_schedules(session: AsyncSession, slots: Sequence[Schedule]) -> None:
    async with refusing_overlap(session, _slot_created_meanwhile()):
        session.add_all(slots)


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
    async with refusing_overlap(session, _slot_created_meanwhile()):
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
