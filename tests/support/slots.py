"""Slots written straight into the database, and the capacity invariant checked after a test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import SEAT_HOLDING, Booking, Schedule, Therapist, User
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.practice import repository as practice


async def add_slot(
    database: Database,
    starts_at: datetime,
    *,
    minutes: int = 60,
    capacity: int = 1,
    available: bool = True,
    therapist_id: int | None = None,
    service_ids: Sequence[int] | None = None,
) -> int:
    """A slot of `therapist_id` (default: the practice's first therapist, made when there is
    none) offering `service_ids` (default: every service of that therapist)."""
    async with database.transaction() as session:
        if therapist_id is None:
            therapist_id = await _first_therapist(session)
        if service_ids is None:
            service_ids = await practice.service_ids_of_therapist(session, therapist_id)
        slot = Schedule(
            therapist_id=therapist_id,
            start_at=starts_at,
            end_at=starts_at + timedelta(minutes=minutes),
            max_bookings=capacity,
            booked_count=0,
            is_available=available,
        )
        session.add(slot)
        await session.flush()
        await practice.offer_on_slots(session, [slot.id], service_ids)
        return slot.id


async def _first_therapist(session: AsyncSession) -> int:
    found = await session.scalar(select(func.min(Therapist.user_id)))
    if found is not None:
        return int(found)
    now = datetime.now(UTC)
    user = User(
        email="calendar@example.com",
        password_hash="!",
        first_name="Cal",
        last_name="Endar",
        role=Role.therapist,
        is_active=True,
        email_verified_at=now,
    )
    session.add(user)
    await session.flush()
    await practice.make_therapist(session, user.id, now)
    return user.id


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
