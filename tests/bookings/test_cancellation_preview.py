"""What cancelling a booking would do, told before it is done: the same terms as the cancel."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from attune.bookings.errors import BookingNotFound, BookingNotScheduled, CancellationTooLate
from attune.bookings.service import booking_service
from attune.bookings.views import CancellationPreview
from attune.models import User
from attune.payments.refunds import REFUND_JOB
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, cancel, jobs_of_kind, later, reschedule
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot
from tests.support.work import work


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def booked_at(
    client: httpx.AsyncClient, database: Database, person: Person, hours: float, *, paid: bool
) -> int:
    booking = await book(client, person, await add_slot(database, later(hours=hours)))
    if paid:
        await record_paid(database, booking["id"])
    booking_id: int = booking["id"]
    return booking_id


async def preview(
    database: Database, settings: Settings, person: Person, booking_id: int
) -> CancellationPreview:
    async with work(database, settings, now=NOW) as uow:
        account = await uow.session.get(User, person.id)
        assert account is not None
        return await booking_service.cancellation_preview(uow, actor_for(account), booking_id)


class TestCancellationPreview:
    async def test_a_paid_booking_beyond_the_notice_is_refunded(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, 72, paid=True)

        told = await preview(database, settings, ada, booking_id)

        assert told.allowed
        assert told.refund_due
        assert not told.moved_late
        assert told.notice_hours == 24
        assert told.starts_in == timedelta(hours=72)
        # And so it is.
        assert (await cancel(client, ada, booking_id)).status_code == 200
        assert len(await jobs_of_kind(database, REFUND_JOB)) == 1

    async def test_an_unpaid_booking_refunds_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, 72, paid=False)

        told = await preview(database, settings, ada, booking_id)

        assert told.allowed
        assert not told.refund_due

    async def test_inside_the_notice_the_client_may_not_cancel(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, 5, paid=True)

        told = await preview(database, settings, ada, booking_id)

        assert not told.allowed
        assert told.starts_in == timedelta(hours=5)
        response = await cancel(client, ada, booking_id)
        assert response.status_code == CancellationTooLate.status_code

    async def test_the_practice_may_cancel_inside_the_notice_and_refunds(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await booked_at(client, database, ada, 5, paid=True)

        told = await preview(database, settings, theo, booking_id)

        assert told.allowed
        assert told.refund_due

    async def test_a_booking_moved_inside_the_notice_stays_late(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, 5, paid=True)
        farther = await add_slot(database, later(days=4))
        assert (await reschedule(client, ada, booking_id, farther)).status_code == 200

        told = await preview(database, settings, ada, booking_id)

        assert told.allowed
        assert told.moved_late
        assert not told.refund_due
        assert (await cancel(client, ada, booking_id)).status_code == 200
        assert await jobs_of_kind(database, REFUND_JOB) == []

    async def test_another_clients_booking_is_not_found(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        booking_id = await booked_at(client, database, ada, 72, paid=True)

        with pytest.raises(BookingNotFound):
            await preview(database, settings, bob, booking_id)

    async def test_a_cancelled_booking_has_nothing_to_preview(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, 72, paid=False)
        assert (await cancel(client, ada, booking_id)).status_code == 200

        with pytest.raises(BookingNotScheduled):
            await preview(database, settings, ada, booking_id)
