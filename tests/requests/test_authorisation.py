"""Who may call each appointment request route: owner, another client, admin, anonymous.

A client never learns that another's request exists (404); nobody lists requests by e-mail
without signing in (docs/decisions.md, "Appointment requests and availability")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.requests.builders import NOW, STARTS_AT, ask, scheduled
from tests.support.people import Person, add_admin, add_client

LIST = "/api/meetings/appointments"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


class TestListing:
    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        await ask(client)

        response = await client.get(LIST)

        assert response.status_code == 401

    async def test_anonymous_lookup_by_email_is_401(self, client: httpx.AsyncClient) -> None:
        await ask(client)

        response = await client.get(LIST, params={"email": "john@example.com"})

        assert response.status_code == 401
        assert "john" not in response.text

    async def test_a_client_sees_only_their_own(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        mine = await ask(client, ada)
        await ask(client)

        response = await client.get(LIST, headers=ada.headers)

        assert ids(response) == [mine["id"]]

    async def test_a_client_does_not_see_another_clients(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        await ask(client, bob, email=bob.email)

        response = await client.get(LIST, headers=ada.headers)

        assert ids(response) == []

    async def test_a_client_cannot_look_up_another_email(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        await ask(client)

        response = await client.get(LIST, params={"email": "john@example.com"}, headers=ada.headers)

        assert ids(response) == []

    async def test_an_admin_sees_all_newest_first(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        admin = await add_admin(database, settings)
        first = await ask(client)
        clock.advance(STARTS_AT - NOW - (STARTS_AT - NOW) / 2)
        second = await ask(client, email="jane@example.com")

        response = await client.get(LIST, headers=admin.headers)

        assert ids(response) == [second["id"], first["id"]]

    async def test_an_admin_filters_by_status(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        done = await scheduled(client, admin)
        waiting = await ask(client, email="jane@example.com")

        pending = await client.get(LIST, params={"status": "pending_review"}, headers=admin.headers)
        booked = await client.get(LIST, params={"status": "scheduled"}, headers=admin.headers)

        assert ids(pending) == [waiting["id"]]
        assert ids(booked) == [done["id"]]

    async def test_an_unknown_status_is_400(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.get(LIST, params={"status": "lost"}, headers=admin.headers)

        assert response.status_code == 400

    async def test_an_admin_finds_requests_by_email(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        johns = await ask(client)
        await ask(client, email="jane@example.com")

        response = await client.get(
            LIST, params={"email": " John@Example.com"}, headers=admin.headers
        )

        assert ids(response) == [johns["id"]]


class TestOwnList:
    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/meetings/user/appointments")

        assert response.status_code == 401

    async def test_holds_the_requests_asked_for_while_signed_in(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        # Asked before the account existed: not the account's until claimed with the code.
        await ask(client, email="client1@example.com")
        ada = await add_client(database, settings, 1)
        later = await ask(client, ada)
        await ask(client)

        response = await client.get("/api/meetings/user/appointments", headers=ada.headers)

        assert ids(response) == [later["id"]]

    async def test_an_admin_gets_only_their_own_here(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        await ask(client, ada)
        await ask(client)

        response = await client.get("/api/meetings/user/appointments", headers=admin.headers)

        assert ids(response) == []


async def people(database: Database, settings: Settings) -> tuple[Person, Person, Person]:
    return (
        await add_client(database, settings, 1),
        await add_client(database, settings, 2),
        await add_admin(database, settings),
    )


READS = ["", "/jitsi-meeting"]


class TestReadingOne:
    @pytest.mark.parametrize("suffix", READS)
    async def test_the_owner_and_an_admin_may(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, suffix: str
    ) -> None:
        owner, _other, admin = await people(database, settings)
        request = await scheduled(client, admin, owner)

        for person in (owner, admin):
            response = await client.get(f"{LIST}/{request['id']}{suffix}", headers=person.headers)
            assert response.status_code == 200, response.text

    @pytest.mark.parametrize("suffix", READS)
    async def test_another_client_is_told_it_does_not_exist(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, suffix: str
    ) -> None:
        owner, other, admin = await people(database, settings)
        request = await scheduled(client, admin, owner)

        response = await client.get(f"{LIST}/{request['id']}{suffix}", headers=other.headers)
        unknown = await client.get(f"{LIST}/{UNKNOWN}{suffix}", headers=other.headers)

        assert response.status_code == unknown.status_code == 404
        assert response.json() == unknown.json()

    @pytest.mark.parametrize("suffix", READS)
    async def test_anonymous_is_401(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, suffix: str
    ) -> None:
        owner, _other, admin = await people(database, settings)
        request = await scheduled(client, admin, owner)

        response = await client.get(f"{LIST}/{request['id']}{suffix}")

        assert response.status_code == 401

    async def test_an_id_that_is_not_a_uuid_is_not_found(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.get(f"{LIST}/12345", headers=admin.headers)

        assert response.status_code == 404


ADMIN_ACTIONS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "schedule": ("POST", "/schedule", {"scheduled_datetime": STARTS_AT.isoformat()}),
    "reschedule": ("POST", "/reschedule", {"scheduled_datetime": STARTS_AT.isoformat()}),
    "reject": ("POST", "/reject", {}),
}


class TestAdminOnly:
    @pytest.mark.parametrize("action", ADMIN_ACTIONS)
    async def test_a_client_is_403_even_for_their_own(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, action: str
    ) -> None:
        owner, _other, _admin = await people(database, settings)
        request = await ask(client, owner)
        method, suffix, body = ADMIN_ACTIONS[action]

        response = await client.request(
            method, f"{LIST}/{request['id']}{suffix}", json=body, headers=owner.headers
        )

        assert response.status_code == 403

    @pytest.mark.parametrize("action", ADMIN_ACTIONS)
    async def test_another_client_is_403_and_learns_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, action: str
    ) -> None:
        owner, other, _admin = await people(database, settings)
        request = await ask(client, owner)
        method, suffix, body = ADMIN_ACTIONS[action]

        response = await client.request(
            method, f"{LIST}/{request['id']}{suffix}", json=body, headers=other.headers
        )
        unknown = await client.request(
            method, f"{LIST}/{UNKNOWN}{suffix}", json=body, headers=other.headers
        )

        assert response.status_code == unknown.status_code == 403
        assert response.json() == unknown.json()

    @pytest.mark.parametrize("action", ADMIN_ACTIONS)
    async def test_anonymous_is_401(self, client: httpx.AsyncClient, action: str) -> None:
        request = await ask(client)
        method, suffix, body = ADMIN_ACTIONS[action]

        response = await client.request(method, f"{LIST}/{request['id']}{suffix}", json=body)

        assert response.status_code == 401

    async def test_stats_are_for_admins(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner, _other, admin = await people(database, settings)

        assert (await client.get(f"{LIST}/stats")).status_code == 401
        assert (await client.get(f"{LIST}/stats", headers=owner.headers)).status_code == 403
        assert (await client.get(f"{LIST}/stats", headers=admin.headers)).status_code == 200


class TestWithdrawing:
    async def test_only_the_owner_may(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner, other, admin = await people(database, settings)
        request = await ask(client, owner)
        path = f"{LIST}/{request['id']}/withdraw"

        assert (await client.post(path)).status_code == 401
        assert (await client.post(path, headers=other.headers)).status_code == 404
        assert (await client.post(path, headers=admin.headers)).status_code == 403
        assert (await client.post(path, headers=owner.headers)).status_code == 200
