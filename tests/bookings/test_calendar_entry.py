"""A booking's calendar entry to download: the event its mails carry, with the same UID."""

from __future__ import annotations

import httpx
import pytest
from icalendar import Calendar

from attune.bookings.errors import BookingNotFound
from attune.bookings.service import booking_service
from attune.models import User
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, cancel, later, stored_booking
from tests.support.people import Person, add_client
from tests.support.slots import add_slot
from tests.support.work import work


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def entry(
    database: Database, settings: Settings, person: Person, booking_id: int
) -> Calendar:
    async with work(database, settings, now=NOW) as uow:
        account = await uow.session.get(User, person.id)
        assert account is not None
        found = await booking_service.calendar_entry(uow, actor_for(account), booking_id)
    return Calendar.from_ical(found.data)


class TestCalendarEntry:
    async def test_is_the_booking_as_it_stands(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = (await book(client, ada, await add_slot(database, later(days=3))))["id"]

        [event] = (await entry(database, settings, ada, booking_id)).walk("VEVENT")

        stored = await stored_booking(database, booking_id)
        assert str(event["uid"]) == stored.calendar_uid
        assert event.decoded("dtstart") == later(days=3)
        assert str(event["status"]) == "CONFIRMED"
        assert "/api/bookings/" in str(event["location"])

    async def test_of_a_cancelled_booking_removes_it(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = (await book(client, ada, await add_slot(database, later(days=3))))["id"]
        assert (await cancel(client, ada, booking_id)).status_code == 200

        calendar = await entry(database, settings, ada, booking_id)

        assert str(calendar["method"]) == "CANCEL"
        [event] = calendar.walk("VEVENT")
        assert str(event["status"]) == "CANCELLED"

    async def test_another_clients_booking_is_not_found(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        booking_id = (await book(client, ada, await add_slot(database, later(days=3))))["id"]

        with pytest.raises(BookingNotFound):
            await entry(database, settings, bob, booking_id)
