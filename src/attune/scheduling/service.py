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
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import Schedule
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.policy import AdminRequired, calendar_scope, may_manage_calendar_of
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.settings import Settings
from attune.platform.time_range import TimeRange
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository as practice
from attune.scheduling import generator, offers, repository
from attune.scheduling.errors import (
    CapacityBelowBookings,
    InvalidSchedule,
    ScheduleHasBookings,
    ScheduleNotFound,
    ScheduleOverlap,
    SlotOverlapsAppointment,
)
from attune.scheduling.offering import Offering, offering
from attune.scheduling.repository import EVERY_SLOT, SlotFilter
from attune.scheduling.schemas import (
    MAX_RANGE_DAYS,
    ScheduleCreate,
    ScheduleGenerate,
    ScheduleUpdate,
)
from attune.scheduling.views import Generated, Skipped, SlotView

MAX_SLOT_LENGTH = timedelta(hours=12)
LIST_DEFAULT_DAYS = 30
MAX_GENERATED = 2000
NEXT_FREE_BATCH = 200
NEXT_FREE_BATCHES = 25

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
    session: AsyncSession, slot: TimeRange, therapist_id: int, *, excluding: int | None = None
) -> None:
    """One therapist is never in two places at once; two therapists' slots may overlap."""
    other = await repository.overlapping_schedule(session, slot, therapist_id, excluding=excluding)
    if other is not None:
        raise ScheduleOverlap(details=f"It overlaps slot {other}.")
    await _refuse_appointment_overlap(session, slot, therapist_id)


async def _refuse_appointment_overlap(
    session: AsyncSession, slot: TimeRange, therapist_id: int
) -> None:
    if await repository.overlapping_appointment(session, slot, therapist_id) is not None:
        raise SlotOverlapsAppointment()


def _location(delivery: str, location: str | None) -> str | None:
    """Where an in-person slot is held (None: the practice's address); a video slot has no
    place."""
    if location is not None and delivery != "in_person":
        raise InvalidSchedule(details="Only an in-person slot has a location.", field="location")
    return location


def _scoped(actor: Actor, only: SlotFilter) -> SlotFilter:
    """The filter narrowed to the calendars the actor manages: a therapist sees their own
    (asking for another's is refused), the front desk and the owner every one."""
    scope = calendar_scope(actor)
    if scope is None:
        return only
    if only.therapist_id not in (None, scope):
        raise AdminRequired(details="You may see only your own calendar.")
    return replace(only, therapist_id=scope)


