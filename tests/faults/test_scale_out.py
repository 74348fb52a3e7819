"""Scaled out as docs/architecture.md, "Scaling out", describes: two `attune serve` processes
without in-process workers, two `attune worker` processes, one PostgreSQL database and one
Redis. Requests are spread over both app processes as a load balancer would spread them, and
nothing that one process keeps may be needed by the other.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from attune.accounts.passwords import hash_password
from attune.models import Booking
from attune.notifications.mail import SEND_MAIL
from attune.platform.database import Database
from attune.platform.job_model import Job, JobStatus
from attune.platform.settings import Settings
from tests.bookings.builders import SLOT_TAKEN
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, make_settings, missing_service
from tests.support.mailbox import Mailbox, SmtpServer
from tests.support.people import Person, add_person
from tests.support.processes import (
    AttuneProcess,
    attune_environment,
    attune_processes,
    wait_until_serving,
)
from tests.support.scratch_database import scratch_database
from tests.support.slots import add_slot, assert_seats_match_bookings

pytestmark = [pytest.mark.processes, pytest.mark.postgres, pytest.mark.redis]

# Generous: on a busy machine a request may queue for a database connection. What the tests
# assert is every request's outcome, never how fast it came.
REQUEST_TIMEOUT_SECONDS = 60
MAIL_WAIT_SECONDS = 60
LOGIN_LIMIT = 5


@dataclass
class Deployment:
    apps: list[AttuneProcess]
    database_url: str
    settings: Settings
    mailbox: Mailbox


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if TEST_DATABASE_URL is None:
        missing_service("PostgreSQL (ATTUNE_TEST_DATABASE_URL)")
    if TEST_REDIS_URL is None:
        missing_service("Redis (ATTUNE_TEST_REDIS_URL)")
    assert TEST_DATABASE_URL is not None
    assert TEST_REDIS_URL is not None
    directory = tmp_path_factory.mktemp("scale-out")
    smtp = SmtpServer()
    smtp.start()
    try:
        with (
            scratch_database(TEST_DATABASE_URL, "scale_out") as database_url,
            attune_processes(directory) as processes,
        ):
            common = {"smtp_url": smtp.url, "redis_url": TEST_REDIS_URL}
            app_settings = attune_environment(
                database_url,
                directory / "var",
                run_worker="false",
                rate_limits="true",
                # The tests play a load balancer on 127.0.0.1 that names each client.
                trusted_proxies="127.0.0.1/32",
                # A client races for every slot, none of them paid.
                max_unpaid_bookings="100",
                **common,
            )
            worker_settings = attune_environment(
                database_url, directory / "var", job_poll_seconds="0.1", **common
            )
            # The first app process migrates the database before the others start: two
            # processes applying the migrations at once would race each other.
            apps = [processes.serve("app-1", app_settings)]
            apps.append(processes.start_serving("app-2", app_settings))
            for number in (1, 2):
                processes.worker(f"worker-{number}", worker_settings)
            wait_until_serving(apps[1])
            settings = make_settings(directory, database_url)
            yield Deployment(apps, database_url, settings, smtp.mailbox)
    finally:
        smtp.stop()


@pytest.fixture
async def database(deployment: Deployment) -> AsyncIterator[Database]:
    database = Database(deployment.database_url)
    yield database
    await database.dispose()


def client_address() -> str:
    """A documentation address (RFC 3849) no other run of these tests uses: rate limits count
    per client in the shared Redis for a minute, so each test is a client of its own."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}:{secrets.token_hex(2)}"


@dataclass
class Balancer:
    """Sends request n to app process n mod 2, for one client address (X-Forwarded-For)."""

    clients: list[httpx.AsyncClient]
    address: str

    async def post(
        self, number: int, path: str, body: dict[str, Any], person: Person | None = None
    ) -> httpx.Response:
        client = self.clients[number % len(self.clients)]
        headers = {"X-Forwarded-For": self.address, **(person.headers if person else {})}
        return await client.post(path, json=body, headers=headers)


@pytest.fixture
async def balancer(deployment: Deployment) -> AsyncIterator[Balancer]:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    clients = [
        httpx.AsyncClient(base_url=app.base_url, timeout=REQUEST_TIMEOUT_SECONDS, limits=limits)
        for app in deployment.apps
    ]
    yield Balancer(clients, client_address())
    for client in clients:
        await client.aclose()


