"""Two members of the practice scheduling at the same moment, each request a real HTTP request in
its own transaction (uvicorn on 127.0.0.1): for one therapist's time exactly one wins and the
other is a 409, never a 5xx; two therapists may see clients at the same time, so both win."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.actor import Role
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


@dataclass(frozen=True)
class Practice:
    owner: Person
    front_desk: Person
    # A second therapist, besides the owner.
    therapist: Person


async def practice_of(database: Database, settings: Settings) -> Practice:
    return Practice(
        owner=await add_admin(database, settings),
        front_desk=await add_person(
            database, settings, email="desk@example.com", role=Role.front_desk
        ),
        therapist=await add_person(
            database, settings, email="second@example.com", role=Role.therapist
        ),
    )


async def ask(live: httpx.AsyncClient, email: str, **changes: Any) -> str:
    response = await live.post(
        "/api/meetings/appointments/create", json=request_body(email=email, **changes)
    )
    assert response.status_code == 201, response.text
    request_id: str = response.json()["id"]
    return request_id


async def schedule(
    live: httpx.AsyncClient, staff: Person, request_id: str, minutes_later: int, therapist: Person
) -> httpx.Response:
    starts_at = STARTS_AT + timedelta(minutes=minutes_later)
    return await live.post(
        f"/api/meetings/appointments/{request_id}/schedule",
        json={"scheduled_datetime": starts_at.isoformat(), "therapist_id": therapist.id},
        headers=staff.headers,
    )


async def scheduled_count(live: httpx.AsyncClient, admin: Person) -> int:
    response = await live.get(
        "/api/meetings/appointments", params={"status": "scheduled"}, headers=admin.headers
    )
    return len(response.json())


class TestTwoAtOnce:
    async def test_two_requests_for_one_therapist_at_overlapping_times(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        people = await practice_of(database, settings)
        outcomes: Counter[int] = Counter()
        for round_number in range(ROUNDS):
            one = await ask(live, f"one{round_number}@example.com")
            two = await ask(live, f"two{round_number}@example.com")
            # Each round a fresh hour a day apart, so only the round's two requests compete.
            day = round_number * 24 * 60
            responses = await asyncio.gather(
                schedule(live, people.owner, one, day, people.therapist),
                schedule(live, people.front_desk, two, day + 30, people.therapist),
            )
            codes = sorted(response.status_code for response in responses)
            assert codes == [200, 409], [response.text for response in responses]
            outcomes.update(codes)

        assert await scheduled_count(live, people.owner) == ROUNDS
        assert outcomes == Counter({200: ROUNDS, 409: ROUNDS})

    async def test_two_therapists_see_clients_at_the_same_time(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        people = await practice_of(database, settings)
        for round_number in range(ROUNDS):
            one = await ask(live, f"one{round_number}@example.com")
            two = await ask(live, f"two{round_number}@example.com")
            day = round_number * 24 * 60
            responses = await asyncio.gather(
                schedule(live, people.owner, one, day, people.owner),
                schedule(live, people.front_desk, two, day, people.therapist),
            )
            codes = [response.status_code for response in responses]
            assert codes == [200, 200], [response.text for response in responses]

        assert await scheduled_count(live, people.owner) == 2 * ROUNDS

    async def test_a_therapist_and_the_front_desk_fill_the_same_hour(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        """The therapist schedules a request asked of them while the front desk gives them
        another at the same time."""
        people = await practice_of(database, settings)
        for round_number in range(ROUNDS):
            # Asked for the therapist, so the request is on their calendar.
            one = await ask(
                live, f"one{round_number}@example.com", therapist_id=people.therapist.id
            )
            two = await ask(live, f"two{round_number}@example.com")
            day = round_number * 24 * 60
            responses = await asyncio.gather(
                schedule(live, people.therapist, one, day, people.therapist),
                schedule(live, people.front_desk, two, day + 15, people.therapist),
            )
            codes = sorted(response.status_code for response in responses)
            assert codes == [200, 409], [response.text for response in responses]

    async def test_one_request_scheduled_twice(
        self, live: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        people = await practice_of(database, settings)
        for round_number in range(ROUNDS):
            request_id = await ask(live, f"one{round_number}@example.com")
            day = round_number * 24 * 60
            responses = await asyncio.gather(
                schedule(live, people.owner, request_id, day, people.owner),
                schedule(live, people.front_desk, request_id, day + 120, people.therapist),
            )
            codes = sorted(response.status_code for response in responses)
            assert codes == [200, 409], [response.text for response in responses]

        assert await scheduled_count(live, people.owner) == ROUNDS
