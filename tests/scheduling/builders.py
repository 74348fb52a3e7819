"""Builders for the slot tests: request bodies, bookings taken through the booking rules, and
reading a slot back from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from attune.bookings.schemas import BookingCreate
from attune.bookings.service import booking_service
from attune.models import Booking, Schedule, User
from attune.platform.database import Database
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from tests.support.people import Person
from tests.support.work import work

# Before seed 000's example day (2024-12-15), so its examples are slots in the future.
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=UTC)
SEED_START = datetime(2024, 12, 15, 10, 0, tzinfo=UTC)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def slot_body(start: datetime = SEED_START, minutes: int = 60, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "start_time": iso(start),
        "end_time": iso(start + timedelta(minutes=minutes)),
        "max_bookings": 1,
        "is_available": True,
    }
    body.update(overrides)
    return body


async def book(
    database: Database, settings: Settings, client: Person, schedule_id: int, now: datetime = NOW
) -> int:
    """A booking made through the booking rules (the seat is taken as a client's would be)."""
    async with work(database, settings, now=now) as uow:
        user = await uow.session.get(User, client.id)
        assert user is not None
        booking = await booking_service.create(
            uow, actor_for(user), BookingCreate(schedule_id=schedule_id)
        )
        return booking.id


async def cancel(
    database: Database, settings: Settings, admin: Person, booking_id: int, now: datetime = NOW
) -> None:
    async with work(database, settings, now=now) as uow:
        user = await uow.session.get(User, admin.id)
        assert user is not None
        await booking_service.cancel(uow, actor_for(user), booking_id)


async def stored_slot(database: Database, schedule_id: int) -> Schedule | None:
    async with database.transaction(write=False) as session:
        return await session.get(Schedule, schedule_id)


async def stored_booking(database: Database, booking_id: int) -> Booking | None:
    async with database.transaction(write=False) as session:
        return await session.get(Booking, booking_id)
