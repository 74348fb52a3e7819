"""Every query of slots, except taking and giving back seats (seats.py; docs/architecture.md,
"Packages").

Times are `TimeRange`s, half-open: a slot ending at 10:00 and one starting at 10:00 do not
overlap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import (
    AppointmentRequest,
    AppointmentStatus,
    Schedule,
    Service,
    Therapist,
    User,
    schedule_services,
)
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
    session: AsyncSession, time: TimeRange, therapist_id: int, *, excluding: int | None = None
) -> int | None:
    """The id of one slot of the therapist that overlaps `time`, if any: another therapist's
    slots are another person's time."""
    query = select(Schedule.id).where(
        Schedule.therapist_id == therapist_id,
        time.overlap_condition(Schedule.start_at, Schedule.end_at),
    )
    if excluding is not None:
        query = query.where(Schedule.id != excluding)
    found: int | None = await session.scalar(query.limit(1))
    return found


@dataclass(frozen=True)
class SlotFilter:
    """Which slots a read is about: one therapist's, one service's, or (None) any."""

    therapist_id: int | None = None
    service_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.therapist_id is not None:
            found.append(Schedule.therapist_id == self.therapist_id)
        if self.service_id is not None:
            found.append(
                Schedule.id.in_(
                    select(schedule_services.c.schedule_id).where(
                        schedule_services.c.service_id == self.service_id
                    )
                )
            )
        return found


EVERY_SLOT = SlotFilter()


async def schedules_starting_between(
    session: AsyncSession,
    time: TimeRange,
    *,
    only: SlotFilter = EVERY_SLOT,
) -> Sequence[Schedule]:
    """Slots starting within `time`, soonest first, closed ones included."""
    query = select(Schedule).where(
        Schedule.start_at >= time.start, Schedule.start_at < time.end, *only.conditions()
    )
    return (await session.scalars(query.order_by(Schedule.start_at, Schedule.id))).all()


@dataclass
class OfferedSlots:
    """Slots with what describing them needs: the services each offers (in the practice's
    order), those services, and their therapists' names."""

    slots: list[Schedule] = field(default_factory=list)
    service_ids: dict[int, list[int]] = field(default_factory=dict)
    services: dict[int, Service] = field(default_factory=dict)
    therapist_names: dict[int, str] = field(default_factory=dict)


@cache
def _open_slots_offered(
    by_therapist: bool, by_service: bool
) -> Select[Schedule, Service, str, str]:
    """Built once for each filter, with its values bound at execution: building a statement
    and its cache key again on every request costs more than running it."""
    query = (
        select(Schedule, Service, User.first_name, User.last_name)
        .outerjoin(User, User.id == Schedule.therapist_id)
        .outerjoin(schedule_services, schedule_services.c.schedule_id == Schedule.id)
        .outerjoin(Service, Service.id == schedule_services.c.service_id)
        .where(
            Schedule.start_at >= bindparam("start"),
            Schedule.start_at < bindparam("end"),
            Schedule.is_available.is_(True),
        )
        .order_by(Schedule.start_at, Schedule.id, Service.id)
    )
    if by_therapist:
        query = query.where(Schedule.therapist_id == bindparam("therapist_id"))
    if by_service:
        query = query.where(
            Schedule.id.in_(
                select(schedule_services.c.schedule_id).where(
                    schedule_services.c.service_id == bindparam("service_id")
                )
            )
        )
    return query


async def open_slots_offered(
    session: AsyncSession, time: TimeRange, only: SlotFilter = EVERY_SLOT
) -> OfferedSlots:
    """The open slots starting within `time`, soonest first, with their services and their
    therapists' names, in one statement (the public day view's whole read)."""
    query = _open_slots_offered(only.therapist_id is not None, only.service_id is not None)
    values: dict[str, object] = {"start": time.start, "end": time.end}
    if only.therapist_id is not None:
        values["therapist_id"] = only.therapist_id
    if only.service_id is not None:
        values["service_id"] = only.service_id
    found = OfferedSlots()
    for slot, service, first_name, last_name in await session.execute(query, values):
        offered = found.service_ids.get(slot.id)
        if offered is None:
            offered = found.service_ids[slot.id] = []
            found.slots.append(slot)
            if first_name is not None:
                found.therapist_names[slot.therapist_id] = f"{first_name} {last_name}"
        if service is not None:
            offered.append(service.id)
            found.services[service.id] = service
    return found


