"""What a client is shown of a booking's payment: the refund a cancellation would make, and the
receipt."""

from __future__ import annotations

import httpx
import pytest

from attune.models import PaymentProvider, User
from attune.payments.receipts import CancellationOutlook, Receipt, receipt_service
from attune.payments.refunds import BookingNotPaid
from attune.platform.database import Database
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, cancel, later
from tests.payments.builders import booked
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client
from tests.support.work import work


async def outlook(
    database: Database, settings: Settings, person: Person, booking_id: int
) -> CancellationOutlook:
    async with work(database, settings, now=NOW) as uow:
        account = await uow.session.get(User, person.id)
        assert account is not None
        return await receipt_service.cancellation_outlook(uow, actor_for(account), booking_id)


async def receipt(
    database: Database, settings: Settings, person: Person, booking_id: int
) -> Receipt:
    async with work(database, settings, now=NOW) as uow:
        account = await uow.session.get(User, person.id)
        assert account is not None
        return await receipt_service.receipt(uow, actor_for(account), booking_id)


class TestCancellationOutlook:
    async def test_tells_all_that_is_left_of_the_payment(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await booked(client, database, ada)
        await record_paid(database, booking_id)
        assert (await outlook(database, settings, ada, booking_id)).refund_cents == 10000
        response = await client.post(
            f"/api/admin/bookings/{booking_id}/refund",
            json={"amount_cents": 2500},
            headers=theo.headers,
        )
        assert response.status_code == 201

        told = await outlook(database, settings, ada, booking_id)

        assert told.refund_cents == 7500
        # And the cancellation asks for exactly that.
        assert (await cancel(client, ada, booking_id)).status_code == 200
        shown = await client.get(f"/api/bookings/{booking_id}", headers=ada.headers)
        asked = [refund["amount_cents"] for refund in shown.json()["booking"]["refunds"]]
        assert asked == [2500, 7500]

    async def test_an_unpaid_booking_refunds_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        assert (await outlook(database, settings, ada, booking_id)).refund_cents == 0


class TestReceipt:
    async def test_of_a_paid_booking(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent = await record_paid(database, booking_id, succeeded_at=later(minutes=-5))

        found = await receipt(database, settings, ada, booking_id)

        assert found.payment_id == intent
        assert (found.amount_cents, found.currency) == (10000, "usd")
        assert found.paid_at == later(minutes=-5)
        assert found.provider == PaymentProvider.demo
        assert found.client_email == ada.email

    async def test_an_unpaid_booking_has_none(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        with pytest.raises(BookingNotPaid):
            await receipt(database, settings, ada, booking_id)
