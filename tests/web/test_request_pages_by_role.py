"""The back office's request pages for each role, over plain HTTP: the owner, the therapist the
request was asked of, another therapist, the front desk, a client and a visitor, at the list,
one request, scheduling, moving and declining it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.actor import Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import http_client
from tests.requests.builders import NOW, STARTS_AT, ask, schedule
from tests.support.page_client import csrf_token_of, sign_in_over_http
from tests.support.people import Person, add_admin, add_client, add_person

ROLES = ("owner", "therapist", "other_therapist", "front_desk", "client")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@dataclass(frozen=True)
class People:
    owner: Person
    therapist: Person  # the request was asked of her
    other_therapist: Person
    front_desk: Person
    client: Person


@pytest.fixture
async def people(database: Database, settings: Settings) -> People:
    async def member(email: str, role: Role) -> Person:
        return await add_person(database, settings, email=email, role=role)

    return People(
        owner=await add_admin(database, settings),
        therapist=await member("mia@example.com", Role.therapist),
        other_therapist=await member("noa@example.com", Role.therapist),
        front_desk=await member("desk@example.com", Role.front_desk),
        client=await add_client(database, settings),
    )


@pytest.fixture
async def request_id(client: httpx.AsyncClient, people: People) -> str:
    asked = await ask(client, therapist_id=people.therapist.id, reason="Sleep")
    found: str = asked["id"]
    return found


@pytest.fixture
async def pages(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as http:
        yield http


async def signed_in(pages: httpx.AsyncClient, people: People, who: str) -> str:
    """Sign `who` in; gives a CSRF token from a page they may open."""
    await sign_in_over_http(pages, getattr(people, who).email)
    shown = await pages.get("/profile")
    return csrf_token_of(shown.text)


async def post(pages: httpx.AsyncClient, token: str, path: str, **data: str) -> int:
    response = await pages.post(path, data={**data, "csrf_token": token})
    return response.status_code


class TestReading:
    @pytest.mark.parametrize(
        ("who", "status", "listed"),
        [
            ("owner", 200, True),
            ("therapist", 200, True),
            ("other_therapist", 200, False),
            ("front_desk", 200, True),
            ("client", 403, False),
        ],
    )
    async def test_the_list(
        self,
        pages: httpx.AsyncClient,
        people: People,
        request_id: str,
        *,
        who: str,
        status: int,
        listed: bool,
    ) -> None:
        await signed_in(pages, people, who)

        response = await pages.get("/admin/requests")

        assert response.status_code == status
        assert (f"/admin/requests/{request_id}" in response.text) is listed

    @pytest.mark.parametrize(
        ("who", "status", "reason_shown"),
        [
            ("owner", 200, True),
            ("therapist", 200, True),
            ("other_therapist", 404, False),
            ("front_desk", 200, False),
            ("client", 403, False),
        ],
    )
    async def test_one_request(
        self,
        pages: httpx.AsyncClient,
        people: People,
        request_id: str,
        *,
        who: str,
        status: int,
        reason_shown: bool,
    ) -> None:
        await signed_in(pages, people, who)

        response = await pages.get(f"/admin/requests/{request_id}")

        assert response.status_code == status
        assert ("Sleep" in response.text) is reason_shown

    async def test_a_visitor_is_sent_to_sign_in(
        self, pages: httpx.AsyncClient, request_id: str
    ) -> None:
        for path in ("/admin/requests", f"/admin/requests/{request_id}"):
            response = await pages.get(path)

            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")


WHEN = {"date": STARTS_AT.date().isoformat(), "time": "10:00", "duration": "60"}
LATER = {**WHEN, "time": "14:00"}


class TestAnswering:
    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("owner", 303),
            ("therapist", 303),
            ("other_therapist", 404),
            ("front_desk", 303),
            ("client", 403),
        ],
    )
    async def test_scheduling(
        self, pages: httpx.AsyncClient, people: People, request_id: str, *, who: str, status: int
    ) -> None:
        token = await signed_in(pages, people, who)

        assert await post(pages, token, f"/admin/requests/{request_id}/schedule", **WHEN) == status

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("owner", 303),
            ("therapist", 303),
            ("other_therapist", 404),
            ("front_desk", 303),
            ("client", 403),
        ],
    )
    async def test_moving(
        self,
        client: httpx.AsyncClient,
        pages: httpx.AsyncClient,
        people: People,
        request_id: str,
        *,
        who: str,
        status: int,
    ) -> None:
        placed = await schedule(client, people.owner, request_id, STARTS_AT - timedelta(hours=1))
        assert placed.status_code == 200, placed.text
        token = await signed_in(pages, people, who)

        assert await post(pages, token, f"/admin/requests/{request_id}/schedule", **LATER) == status

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("owner", 303),
            ("therapist", 303),
            ("other_therapist", 404),
            ("front_desk", 303),
            ("client", 403),
        ],
    )
    async def test_declining(
        self, pages: httpx.AsyncClient, people: People, request_id: str, *, who: str, status: int
    ) -> None:
        token = await signed_in(pages, people, who)

        assert await post(pages, token, f"/admin/requests/{request_id}/reject") == status
