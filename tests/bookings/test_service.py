"""Booking rules through the service, where a race can be set up step by step.

Two requests for one booking read it, check the rules against what they read, then write. The
write only happens if the booking is still as it was read; here "another request" changes the
row between the read and the write, deterministically, on either database.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.bookings.errors import BookingChangedMeanwhile
from attune.bookings.service import booking_service
from attune.models import Booking, BookingStatus, User
from attune.platform.actor import ANONYMOUS
from attune.platform.clock import FrozenClock
from attune.platform.database import Database, execute_bulk
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from attune.scheduling.errors import ScheduleNotFound
from tests.bookings.builders import NOW, book, later
from tests.support.people import add_client
from tests.support.slots import add_slot
from tests.support.work import work


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def read_then_move(
    session: AsyncSession, booking_id: int, schedule_id: int
) -> tuple[User, Booking]:
    """Load the booking as a request would, then let 'another request' move it to a slot
    that starts in five hours, behind this session's back. The caller keeps the booking as
    read: the session's identity map holds objects only while they are referenced."""
    booking = await session.get(Booking, booking_id)
    assert booking is not None
    await execute_bulk(
        session,
        update(Booking)
        .where(Booking.id == booking_id)
        .values(
            schedule_id=schedule_id,
            scheduled_at=later(hours=5),
            ends_at=later(hours=6),
        ),
    )
    client = await session.get(User, booking.user_id)
    assert client is not None
    return client, booking


class TestChangedMeanwhile:
    async def test_a_cancel_checked_against_the_old_time_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        soon = await add_slot(database, later(hours=5))
        booking = await book(client, ada, slot)

        async with work(database, settings, now=NOW) as uow:
            owner, _as_read = await read_then_move(uow.session, booking["id"], soon)
            # Three days ahead as read, so the notice check passes; five hours ahead in fact.
            with pytest.raises(BookingChangedMeanwhile):
                await booking_service.cancel(uow, actor_for(owner), booking["id"])
            stored = await uow.session.get(Booking, booking["id"], populate_existing=True)
            assert stored is not None
            assert stored.status == BookingStatus.scheduled

    async def test_a_reschedule_of_a_moved_booking_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        slot = await add_slot(database, later(days=3))
        soon = await add_slot(database, later(hours=5))
        target = await add_slot(database, later(days=3) + timedelta(hours=2))
        booking = await book(client, ada, slot)

        async with work(database, settings, now=NOW) as uow:
            owner, _as_read = await read_then_move(uow.session, booking["id"], soon)
            with pytest.raises(BookingChangedMeanwhile):
                await booking_service.reschedule(
                    uow, actor_for(owner), booking["id"], new_schedule_id=target
                )
            stored = await uow.session.get(Booking, booking["id"], populate_existing=True)
            assert stored is not None
            assert stored.schedule_id == soon


class TestOffer:
    """What a slot would cost and under which notice rules, before it is booked."""

    async def test_is_the_price_that_booking_charges(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)
        slot = await add_slot(database, later(days=3), minutes=45)

        async with work(database, settings, now=NOW) as uow:
            offer = await booking_service.offer(uow, ANONYMOUS, slot)
        booked = await book(client, person, slot)

        assert offer.amount_cents == booked["amount_cents"] == 7500
        assert offer.currency == booked["currency"]
        assert (offer.duration_minutes, offer.bookable) == (45, True)
        assert offer.cancel_notice_hours == settings.cancel_notice_hours

    async def test_a_full_or_started_slot_is_not_bookable(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)
        full = await add_slot(database, later(days=3))
        started = await add_slot(database, later(hours=-1))
        await book(client, person, full)

        async with work(database, settings, now=NOW) as uow:
            offers = [await booking_service.offer(uow, ANONYMOUS, slot) for slot in (full, started)]

        assert [offer.bookable for offer in offers] == [False, False]

    async def test_a_closed_slot_is_not_found(self, database: Database, settings: Settings) -> None:
        closed = await add_slot(database, later(days=3), available=False)

        with pytest.raises(ScheduleNotFound):
            async with work(database, settings, now=NOW) as uow:
                await booking_service.offer(uow, ANONYMOUS, closed)
