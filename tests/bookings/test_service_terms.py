"""A booking is held to the terms of its service: its price, and its own cancellation and
rescheduling notice where it sets them (else the practice's)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from attune.bookings.service import booking_service
from attune.models import User
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, cancel, reschedule
from tests.scheduling.practice_builders import add_service
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot
from tests.support.work import work


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


@pytest.fixture
async def person(database: Database, settings: Settings) -> Person:
    return await add_client(database, settings)


class TestNoticeOfTheService:
    async def test_a_service_s_own_cancellation_notice(
        self, client: httpx.AsyncClient, admin: Person, person: Person, database: Database
    ) -> None:
        careful = await add_service(database, "Assessment", [admin.id], cancel_notice_hours=72)
        slot = await add_slot(database, NOW + timedelta(hours=48), service_ids=[careful])
        plain = await add_slot(database, NOW + timedelta(hours=52), service_ids=[1])
        strict = await book(client, person, slot)
        relaxed = await book(client, person, plain)

        refused = await cancel(client, person, strict["id"])
        allowed = await cancel(client, person, relaxed["id"])

        assert refused.status_code == 409
        assert refused.json()["error"] == (
            "Bookings can only be cancelled at least 72 hours before the session starts"
        )
        assert allowed.status_code == 200

    async def test_a_service_s_own_rescheduling_notice(
        self, client: httpx.AsyncClient, admin: Person, person: Person, database: Database
    ) -> None:
        careful = await add_service(database, "Assessment", [admin.id], reschedule_notice_hours=24)
        slot = await add_slot(database, NOW + timedelta(hours=10), service_ids=[careful])
        later_slot = await add_slot(database, NOW + timedelta(days=5), service_ids=[careful])
        booking = await book(client, person, slot)

        response = await reschedule(client, person, booking["id"], later_slot)

        assert response.status_code == 409
        assert response.json()["error"] == (
            "Bookings can only be rescheduled at least 24 hours before the session starts"
        )


class TestOffer:
    async def test_the_offer_is_the_chosen_service_s(
        self, admin: Person, person: Person, database: Database, settings: Settings
    ) -> None:
        couples = await add_service(
            database, "Couples", [admin.id], price_cents=15000, cancel_notice_hours=48
        )
        slot = await add_slot(database, NOW + timedelta(days=3))

        async with work(database, settings, now=NOW) as uow:
            user = await uow.session.get(User, person.id)
            assert user is not None
            first = await booking_service.offer(uow, actor_for(user), slot)
            chosen = await booking_service.offer(uow, actor_for(user), slot, couples)

        assert [one.name for one in first.services] == ["Session", "Couples"]
        assert (first.service.name, first.amount_cents) == ("Session", 10000)
        assert (chosen.service.name, chosen.amount_cents) == ("Couples", 15000)
        assert (first.cancel_notice_hours, chosen.cancel_notice_hours) == (24, 48)
        assert chosen.therapist_name == "Theo Lovelace"
