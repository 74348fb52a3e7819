"""Refunds in the offline demo mode: what may be refunded, and a payment that came too late."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import cancel
from tests.conftest import run_jobs
from tests.payments.builders import booked, booking_as_shown, confirm, open_intent
from tests.support.people import Person, add_admin, add_client


async def paid_booking(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    booking_id = await booked(client, database, person)
    intent_id = await open_intent(client, person, booking_id)
    assert (await confirm(client, person, intent_id)).status_code == 200
    return booking_id


async def refund(
    client: httpx.AsyncClient, admin: Person, booking_id: int, amount_cents: int | None = None
) -> httpx.Response:
    body = None if amount_cents is None else {"amount_cents": amount_cents}
    return await client.post(
        f"/api/admin/bookings/{booking_id}/refund", json=body, headers=admin.headers
    )


class TestAdminRefund:
    async def test_answers_with_the_pending_refund(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)

        response = await refund(client, theo, booking_id, 2500)

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Refund requested successfully"
        assert body["refund"]["amount_cents"] == 2500
        assert body["refund"]["status"] == "pending"
        assert body["refund"]["reason"] == "requested_by_practice"

    async def test_more_than_is_left_is_refused(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)
        assert (await refund(client, theo, booking_id, 6000)).status_code == 201

        response = await refund(client, theo, booking_id, 4001)
        await run_jobs(app)

        assert response.status_code == 400
        assert response.json()["error"] == "The refund is larger than what is left to refund"
        assert "4000" in response.json()["details"]
        booking = await booking_as_shown(client, ada, booking_id)
        assert [r["amount_cents"] for r in booking["refunds"]] == [6000]
        assert booking["amount_refunded_cents"] == 6000

    async def test_a_zero_amount_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)

        response = await refund(client, theo, booking_id, 0)

        assert response.status_code == 400
        assert (await booking_as_shown(client, ada, booking_id))["refunds"] == []

    async def test_nothing_left_is_a_conflict(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)
        assert (await refund(client, theo, booking_id)).status_code == 201
        await run_jobs(app)

        response = await refund(client, theo, booking_id)

        assert response.status_code == 409
        assert response.json()["error"] == "Nothing is left to refund on this booking"

    async def test_an_unpaid_booking_is_a_conflict(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await booked(client, database, ada)

        response = await refund(client, theo, booking_id, 1000)

        assert response.status_code == 409
        assert response.json()["error"] == "This booking has not been paid"

    async def test_an_unknown_booking_is_not_found(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        theo = await add_admin(database, settings)

        response = await refund(client, theo, 4242)

        assert response.status_code == 404

    async def test_a_client_may_not_refund(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await paid_booking(client, database, ada)

        response = await refund(client, ada, booking_id)

        assert response.status_code == 403
        assert (await booking_as_shown(client, ada, booking_id))["refunds"] == []


class TestShownOnTheBooking:
    async def test_in_the_admin_list_and_the_clients_list(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        booking_id = await paid_booking(client, database, ada)
        await refund(client, theo, booking_id, 2500)
        await run_jobs(app)

        admin_list = await client.get("/api/admin/bookings", headers=theo.headers)
        own_list = await client.get("/api/bookings", headers=ada.headers)

        [shown_to_admin] = admin_list.json()["bookings"]
        [shown_to_client] = own_list.json()["bookings"]
        for shown in (shown_to_admin, shown_to_client):
            assert shown["amount_refunded"] == 25.0
            assert [(r["amount_cents"], r["status"]) for r in shown["refunds"]] == [
                (2500, "succeeded")
            ]
            assert shown["payment_status"] == "succeeded"


class TestLatePayment:
    async def test_a_payment_after_the_cancellation_goes_back_in_full(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        intent_id = await open_intent(client, ada, booking_id)
        assert (await cancel(client, ada, booking_id)).status_code == 200

        assert (await confirm(client, ada, intent_id)).status_code == 200
        await run_jobs(app)
        await run_jobs(app)

        booking = await booking_as_shown(client, ada, booking_id)
        assert booking["payment_status"] == "refunded"
        assert [(r["amount_cents"], r["reason"], r["status"]) for r in booking["refunds"]] == [
            (10000, "late_payment", "succeeded")
        ]
