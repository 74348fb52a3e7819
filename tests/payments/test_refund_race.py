"""Refunds settled at the same moment by two real `attune worker` processes on PostgreSQL.

Each round, the admin asks for two partial refunds while no worker runs; the test then holds
the booking's row lock (the first lock a settlement takes, before the payment's) while two
workers start, so that both settle jobs reach the booking at once, and lets go only when both
wait for it. Whatever the order they then run in, what is
recorded as refunded must be all that was refunded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from attune.models import Booking, Payment
from attune.payments.refunds import REFUND_JOB
from attune.platform.database import Database
from attune.platform.job_model import Job, JobStatus
from attune.platform.settings import Settings
from tests.payments.builders import booked, booking_as_shown, confirm, open_intent
from tests.support.outbox import WAIT_SECONDS
from tests.support.people import Person, add_admin, add_client
from tests.support.processes import AttuneProcesses, attune_environment, attune_processes

pytestmark = [pytest.mark.postgres, pytest.mark.processes]

PRICE_CENTS = 10000
PART_CENTS = 2500
WORKERS = 2


async def paid_booking(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    """A booking paid in the offline demo mode, whose refunds need no network."""
    booking_id = await booked(client, database, person)
    intent_id = await open_intent(client, person, booking_id)
    assert (await confirm(client, person, intent_id)).status_code == 200
    return booking_id


async def refund(client: httpx.AsyncClient, admin: Person, booking_id: int) -> httpx.Response:
    return await client.post(
        f"/api/admin/bookings/{booking_id}/refund",
        json={"amount_cents": PART_CENTS},
        headers=admin.headers,
    )


async def waiting_for_bookings(database: Database) -> int:
    """How many sessions wait for a lock in a statement about bookings."""
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE '%bookings%'"
            )
        )
    return int(count or 0)


async def refunds_done(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.kind == REFUND_JOB, Job.status == JobStatus.succeeded)
        )
    return int(count or 0)


async def until(count: Callable[[], Awaitable[int]], at_least: int) -> None:
    """Polled: the worker processes change the database, nothing here can wake this."""
    async with asyncio.timeout(WAIT_SECONDS):
        while await count() < at_least:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def settle_at_once(
    processes: AttuneProcesses, environment: dict[str, str], database: Database, booking_id: int
) -> None:
    """Start the workers while the booking is locked, release it once every settle waits for
    it, and return when every refund job has succeeded and the workers have stopped."""
    expected = await refunds_done(database) + WORKERS
    async with database.transaction() as session:
        await session.execute(select(Booking.id).where(Booking.id == booking_id).with_for_update())
        started = [
            processes.worker(f"worker-{len(processes.started)}", environment)
            for _ in range(WORKERS)
        ]
        await until(lambda: waiting_for_bookings(database), WORKERS)
    await until(lambda: refunds_done(database), expected)
    for worker in started:
        worker.terminate()
    for worker in started:
        worker.wait_for_exit()


async def test_four_parallel_partial_refunds_are_all_recorded(
    tmp_path: Path,
    postgres_url: str,
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
) -> None:
    ada = await add_client(database, settings)
    theo = await add_admin(database, settings)
    booking_id = await paid_booking(client, database, ada)
    environment = attune_environment(postgres_url, tmp_path / "worker-var", job_poll_seconds="0.1")

    with attune_processes(tmp_path / "workers") as processes:
        for _ in range(2):
            for _ in range(WORKERS):
                assert (await refund(client, theo, booking_id)).status_code == 201
            await settle_at_once(processes, environment, database, booking_id)

    async with database.transaction(write=False) as session:
        payment = await session.scalar(select(Payment).where(Payment.booking_id == booking_id))
    assert payment is not None
    assert payment.amount_refunded_cents == PRICE_CENTS
    booking = await booking_as_shown(client, ada, booking_id)
    assert booking["payment_status"] == "refunded"
    assert booking["amount_refunded_cents"] == PRICE_CENTS
    assert booking["jitsi_room_url"] is None
    assert (await refund(client, theo, booking_id)).status_code == 409
