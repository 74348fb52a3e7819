"""Demo mode: no Stripe key, payments work offline and every answer says `"mode": "demo"`."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from attune.payments.service import payment_service
from attune.platform.actor import Actor, Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import NOW
from tests.conftest import run_jobs
from tests.payments.builders import (
    RECEIPT,
    booked,
    booking_as_shown,
    confirm,
    create_intent,
)
from tests.support.mailbox import Mailbox
from tests.support.payments import room_released
from tests.support.people import Person, add_client
from tests.support.work import work


class TestDemoPayments:
    async def test_an_intent_is_labelled_demo(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        assert settings.payments_demo
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        response = await create_intent(client, ada, booking_id)

        assert response.status_code == 201
        body = response.json()
        assert body["mode"] == "demo"
        assert body["amount"] == 10000
        assert body["status"] == "requires_payment_method"
        assert body["client_secret"].startswith(body["payment_intent"])

    async def test_confirming_pays_the_booking_and_mails_a_receipt(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = (await create_intent(client, ada, booking_id)).json()["payment_intent"]

        response = await confirm(client, ada, intent_id)
        await run_jobs(app)

        assert response.status_code == 200
        assert response.json()["mode"] == "demo"
        assert response.json()["status"] == "succeeded"
        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "succeeded"
        assert await room_released(client, ada, booking_id)
        subjects = [str(m["Subject"]) for m in mailbox.to(ada.email)]
        assert sum(s.startswith(RECEIPT) for s in subjects) == 1


class TestCurrentIntent:
    """The intent a payment page shows its form with, read without opening one."""

    async def test_is_the_open_intent_for_its_client_only(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        bea = await add_client(database, settings, 2)
        booking_id = await booked(client, database, ada)
        async with work(database, settings, now=NOW) as uow:
            assert await payment_service.current_intent(uow, actor_of(ada), booking_id) is None
        opened = (await create_intent(client, ada, booking_id)).json()

        async with work(database, settings, now=NOW) as uow:
            current = await payment_service.current_intent(uow, actor_of(ada), booking_id)
            strangers = await payment_service.current_intent(uow, actor_of(bea), booking_id)

        assert current is not None
        assert current.payment.intent_id == opened["payment_intent"]
        assert current.client_secret == opened["client_secret"]
        assert strangers is None

    async def test_none_once_paid(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = (await create_intent(client, ada, booking_id)).json()["payment_intent"]
        assert (await confirm(client, ada, intent_id)).status_code == 200

        async with work(database, settings, now=NOW) as uow:
            assert await payment_service.current_intent(uow, actor_of(ada), booking_id) is None


def actor_of(person: Person) -> Actor:
    return Actor(Role.client, user_id=person.id, verified=True)
