"""Two admins scheduling at the same moment, each request a real HTTP request in its own
transaction (uvicorn on 127.0.0.1): exactly one wins, the other is a 409, never a 5xx."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.requests.builders import NOW, STARTS_AT, request_body
from tests.support.live_server import live_client, live_server
from tests.support.people import Person, add_admin, add_person

ROUNDS = 5


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with live_server(app) as base_url, live_client(base_url) as client:
        yield client


async def admins(database: Database, settings: Settings) -> tuple[Person, Person]:
    return (
        await add_admin(database, settings),
        await add_person(database, settings, email="second@example.com", admin=True),
    )


async def ask(live: httpx.AsyncClient, email: str) -> str:
    response = await live.post("/api/meetings/appointments/create", json=request_body(email=email))
    assert response.status_code == 201, response.text
    request_id: str = response.json()["id"]
    return request_id


async def schedule(
    live: httpx.AsyncClient, admin: Person, request_id: str, minutes_later: int
) -> httpx.Response:
    starts_at = STARTS_AT + timedelta(minutes=minutes_later)
    return await live.post(
        f"/api/meetings/appointments/{request_id}/schedule",
        json={"scheduled_datetime": starts_at.isoformat()},
        headers=admin.headers,
    )


async def scheduled_count(live: httpx.AsyncClient, admin: Person) -> int:
    response = await live.get(
        "/api/meetings/appointments", params={"status": "scheduled"}, headers=admin.headers
    )
    return len(response.json())


class TestTwoAdminsAtOnce:
    async def test_two_requests_at_overlapping_times(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        first_admin, second_admin = await admins(database, settings)
        outcomes: Counter[int] = Counter()
        for round_number in range(ROUNDS):
            one = await ask(live, f"one{round_number}@example.com")
            two = await ask(live, f"two{round_number}@example.com")
            # Each round a fresh hour a day apart, so only the round's two requests compete.
            day = round_number * 24 * 60
            responses = await asyncio.gather(
                schedule(live, first_admin, one, day), schedule(live, second_admin, two, day + 30)
            )
            codes = sorted(response.status_code for response in responses)
            assert codes == [200, 409], [response.text for response in responses]
            outcomes.update(codes)

        assert await scheduled_count(live, first_admin) == ROUNDS
        assert outcomes == Counter({200: ROUNDS, 409: ROUNDS})

    async def test_one_request_scheduled_twice(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        first_admin, second_admin = await admins(database, settings)
        for round_number in range(ROUNDS):
            request_id = await ask(live, f"one{round_number}@example.com")
            day = round_number * 24 * 60
            responses = await asyncio.gather(
                schedule(live, first_admin, request_id, day),
                schedule(live, second_admin, request_id, day + 120),
            )
            codes = sorted(response.status_code for response in responses)
            assert codes == [200, 409], [response.text for response in responses]

        assert await scheduled_count(live, first_admin) == ROUNDS
