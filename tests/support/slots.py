"""Slots written straight into the database, and the capacity invariant checked after a test."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from attune.models import SEAT_HOLDING, Booking, Schedule
from attune.platform.database import Database


async def add_slot(
    database: Database,
    starts_at: datetime,
    *,
    minutes: int = 60,
    capacity: int = 1,
    available: bool = True,
) -> int:
    async with database.transaction() as session:
        slot = Schedule(
            start_at=starts_at,
            end_at=starts_at + timedelta(minutes=minutes),
            max_bookings=capacity,
            booked_count=0,
            is_available=available,
        )
        session.add(slot)
        await session.flush()
        return slot.id


async def assert_seats_match_bookings(database: Database) -> None:
    """Every slot's `booked_count` equals its number of bookings that hold a seat."""
    async with database.transaction(write=False) as session:
        counts = await session.execute(
            select(Booking.schedule_id, func.count().label("seats"))
            .where(Booking.status.in_(SEAT_HOLDING))
            .group_by(Booking.schedule_id)
        )
        held = {row.schedule_id: row.seats for row in counts}
        for slot in await session.scalars(select(Schedule)):
            assert slot.booked_count == held.get(slot.id, 0), (
                f"slot {slot.id}: booked_count {slot.booked_count}, "
                f"bookings holding a seat {held.get(slot.id, 0)}"
            )
            assert 0 <= slot.booked_count <= slot.max_bookings