async def add_people(
    database: Database, settings: Settings, prefix: str, count: int
) -> list[Person]:
    password_hash = await hash_password(settings, "correct horse battery")
    return [
        await add_person(
            database,
            settings,
            email=f"{prefix}{number}@example.com",
            first_name=f"Client {number}",
            password_hash=password_hash,
        )
        for number in range(count)
    ]


def days_ahead(days: int, hour: int = 0) -> datetime:
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=days, hours=hour)


class TestRateLimits:
    async def test_the_login_limit_is_one_budget_over_both_processes(
        self, balancer: Balancer
    ) -> None:
        body = {"email": "nobody@example.com", "password": "not the password"}
        responses = [
            await balancer.post(number, "/api/auth/login", body)
            for number in range(2 * LOGIN_LIMIT)
        ]

        statuses = [response.status_code for response in responses]
        assert statuses == [401] * LOGIN_LIMIT + [429] * LOGIN_LIMIT
        assert {response.headers["X-RateLimit-Limit"] for response in responses} == {"5"}
        # Both processes counted against the one budget, and both refused past it.
        assert [r.headers["X-RateLimit-Remaining"] for r in responses[:LOGIN_LIMIT]] == [
            "4", "3", "2", "1", "0",
        ]  # fmt: skip
        assert "Retry-After" in responses[LOGIN_LIMIT].headers
        assert "Retry-After" in responses[LOGIN_LIMIT + 1].headers


class TestCapacity:
    async def test_concurrent_bookings_over_both_processes_never_overbook(
        self, deployment: Deployment, database: Database, balancer: Balancer
    ) -> None:
        clients = await add_people(database, deployment.settings, "racer", 8)
        capacities = {
            await add_slot(database, days_ahead(3, hour), capacity=capacity): capacity
            for hour, capacity in enumerate([1, 1, 1, 2, 2, 2], start=9)
        }
        attempts = [(slot_id, client) for slot_id in capacities for client in clients]

        responses = await asyncio.gather(
            *(
                balancer.post(number, "/api/bookings", {"schedule_id": slot_id}, client)
                for number, (slot_id, client) in enumerate(attempts)
            )
        )

        assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
        booked = Counter(
            slot_id
            for (slot_id, _), response in zip(attempts, responses, strict=True)
            if response.status_code == 201
        )
        assert booked == capacities
        refused = [r.json()["error"] for r in responses if r.status_code == 409]
        assert refused == [SLOT_TAKEN] * (len(attempts) - sum(capacities.values()))
        await assert_seats_match_bookings(database)
        async with database.transaction(write=False) as session:
            rows = await session.execute(
                select(Booking.schedule_id, func.count())
                .where(Booking.schedule_id.in_(capacities))
                .group_by(Booking.schedule_id)
            )
            assert dict(rows.all()) == capacities


class TestJobs:
    async def test_each_booking_confirmation_is_sent_once_by_the_two_workers(
        self, deployment: Deployment, database: Database, balancer: Balancer
    ) -> None:
        clients = await add_people(database, deployment.settings, "mailed", 30)
        slot_id = await add_slot(database, days_ahead(4, 10), capacity=len(clients))

        responses = await asyncio.gather(
            *(
                balancer.post(number, "/api/bookings", {"schedule_id": slot_id}, client)
                for number, client in enumerate(clients)
            )
        )
        assert [r.status_code for r in responses] == [201] * len(clients)
        booking_ids = [r.json()["booking"]["id"] for r in responses]

        keys = [f"mail:booking:{booking_id}:confirmed" for booking_id in booking_ids]
        jobs = await until_succeeded(database, keys)
        mailbox = deployment.mailbox
        for client in clients:
            [message] = mailbox.to(client.email)
            assert message["Message-ID"]
        message_ids = Counter(
            str(message["Message-ID"]) for client in clients for message in mailbox.to(client.email)
        )
        assert set(message_ids.values()) == {1}
        assert all(job.attempts == 1 for job in jobs)


async def until_succeeded(database: Database, keys: list[str]) -> list[Job]:
    """The mail jobs with these idempotency keys, once every one of them has succeeded."""
    query = select(Job).where(Job.kind == SEND_MAIL, Job.idempotency_key.in_(keys))
    async with asyncio.timeout(MAIL_WAIT_SECONDS):
        while True:
            async with database.transaction(write=False) as session:
                jobs = list(await session.scalars(query))
            if len(jobs) == len(keys) and all(j.status == JobStatus.succeeded for j in jobs):
                return jobs
            await asyncio.sleep(0.1)
