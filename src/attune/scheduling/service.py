"""Slot rules: publishing, changing and removing slots, the weekly generator, the day view.

Every method runs in the caller's transaction and flushes, never commits. No two slots overlap:
the service checks in the transaction, after taking a lock that serialises the writes placing
slots in time (SQLite's write transactions run one at a time anyway), and on PostgreSQL the
exclusion constraint is the database's own last word.
A slot's seats are counted by `booked_count`, so every change that depends on it is one
conditional write, never a read followed by a write.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import Schedule
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.settings import Settings
from attune.platform.time_range import TimeRange
from attune.scheduling import generator, repository
from attune.scheduling.errors import (
    CapacityBelowBookings,
    InvalidSchedule,
    ScheduleHasBookings,
    ScheduleNotFound,
    ScheduleOverlap,
    SlotOverlapsAppointment,
)
from attune.scheduling.schemas import (
    MAX_RANGE_DAYS,
    ScheduleCreate,
    ScheduleGenerate,
    ScheduleUpdate,
)

MAX_SLOT_LENGTH = timedelta(hours=12)
LIST_DEFAULT_DAYS = 30
MAX_GENERATED = 2000

SKIPPED_NOT_EXISTING = "this local time does not exist on this day (daylight saving time starts)"
SKIPPED_NOT_FUTURE = "not in the future"
SKIPPED_OVERLAP = "overlaps an existing slot"
SKIPPED_OVERLAP_GENERATED = "overlaps another slot of this request"


def _refuse_bad_times(start_at: datetime, end_at: datetime, now: datetime) -> None:
    if end_at <= start_at:
        raise InvalidSchedule(details="end_time must be after start_time")
    if end_at - start_at > MAX_SLOT_LENGTH:
        raise InvalidSchedule(details="A slot lasts at most 12 hours")
    if start_at <= now:
        raise InvalidSchedule(details="start_time must be in the future")


async def _refuse_overlap(
    session: AsyncSession, slot: TimeRange, *, excluding: int | None = None
) -> None:
    other = await repository.overlapping_schedule(session, slot, excluding=excluding)
    if other is not None:
        raise ScheduleOverlap(details=f"It overlaps slot {other}.")
    await _refuse_appointment_overlap(session, slot)


async def _refuse_appointment_overlap(session: AsyncSession, slot: TimeRange) -> None:
    if await repository.overlapping_appointment(session, slot) is not None:
        raise SlotOverlapsAppointment()


@dataclass(frozen=True)
class Skipped:
    local: datetime
    start_at: datetime | None
    reason: str


@dataclass
class Generated:
    created: list[Schedule] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class _Occupied:
    """The times new slots must stay clear of: stored slots, then slots added in time order."""

    def __init__(self, stored: Sequence[TimeRange]) -> None:
        self._starts = [taken.start for taken in stored]
        # The latest end among the first n stored slots, so one bisect answers "any overlap?":
        # of the ranges starting before the new one ends, does any end after it starts?
        self._latest_ends = list(itertools.accumulate((taken.end for taken in stored), max))
        self._last_added_end: datetime | None = None

    def clashes_with_stored(self, slot: TimeRange) -> bool:
        starting_before_end = bisect_left(self._starts, slot.end)
        return starting_before_end > 0 and self._latest_ends[starting_before_end - 1] > slot.start

    def clashes_with_added(self, start_at: datetime) -> bool:
        # Added slots start in time order and do not overlap, so the last one ends latest.
        return self._last_added_end is not None and self._last_added_end > start_at

    def add(self, end_at: datetime) -> None:
        self._last_added_end = end_at


def _reason_to_skip(
    start_at: datetime | None, length: timedelta, now: datetime, occupied: _Occupied
) -> str | None:
    if start_at is None:
        return SKIPPED_NOT_EXISTING
    if start_at <= now:
        return SKIPPED_NOT_FUTURE
    if occupied.clashes_with_stored(TimeRange(start_at, start_at + length)):
        return SKIPPED_OVERLAP
    if occupied.clashes_with_added(start_at):
        return SKIPPED_OVERLAP_GENERATED
    return None


class ScheduleService:
    async def day_view(
        self, session: AsyncSession, settings: Settings, day: date, now: datetime
    ) -> Sequence[Schedule]:
        """The slots starting on a practice-zone day that the practice has not closed."""
        return await repository.schedules_starting_between(
            session, PracticeCalendar.of(settings).day_bounds(day), open_only=True
        )

    async def list_days(
        self,
        session: AsyncSession,
        settings: Settings,
        first: date | None,
        last: date | None,
        now: datetime,
    ) -> tuple[date, date, Sequence[Schedule]]:
        """Every slot starting on the practice-zone days first..last (inclusive)."""
        calendar = PracticeCalendar.of(settings)
        first = first or calendar.today(now)
        last = last or first + timedelta(days=LIST_DEFAULT_DAYS)
        if last < first:
            raise InvalidSchedule(details="to must not be before from")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise InvalidSchedule(details=f"The range spans at most {MAX_RANGE_DAYS} days")
        days = calendar.days_bounds(first, last)
        return first, last, await repository.schedules_starting_between(session, days)

    async def create(self, session: AsyncSession, body: ScheduleCreate, now: datetime) -> Schedule:
        _refuse_bad_times(body.start_time, body.end_time, now)
        await repository.lock_slot_times(session)
        await _refuse_overlap(session, TimeRange(body.start_time, body.end_time))
        slot = Schedule(
            start_at=body.start_time,
            end_at=body.end_time,
            max_bookings=body.max_bookings,
            booked_count=0,
            is_available=body.is_available,
            created_at=now,
            updated_at=now,
        )
        await repository.insert_schedules(session, [slot])
        return slot

    async def update(
        self, session: AsyncSession, schedule_id: int, body: ScheduleUpdate, now: datetime
    ) -> Schedule:
        """Change a slot. Its times move only while no booking holds a seat in it, and its
        capacity never drops below the seats taken; both are conditions of the one UPDATE."""
        slot = await repository.schedule_by_id(session, schedule_id)
        if slot is None:
            raise ScheduleNotFound()
        start_at = body.start_time or slot.start_at
        end_at = body.end_time or slot.end_at
        moving = (start_at, end_at) != (slot.start_at, slot.end_at)
        values: dict[str, Any] = {"updated_at": now}
        conditions: list[ColumnElement[bool]] = []
        if moving:
            _refuse_bad_times(start_at, end_at, now)
            await repository.lock_slot_times(session)
            await _refuse_overlap(session, TimeRange(start_at, end_at), excluding=slot.id)
            values |= {"start_at": start_at, "end_at": end_at}
            conditions.append(Schedule.booked_count == 0)
        if body.max_bookings is not None:
            values["max_bookings"] = body.max_bookings
            conditions.append(Schedule.booked_count <= body.max_bookings)
        if body.is_available is not None:
            values["is_available"] = body.is_available
            if body.is_available and not slot.is_available and not moving:
                # Reopening offers the time again: it must not be an appointment's by now.
                await repository.lock_slot_times(session)
                await _refuse_appointment_overlap(session, TimeRange(start_at, end_at))
        updated = await repository.update_schedule(session, slot.id, values, conditions)
        if updated is not None:
            return updated
        booked = await repository.booked_count(session, slot.id)
        if booked is None:
            raise ScheduleNotFound()
        if moving and booked > 0:
            raise ScheduleHasBookings(
                details=f"{booked} booking(s) hold a seat in this slot: its times cannot move. "
                "Cancel or reschedule them first."
            )
        raise CapacityBelowBookings(
            details=f"{booked} booking(s) hold a seat in this slot: max_bookings must be at "
            f"least {booked}."
        )

    async def delete(self, session: AsyncSession, schedule_id: int) -> None:
        """Delete a slot that no booking holds a seat in; cancelled bookings keep their data."""
        if await repository.delete_unbooked(session, schedule_id):
            return
        booked = await repository.booked_count(session, schedule_id)
        if booked is None:
            raise ScheduleNotFound()
        raise ScheduleHasBookings(
            details=f"{booked} booking(s) hold a seat in this slot. Cancel or reschedule them "
            "first, or close the slot with is_available=false."
        )

    async def generate(
        self, session: AsyncSession, settings: Settings, body: ScheduleGenerate, now: datetime
    ) -> Generated:
        """Create the weekly slots a request asks for; skip, with a reason, those that cannot be."""
        calendar = PracticeCalendar.of(settings)
        if body.start_date < calendar.today(now):
            raise InvalidSchedule(details="start_date must not be in the past")
        count = generator.planned_count(body)
        if count > MAX_GENERATED:
            raise InvalidSchedule(
                details=f"This would make {count} slots; at most {MAX_GENERATED} per request. "
                "Ask for a shorter range or fewer weekdays."
            )
        length = timedelta(minutes=body.session_minutes)
        planned = generator.plan(body, calendar)
        await repository.lock_slot_times(session)
        instants = [start.start_at for start in planned if start.start_at is not None]
        stored = (
            await repository.intervals_overlapping(
                session, TimeRange(instants[0], instants[-1] + length)
            )
            if instants
            else []
        )
        occupied = _Occupied(stored)
        generated = Generated()
        for start in planned:
            reason = _reason_to_skip(start.start_at, length, now, occupied)
            if start.start_at is None or reason is not None:
                generated.skipped.append(Skipped(start.local, start.start_at, reason or ""))
                continue
            end_at = start.start_at + length
            occupied.add(end_at)
            generated.created.append(
                Schedule(
                    start_at=start.start_at,
                    end_at=end_at,
                    max_bookings=body.max_bookings,
                    booked_count=0,
                    is_available=body.is_available,
                    created_at=now,
                    updated_at=now,
                )
            )
        if generated.created:
            await repository.insert_schedules(session, generated.created)
        return generated


schedule_service = ScheduleService()
