"""Bookings for the admin tests, made through the booking service as a client would make them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from attune.bookings.schemas import BookingCreate
from attune.bookings.service import booking_service
from attune.models import Booking, User
from attune.platform.database import Database
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from tests.support.people import Person
from tests.support.slots import add_slot
from tests.support.work import work


async def book(
    database: Database,
    settings: Settings,
    client: Person,
    starts_at: datetime,
    *,
    minutes: int = 60,
    booked_at: datetime | None = None,
    therapist_id: int | None = None,
    notes: str | None = None,
) -> int:
    """A new slot at `starts_at` (on `therapist_id`'s calendar, by default the first
    therapist's) and the client's booking of it, made a week before by default (so that
    sessions already past can be booked too)."""
    slot_id = await add_slot(database, starts_at, minutes=minutes, therapist_id=therapist_id)
    # These bookings stand for a practice's history, made and paid over weeks: the cap on
    # unpaid bookings held at once does not apply to them.
    history = settings.model_copy(update={"max_unpaid_bookings": 10_000})
    async with work(database, history, now=booked_at or starts_at - timedelta(days=7)) as uow:
        user = await uow.session.get(User, client.id)
        assert user is not None
        booking = await booking_service.create(
            uow, actor_for(user), BookingCreate(schedule_id=slot_id, notes=notes)
        )
        return booking.id


async def set_booking(database: Database, booking_id: int, **values: Any) -> None:
    """Put a booking in a state no route reaches yet (paid, say), as the payments issue will."""
    async with database.transaction() as session:
        await session.execute(update(Booking).where(Booking.id == booking_id).values(**values))


async def booking_row(database: Database, booking_id: int) -> Booking:
    async with database.transaction(write=False) as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        return booking