async def seats_free_from(
    session: AsyncSession, after: datetime, now: datetime, only: SlotFilter, *, limit: int
) -> Sequence[Schedule]:
    """The soonest `limit` slots that have a free seat at `now` (open, not full, not started)
    among those starting at or after `after`; the service terms decide which can be booked."""
    found = await session.scalars(
        select(Schedule)
        .where(
            Schedule.start_at >= after,
            Schedule.start_at > now,
            Schedule.is_available.is_(True),
            Schedule.booked_count < Schedule.max_bookings,
            *only.conditions(),
        )
        .order_by(Schedule.start_at, Schedule.id)
        .limit(limit)
    )
    return found.all()


@dataclass(frozen=True)
class BookedTime:
    schedule_id: int
    therapist_id: int
    time: TimeRange


async def booked_slots_near(
    session: AsyncSession, therapist_ids: Iterable[int], time: TimeRange
) -> Sequence[BookedTime]:
    """The slots of these therapists overlapping `time` in which a booking holds a seat: the
    sessions a buffer keeps the therapist's other slots away from."""
    ids = set(therapist_ids)
    if not ids:
        return []
    found = await session.execute(
        select(Schedule.id, Schedule.therapist_id, Schedule.start_at, Schedule.end_at).where(
            Schedule.therapist_id.in_(ids),
            Schedule.booked_count > 0,
            time.overlap_condition(Schedule.start_at, Schedule.end_at),
        )
    )
    return [BookedTime(row[0], row[1], TimeRange(row[2], row[3])) for row in found]


async def therapist_names(session: AsyncSession, therapist_ids: Iterable[int]) -> dict[int, str]:
    ids = set(therapist_ids)
    if not ids:
        return {}
    found = await session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_(ids))
    )
    return {row[0]: f"{row[1]} {row[2]}" for row in found}


async def lock_therapist(session: AsyncSession, therapist_id: int) -> None:
    """Serialise the bookings of one therapist's time until this transaction ends, so a check
    of their other booked sessions (the buffer) sees every one committed before it. SQLite's
    write transactions already run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(Therapist.user_id).where(Therapist.user_id == therapist_id).with_for_update()
        )


async def intervals_overlapping(
    session: AsyncSession, time: TimeRange, therapist_id: int
) -> Sequence[TimeRange]:
    """The times of every slot and scheduled appointment of the therapist that overlap `time`,
    by start: the therapist's time that is already taken or offered."""
    slots = await session.execute(
        select(Schedule.start_at, Schedule.end_at).where(
            Schedule.therapist_id == therapist_id,
            time.overlap_condition(Schedule.start_at, Schedule.end_at),
        )
    )
    appointments = await session.execute(
        select(AppointmentRequest.scheduled_at, AppointmentRequest.scheduled_end_at).where(
            *scheduled_appointment_overlapping(time, therapist_id)
        )
    )
    intervals = sorted((row[0], row[1]) for row in [*slots, *appointments])
    return [TimeRange(start, end) for start, end in intervals]


async def overlapping_appointment(
    session: AsyncSession, time: TimeRange, therapist_id: int
) -> str | None:
    """The id of a scheduled appointment request of the therapist that overlaps `time`, if any.

    Slots and appointments share the therapist's time; the caller holds `lock_slot_times`,
    which scheduling an appointment takes too.
    """
    found: str | None = await session.scalar(
        select(AppointmentRequest.id)
        .where(*scheduled_appointment_overlapping(time, therapist_id))
        .limit(1)
    )
    return found


def scheduled_appointment_overlapping(
    time: TimeRange, therapist_id: int | None = None
) -> tuple[ColumnElement[bool], ...]:
    """The scheduled appointment requests whose time overlaps `time`: of one therapist, or
    (None) of any."""
    conditions = (
        AppointmentRequest.status == AppointmentStatus.scheduled,
        time.overlap_condition(
            AppointmentRequest.scheduled_at, AppointmentRequest.scheduled_end_at
        ),
    )
    if therapist_id is None:
        return conditions
    return (*conditions, AppointmentRequest.therapist_id == therapist_id)


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
