"""PostgreSQL stopped under load: `attune serve` answers 503 at once, never hangs, says it is
unhealthy, and recovers by itself when the database is back, having lost no booking it confirmed.

The database is a private cluster (tests/support/postgres_cluster.py), killed with
`pg_ctl stop -m immediate` as a crash would kill it, in the middle of concurrent bookings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from attune.models import Booking
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import REQUIRE_SERVICES, make_settings
from tests.support.people import Person, add_clients
from tests.support.postgres_cluster import ClusterUnavailable, PostgresCluster, postgres_cluster
from tests.support.processes import AttuneProcess, attune_environment, attune_processes
from tests.support.slots import add_slot, assert_seats_match_bookings

pytestmark = [pytest.mark.processes]

# Every request must be answered within this; a client that waits longer has failed.
ANSWER_SECONDS = 5.0
LANES = 16
SLOTS = 40
# Bookings confirmed before the database is killed, so that the kill lands mid-load.
CONFIRMED_BEFORE_OUTAGE = 30
REQUESTS_DURING_OUTAGE = 5
RECOVERY_SECONDS = 30


@dataclass
class Outcome:
    status: int | None  # None: no answer in time, or the connection failed
    body: Any
    sent_during_outage: bool


@dataclass
class Load:
    """Bookings made by one client per lane, each lane booking the slots one after another."""

    base_url: str
    clients: list[Person]
    slot_ids: list[int]
    outcomes: list[Outcome] = field(default_factory=list)
    confirmed_enough: asyncio.Event = field(default_factory=asyncio.Event)
    outage: asyncio.Event = field(default_factory=asyncio.Event)

    async def lane(self, number: int) -> None:
        headers = self.clients[number].headers
        sent_during_outage = 0
        async with httpx.AsyncClient(base_url=self.base_url, timeout=ANSWER_SECONDS) as http:
            for slot_id in self.slot_ids:
                if sent_during_outage == REQUESTS_DURING_OUTAGE:
                    return
                during_outage = self.outage.is_set()
                sent_during_outage += during_outage
                try:
                    response = await http.post(
                        "/api/bookings", json={"schedule_id": slot_id}, headers=headers
                    )
                except httpx.HTTPError as error:
                    self.outcomes.append(Outcome(None, repr(error), during_outage))
                    continue
                self.outcomes.append(
                    Outcome(response.status_code, json_or_text(response), during_outage)
                )
                if sum(o.status == 201 for o in self.outcomes) >= CONFIRMED_BEFORE_OUTAGE:
                    self.confirmed_enough.set()


def json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


@dataclass
class Service:
    cluster: PostgresCluster
    database_url: str
    serve: AttuneProcess
    settings: Settings


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    directory = tmp_path_factory.mktemp("database-outage")
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(postgres_cluster())
        except ClusterUnavailable as error:
            if REQUIRE_SERVICES:
                pytest.fail(f"{error} (ATTUNE_TEST_REQUIRE_SERVICES=1)")
            pytest.skip(f"cannot run a private PostgreSQL cluster: {error}")
        database_url = cluster.create_database("attune")
        # The in-process worker stays on: its failures during the outage must not harm serving.
        environment = attune_environment(
            database_url,
            directory / "var",
            job_poll_seconds="0.2",
            rate_limits="false",
            # Each lane's client books slot after slot, none of them paid.
            max_unpaid_bookings=str(SLOTS),
        )
        processes = stack.enter_context(attune_processes(directory))
        serve = processes.serve("serve", environment)
        yield Service(cluster, database_url, serve, make_settings(directory, database_url))


async def seed(service: Service) -> tuple[list[Person], list[int]]:
    """A client per lane, and hourly slots with a seat for each of them."""
    database = Database(service.database_url)
    try:
        clients = await add_clients(database, service.settings, LANES)
        first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        slot_ids = [
            await add_slot(database, first + timedelta(hours=hour), capacity=LANES)
            for hour in range(SLOTS)
        ]
    finally:
        await database.dispose()
    return clients, slot_ids


async def stored_booking_ids(database_url: str) -> set[int]:
    database = Database(database_url)
    try:
        async with database.transaction(write=False) as session:
            return set(await session.scalars(select(Booking.id)))
    finally:
        await database.dispose()


async def until_healthy(http: httpx.AsyncClient) -> httpx.Response:
    async with asyncio.timeout(RECOVERY_SECONDS):
        while True:
            response = await http.get("/health/detailed")
            if response.status_code == 200:
                return response
            await asyncio.sleep(0.2)


class TestDatabaseStoppedUnderLoad:
    async def test_answers_503_in_time_then_recovers_without_a_restart(
        self, service: Service
    ) -> None:
        clients, slot_ids = await seed(service)
        # The last slot is kept for the booking that shows the recovery.
        load = Load(service.serve.base_url, clients, slot_ids[:-1])
        lanes = [asyncio.create_task(load.lane(number)) for number in range(LANES)]

        async with asyncio.timeout(RECOVERY_SECONDS):
            await load.confirmed_enough.wait()
        await asyncio.to_thread(service.cluster.stop, "immediate")
        load.outage.set()
        await asyncio.gather(*lanes)

        async with httpx.AsyncClient(
            base_url=service.serve.base_url, timeout=ANSWER_SECONDS
        ) as http:
            unhealthy = await http.get("/health/detailed")

            await asyncio.to_thread(service.cluster.start)
            healthy = await until_healthy(http)
            after = await http.post(
                "/api/bookings", json={"schedule_id": slot_ids[-1]}, headers=clients[0].headers
            )

        # Every request had an answer in time: a booking, or 503 with the error shape.
        unanswered = [o for o in load.outcomes if o.status is None]
        assert unanswered == [], service.serve.output()
        assert {o.status for o in load.outcomes} <= {201, 503}, [
            o.body for o in load.outcomes if o.status not in (201, 503)
        ]
        refused = [o.body for o in load.outcomes if o.status == 503]
        assert all(isinstance(body, dict) and body["error"] for body in refused), refused
        # Sent once the database was gone, a request can only be refused.
        assert {o.status for o in load.outcomes if o.sent_during_outage} == {503}

        assert unhealthy.status_code == 503
        assert unhealthy.json()["status"] == "unhealthy"
        assert unhealthy.json()["checks"]["database"] == "unhealthy"

        # The same process, never restarted, serves again.
        assert service.serve.process.poll() is None
        assert healthy.json()["status"] in ("healthy", "degraded")
        assert healthy.json()["checks"]["database"] == "healthy"
        assert after.status_code == 201, after.text

        # Nothing that was confirmed was lost in the crash.
        confirmed = {o.body["booking"]["id"] for o in load.outcomes if o.status == 201}
        assert len(confirmed) >= CONFIRMED_BEFORE_OUTAGE
        assert confirmed <= await stored_booking_ids(service.database_url)
        database = Database(service.database_url)
        try:
            await assert_seats_match_bookings(database)
        finally:
            await database.dispose()