async def _managed_slot(session: AsyncSession, actor: Actor, schedule_id: int) -> Schedule:
    """A slot on a calendar the actor manages; another therapist's slot is not found."""
    slot = await repository.schedule_by_id(session, schedule_id)
    if slot is None or not may_manage_calendar_of(actor, slot.therapist_id):
        raise ScheduleNotFound()
    return slot


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
        self, uow: UnitOfWork, actor: Actor, day: date, only: SlotFilter = EVERY_SLOT
    ) -> list[SlotView]:
        """The slots starting on a practice-zone day that the practice has not closed (of one
        therapist or service with `only`); anyone may look."""
        found = await repository.open_slots_offered(
            uow.session, PracticeCalendar.of(uow.settings).day_bounds(day), only
        )
        return await offers.describe_offered(uow, found, service_id=only.service_id)

    async def free_slots(
        self,
        uow: UnitOfWork,
        actor: Actor,
        first: date,
        last: date,
        only: SlotFilter = EVERY_SLOT,
    ) -> list[SlotView]:
        """The slots that can be booked now, starting on the practice-zone days first..last
        (at most MAX_RANGE_DAYS of them); anyone may look."""
        last = min(last, first + timedelta(days=MAX_RANGE_DAYS - 1))
        days = PracticeCalendar.of(uow.settings).days_bounds(first, last)
        found = await repository.open_slots_offered(uow.session, days, only)
        views = await offers.describe_offered(uow, found, service_id=only.service_id)
        return [view for view in views if view.bookable]

    async def next_free_day(
        self, uow: UnitOfWork, actor: Actor, after: date, only: SlotFilter = EVERY_SLOT
    ) -> date | None:
        """The first practice-zone day after `after` with a slot that can be booked now, if
        any; anyone may look."""
        calendar = PracticeCalendar.of(uow.settings)
        start = calendar.day_start(after + timedelta(days=1))
        # Slots with a free seat, soonest first, a batch at a time: the service terms
        # (notice, buffer) may hold back the first ones.
        for _ in range(NEXT_FREE_BATCHES):
            batch = await repository.seats_free_from(
                uow.session, start, uow.now, only, limit=NEXT_FREE_BATCH
            )
            views = await offers.describe(uow, batch, service_id=only.service_id)
            free = next((view for view in views if view.bookable), None)
            if free is not None:
                return calendar.date_of(free.start_at)
            if len(batch) < NEXT_FREE_BATCH:
                return None
            start = batch[-1].start_at + timedelta(microseconds=1)
        return None

    async def list_days(
        self,
        uow: UnitOfWork,
        actor: Actor,
        first: date | None,
        last: date | None,
        only: SlotFilter = EVERY_SLOT,
    ) -> tuple[date, date, list[SlotView]]:
        """Every slot starting on the practice-zone days first..last (inclusive), of the
        calendars the actor manages."""
        only = _scoped(actor, only)
        calendar = PracticeCalendar.of(uow.settings)
        first = first or calendar.today(uow.now)
        last = last or first + timedelta(days=LIST_DEFAULT_DAYS)
        if last < first:
            raise InvalidSchedule(details="to must not be before from", field="to")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise InvalidSchedule(
                details=f"The range spans at most {MAX_RANGE_DAYS} days", field="to"
            )
        days = calendar.days_bounds(first, last)
        slots = await repository.schedules_starting_between(uow.session, days, only=only)
        return first, last, await offers.describe(uow, slots)

    async def create(self, uow: UnitOfWork, actor: Actor, body: ScheduleCreate) -> SlotView:
        calendar_scope(actor)
        _refuse_bad_times(body.start_time, body.end_time, uow.now)
        offer = await offering(uow, actor, body.therapist_id, body.service_ids, body.delivery)
        await repository.lock_slot_times(uow.session)
        await _refuse_overlap(
            uow.session, TimeRange(body.start_time, body.end_time), offer.therapist_id
        )
        slot = Schedule(
            therapist_id=offer.therapist_id,
            start_at=body.start_time,
            end_at=body.end_time,
            max_bookings=body.max_bookings or offer.seats,
            booked_count=0,
            is_available=body.is_available,
            delivery=body.delivery,
            location=_location(body.delivery, body.location),
            created_at=uow.now,
            updated_at=uow.now,
        )
        await repository.insert_schedules(uow.session, [slot])
        await practice.offer_on_slots(uow.session, [slot.id], offer.service_ids)
        uow.audit(
            actor,
            AuditAction.slot_created,
            AuditTarget.slot,
            slot.id,
            **body.model_dump(mode="json"),
        )
        return (await offers.describe(uow, [slot]))[0]

    async def update(
        self, uow: UnitOfWork, actor: Actor, schedule_id: int, body: ScheduleUpdate
    ) -> SlotView:
        """Change a slot. Its times move only while no booking holds a seat in it, and its
        capacity never drops below the seats taken; both are conditions of the one UPDATE."""
        calendar_scope(actor)
        slot = await _update(
            uow.session, await _managed_slot(uow.session, actor, schedule_id), body, uow.now
        )
        uow.audit(
            actor,
            AuditAction.slot_changed,
            AuditTarget.slot,
            slot.id,
            **body.model_dump(mode="json", exclude_unset=True),
        )
        return (await offers.describe(uow, [slot]))[0]

    async def delete(self, uow: UnitOfWork, actor: Actor, schedule_id: int) -> None:
        """Delete a slot that no booking holds a seat in; cancelled bookings keep their data."""
        calendar_scope(actor)
        await _managed_slot(uow.session, actor, schedule_id)
        if not await repository.delete_unbooked(uow.session, schedule_id):
            booked = await repository.booked_count(uow.session, schedule_id)
            if booked is None:
                raise ScheduleNotFound()
            raise ScheduleHasBookings(
                details=f"{booked} booking(s) hold a seat in this slot. Cancel or reschedule "
                "them first, or close the slot with is_available=false."
            )
        uow.audit(actor, AuditAction.slot_deleted, AuditTarget.slot, schedule_id)

    async def generate(
        self, uow: UnitOfWork, actor: Actor, body: ScheduleGenerate, *, dry_run: bool = False
    ) -> Generated:
        """Create the weekly slots a request asks for; skip, with a reason, those that cannot be.

        With `dry_run` the same checks run and the same answer comes back, but nothing is
        stored or recorded: a preview of what the request would make now."""
        calendar_scope(actor)
        if body.start_date < PracticeCalendar.of(uow.settings).today(uow.now):
            raise InvalidSchedule(details="start_date must not be in the past", field="start_date")
        offer = await offering(uow, actor, body.therapist_id, body.service_ids, body.delivery)
        if body.session_minutes is None:
            body = body.model_copy(update={"session_minutes": offer.session_minutes})
        count = generator.planned_count(body)
        if count > MAX_GENERATED:
            raise InvalidSchedule(
                details=f"This would make {count} slots; at most {MAX_GENERATED} per request. "
                "Ask for a shorter range or fewer weekdays."
            )
        created, skipped = await _generate(
            uow.session, uow.settings, body, offer, uow.now, store=not dry_run
        )
        if dry_run:
            for slot in created:
                # Not stored: a preview's slots have no id.
                slot.id = 0
            views = await offers.describe(uow, created, offered=offer.service_ids)
            return Generated(views, skipped)
        uow.audit(
            actor,
            AuditAction.slots_generated,
            AuditTarget.slot,
            created=[slot.id for slot in created],
            skipped=len(skipped),
        )
        return Generated(await offers.describe(uow, created), skipped)


