"""OWASP API1:2023 Broken Object Level Authorisation.

A client never reads, changes, pays for or joins another client's booking, payment or
appointment request. Every route that takes the id of such an object answers another client
exactly as it answers an id that does not exist (404, same body), so the answer reveals
nothing, and not one row of the database changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.security.practice import (
    UNKNOWN_BOOKING,
    UNKNOWN_INTENT,
    UNKNOWN_REQUEST,
    Practice,
    open_practice,
    snapshot,
)
from tests.support.people import Person


@dataclass(frozen=True)
class Ids:
    """The ids a route is called with: the owner's objects, or ids that exist nowhere."""

    booking: int
    intent: str
    request: str
    free_slot: int


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: Callable[[Ids], dict[str, Any]] | None = None

    async def call(
        self, client: httpx.AsyncClient, ids: Ids, person: Person | None
    ) -> httpx.Response:
        path = self.path.format(booking=ids.booking, request=ids.request)
        return await client.request(
            self.method,
            path,
            json=self.body(ids) if self.body else None,
            headers=person.headers if person else None,
        )


OWNED_OBJECT_ROUTES = {
    "read booking": Route("GET", "/api/bookings/{booking}"),
    "cancel booking": Route("PUT", "/api/bookings/{booking}/cancel"),
    "reschedule booking": Route(
        "PUT",
        "/api/bookings/{booking}/reschedule",
        lambda ids: {"new_schedule_id": ids.free_slot},
    ),
    "join booking meeting": Route("GET", "/api/bookings/{booking}/meeting"),
    "pay for booking": Route(
        "POST", "/api/payments/intent", lambda ids: {"booking_id": ids.booking}
    ),
    "confirm payment": Route(
        "POST", "/api/payments/confirm", lambda ids: {"payment_intent_id": ids.intent}
    ),
    "read appointment request": Route("GET", "/api/meetings/appointments/{request}"),
    "join appointment meeting": Route("GET", "/api/meetings/appointments/{request}/jitsi-meeting"),
    "withdraw appointment request": Route("POST", "/api/meetings/appointments/{request}/withdraw"),
}


def owned(practice: Practice) -> Ids:
    return Ids(practice.booking, practice.intent, practice.request, practice.free_slot)


def unknown(practice: Practice) -> Ids:
    return Ids(UNKNOWN_BOOKING, UNKNOWN_INTENT, UNKNOWN_REQUEST, practice.free_slot)


@pytest.mark.parametrize("name", OWNED_OBJECT_ROUTES)
class TestAnotherClientsObject:
    async def test_is_answered_as_if_it_did_not_exist_and_nothing_changes(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, name: str
    ) -> None:
        practice = await open_practice(client, database, settings)
        route = OWNED_OBJECT_ROUTES[name]
        before = await snapshot(database)

        theirs = await route.call(client, owned(practice), practice.other)
        missing = await route.call(client, unknown(practice), practice.other)

        assert theirs.status_code == 404, theirs.text
        assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())
        assert await snapshot(database) == before

    async def test_the_owner_is_served(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, name: str
    ) -> None:
        """The refusal above comes from ownership, not from a request that cannot work."""
        practice = await open_practice(client, database, settings)

        response = await OWNED_OBJECT_ROUTES[name].call(client, owned(practice), practice.owner)

        assert 200 <= response.status_code < 300, response.text

    async def test_nobody_signed_in_is_401_and_nothing_changes(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, name: str
    ) -> None:
        practice = await open_practice(client, database, settings)
        before = await snapshot(database)

        response = await OWNED_OBJECT_ROUTES[name].call(client, owned(practice), None)

        assert response.status_code == 401
        assert await snapshot(database) == before


class TestListsHoldOnlyYourOwn:
    @pytest.mark.parametrize(
        ("path", "params"),
        [
            ("/api/bookings", {}),
            ("/api/bookings", {"user_id": "1"}),
            ("/api/meetings/appointments", {}),
            ("/api/meetings/appointments", {"email": "client1@example.com"}),
            ("/api/meetings/user/appointments", {}),
        ],
    )
    async def test_another_client_sees_none_of_the_owners_objects(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        path: str,
        params: dict[str, str],
    ) -> None:
        practice = await open_practice(client, database, settings)

        response = await client.get(path, params=params, headers=practice.other.headers)

        assert response.status_code == 200, response.text
        listed = response.json()
        items = listed["bookings"] if isinstance(listed, dict) else listed
        assert items == []
        assert practice.request not in response.text
        assert "client1@example.com" not in response.text
