"""The service as the fuzzer meets it: uvicorn on 127.0.0.1 in a thread of its own, over a fresh
database holding a small practice (slots, a booking, an appointment request).

Schemathesis sends its requests synchronously, so the server cannot share the test's event loop:
it runs its own loop in a thread, and the database is opened and seeded on that loop (asyncpg
connections belong to the loop that made them).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import attune.models  # noqa: F401  (registers every table)
from attune.accounts.tokens import issue_access_token
from attune.app import create_app
from attune.models import AuthSession
from attune.platform.database import Base, Database
from attune.platform.settings import Settings
from tests.conftest import make_settings, reset_postgres
from tests.support.live_server import live_client, live_server
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot

STARTUP_TIMEOUT_SECONDS = 60
T = TypeVar("T")


@dataclass
class FuzzedService:
    """A running service: where it listens and who may call it."""

    base_url: str
    settings: Settings
    database: Database
    loop: asyncio.AbstractEventLoop
    people: dict[str, Person] = field(default_factory=dict)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the server's event loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(STARTUP_TIMEOUT_SECONDS)

    def fresh_login(self, person: Person) -> dict[str, str]:
        """Headers of a new login of `person`, for a request that may end it (logout)."""
        token = self.run(sign_in(self.database, self.settings, person.id))
        return {"Authorization": f"Bearer {token}"}


async def sign_in(database: Database, settings: Settings, user_id: int) -> str:
    now = datetime.now(UTC)
    async with database.transaction() as session:
        login = AuthSession(id=str(uuid.uuid4()), user_id=user_id, created_at=now)
        session.add(login)
    return issue_access_token(settings, user_id=user_id, session_id=login.id, now=now)


async def create_schema(database: Database) -> None:
    if database.is_sqlite:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
    else:
        await reset_postgres(database)


async def seed_practice(service: FuzzedService) -> None:
    """Two people and a few days of slots, one of them booked, and an appointment request, so
    that the fuzzer's ids and dates sometimes name something that exists."""
    database, settings = service.database, service.settings
    client = await add_client(database, settings)
    admin = await add_admin(database, settings)
    service.people = {"client": client, "admin": admin}
    first_day = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    slots = [await add_slot(database, first_day + timedelta(days=day)) for day in range(3)]
    # Requests are taken Monday to Friday until the practice says otherwise.
    weekday = next(
        day
        for day in (first_day.date() + timedelta(days=offset) for offset in range(7))
        if day.weekday() < 5
    )
    async with live_client(service.base_url) as http:
        booked = await http.post(
            "/api/bookings", json={"schedule_id": slots[0]}, headers=client.headers
        )
        assert booked.status_code == 201, booked.text
        asked = await http.post(
            "/api/meetings/appointments/create",
            json={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": client.email,
                "preferred_dates": [weekday.isoformat()],
                "preferred_time_slots": ["morning"],
            },
            headers=client.headers,
        )
        assert asked.status_code == 201, asked.text


async def _serve(settings: Settings, started: Future[FuzzedService], stop: asyncio.Event) -> None:
    database = Database(settings.resolved_database_url)
    await create_schema(database)
    app = create_app(settings, database=database)
    async with live_server(app) as base_url:
        service = FuzzedService(base_url, settings, database, asyncio.get_running_loop())
        await seed_practice(service)
        started.set_result(service)
        await stop.wait()


@contextmanager
def running_service(tmp_path: Path, database_url: str) -> Iterator[FuzzedService]:
    """Start the service in its own thread; stop it (and its lifespan) when the block ends."""
    # The webhook's secret is set so that its signature check, not a 503, meets the fuzzer.
    settings = make_settings(
        tmp_path, database_url, rate_limits=False, stripe_webhook_secret="whsec_fuzzing"
    )
    started: Future[FuzzedService] = Future()
    stopping: Future[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = Future()

    async def main() -> None:
        stop = asyncio.Event()
        stopping.set_result((asyncio.get_running_loop(), stop))
        try:
            await _serve(settings, started, stop)
        except BaseException as error:
            if not started.done():
                started.set_exception(error)
            raise

    errors: list[BaseException] = []

    def thread_main() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # reported to the test below
            errors.append(error)

    thread = threading.Thread(target=thread_main, name="fuzzed-service")
    thread.start()
    try:
        yield started.result(STARTUP_TIMEOUT_SECONDS)
    finally:
        loop, stop = stopping.result(STARTUP_TIMEOUT_SECONDS)
        loop.call_soon_threadsafe(stop.set)
        thread.join(STARTUP_TIMEOUT_SECONDS)
    if errors:
        raise errors[0]