async def _update(
    session: AsyncSession, slot: Schedule, body: ScheduleUpdate, now: datetime
) -> Schedule:
    start_at = body.start_time or slot.start_at
    end_at = body.end_time or slot.end_at
    moving = (start_at, end_at) != (slot.start_at, slot.end_at)
    values: dict[str, Any] = {"updated_at": now}
    conditions: list[ColumnElement[bool]] = []
    if moving:
        _refuse_bad_times(start_at, end_at, now)
        await repository.lock_slot_times(session)
        await _refuse_overlap(
            session, TimeRange(start_at, end_at), slot.therapist_id, excluding=slot.id
        )
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
            await _refuse_appointment_overlap(
                session, TimeRange(start_at, end_at), slot.therapist_id
            )
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


async def _generate(
    session: AsyncSession,
    settings: Settings,
    body: ScheduleGenerate,
    offer: Offering,
    now: datetime,
    *,
    store: bool = True,
) -> tuple[list[Schedule], list[Skipped]]:
    """Plan the request's starts, keep those that are clear and insert them (unless not
    `store`: then the slots are left unsaved, without ids)."""
    length = timedelta(minutes=body.minutes)
    planned = generator.plan(body, PracticeCalendar.of(settings))
    await repository.lock_slot_times(session)
    instants = [start.start_at for start in planned if start.start_at is not None]
    stored = (
        await repository.intervals_overlapping(
            session, TimeRange(instants[0], instants[-1] + length), offer.therapist_id
        )
        if instants
        else []
    )
    occupied = _Occupied(stored)
    created: list[Schedule] = []
    skipped: list[Skipped] = []
    for start in planned:
        reason = _reason_to_skip(start.start_at, length, now, occupied)
        if start.start_at is None or reason is not None:
            skipped.append(Skipped(start.local, start.start_at, reason or ""))
            continue
        end_at = start.start_at + length
        occupied.add(end_at)
        created.append(
            Schedule(
                therapist_id=offer.therapist_id,
                start_at=start.start_at,
                end_at=end_at,
                max_bookings=body.max_bookings or offer.seats,
                booked_count=0,
                is_available=body.is_available,
                delivery=body.delivery,
                location=_location(body.delivery, body.location),
                created_at=now,
                updated_at=now,
            )
        )
    if created and store:
        await repository.insert_schedules(session, created)
        await practice.offer_on_slots(session, [slot.id for slot in created], offer.service_ids)
    return created, skipped


schedule_service = ScheduleService()
