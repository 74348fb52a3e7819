"""The order in which a refund's settlement and a cancellation lock a booking and its payment,
on PostgreSQL.

A cancellation locks the booking, then (refunding it) the payment. A full refund settled by
taking the payment first and the booking second could deadlock with it; every writer of both
takes the booking first.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select, text

from attune.integrations.stripe import RefundResult
from attune.models import Booking, Payment, Refund, RefundStatus
from attune.payments import settlement
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import NOW
from tests.payments.builders import booked, confirm, open_intent
from tests.support.outbox import WAIT_SECONDS
from tests.support.people import add_admin, add_client
from tests.support.work import work

pytestmark = [pytest.mark.postgres]


async def waiting_for_bookings(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE '%bookings%'"
            )
        )
    return int(count or 0)


async def settle(database: Database, settings: Settings, refund: Refund) -> Refund | None:
    async with work(database, settings, now=NOW) as uow:
        made = RefundResult("re_lock_order", "succeeded", refund.amount_cents)
        return await settlement.settle(uow, refund.id, made)


async def test_a_full_refund_is_settled_under_the_booking_lock_first(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    ada = await add_client(database, settings)
    theo = await add_admin(database, settings)
    booking_id = await booked(client, database, ada)
    assert (await confirm(client, ada, await open_intent(client, ada, booking_id))).is_success
    asked = await client.post(
        f"/api/admin/bookings/{booking_id}/refund", json={}, headers=theo.headers
    )
    assert asked.status_code == 201
    async with database.transaction(write=False) as session:
        refund = await session.get(Refund, asked.json()["refund"]["id"])
    assert refund is not None

    async with database.transaction() as cancelling:
        # What a cancellation holds before it refunds the payment.
        await cancelling.execute(
            select(Booking.id).where(Booking.id == booking_id).with_for_update()
        )
        settling = asyncio.create_task(settle(database, settings, refund))
        async with asyncio.timeout(WAIT_SECONDS):
            while await waiting_for_bookings(database) < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        # The settlement waits for the booking without holding the payment, so the
        # cancellation's next lock is free and neither waits for the other.
        await cancelling.execute(
            select(Payment.id).where(Payment.booking_id == booking_id).with_for_update(nowait=True)
        )
    settled = await asyncio.wait_for(settling, WAIT_SECONDS)

    assert settled is not None
    assert settled.status == RefundStatus.succeeded
    async with database.transaction(write=False) as session:
        booking = await session.get(Booking, booking_id)
    assert booking is not None
    assert booking.payment_status == "refunded"
