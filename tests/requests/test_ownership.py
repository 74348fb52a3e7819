"""Whose an appointment request is. Asking is public, so what a request says about an account
must not depend on the address typed: an anonymous request answers and works the same for a
registered and an unknown address, and joins an account only when the owner of the address
proves it, signed in as that verified address, with the code mailed to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import run_jobs
from tests.requests.builders import NOW, ask, request_body
from tests.support.mailbox import Mailbox, text_body
from tests.support.people import Person, add_admin, add_client, add_person

CREATE = "/api/meetings/appointments/create"
OWN = "/api/meetings/user/appointments"
CODE = re.compile(r"Code: ([0-9a-f]{32})")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def ada(database: Database, settings: Settings) -> Person:
    return await add_client(database, settings, 1)


def without_id(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer less what differs between any two requests, whoever asks."""
    return {key: value for key, value in answer.items() if key != "id"}


def claim_path(request_id: str) -> str:
    return f"/api/meetings/appointments/{request_id}/claim"


async def own_ids(client: httpx.AsyncClient, person: Person) -> list[str]:
    response = await client.get(OWN, headers=person.headers)
    assert response.status_code == 200
    return [item["id"] for item in response.json()]


async def mailed_code(app: FastAPI, mailbox: Mailbox, address: str) -> str:
    await run_jobs(app)
    [acknowledgement] = mailbox.to(address)
    found = CODE.search(text_body(acknowledgement))
    assert found is not None, text_body(acknowledgement)
    return found.group(1)


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL the database runs inside the block, parameters left out."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


class TestAnonymousRequests:
    async def test_answer_the_same_for_a_registered_and_an_unknown_address(
        self, client: httpx.AsyncClient, database: Database, ada: Person
    ) -> None:
        with statements(database) as for_unknown:
            unknown = await client.post(CREATE, json=request_body(email="nobody@example.com"))
        with statements(database) as for_known:
            known = await client.post(CREATE, json=request_body(email=ada.email))

        assert known.status_code == unknown.status_code == 201
        assert known.json()["user_id"] is None
        assert without_id(known.json()) == without_id(unknown.json()) | {"email": ada.email}
        assert set(known.headers) == set(unknown.headers)
        # The same statements, so no lookup of the address can show in the time taken.
        assert for_known == for_unknown

    async def test_stay_out_of_the_account_with_that_address(
        self, client: httpx.AsyncClient, ada: Person
    ) -> None:
        stranger = await ask(client, email=ada.email, reason="Written by a stranger")

        assert await own_ids(client, ada) == []
        listed = await client.get("/api/meetings/appointments", headers=ada.headers)
        read = await client.get(f"/api/meetings/appointments/{stranger['id']}", headers=ada.headers)
        assert listed.json() == []
        assert read.status_code == 404

    async def test_the_acknowledgement_carries_a_code_to_add_it_to_an_account(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        asked = await ask(client, email="nobody@example.com")

        code = await mailed_code(app, mailbox, "nobody@example.com")

        [acknowledgement] = mailbox.to("nobody@example.com")
        assert asked["id"] in text_body(acknowledgement)
        assert code not in str(asked)


class TestClaiming:
    async def test_the_owner_of_the_address_adds_it_to_their_account_with_the_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, ada: Person
    ) -> None:
        asked = await ask(client, email=ada.email)
        code = await mailed_code(app, mailbox, ada.email)

        response = await client.post(
            claim_path(asked["id"]), json={"code": code}, headers=ada.headers
        )

        assert response.status_code == 200, response.text
        assert response.json()["user_id"] == ada.id
        assert await own_ids(client, ada) == [asked["id"]]
        again = await client.post(claim_path(asked["id"]), json={"code": code}, headers=ada.headers)
        assert again.status_code == 200
        assert again.json()["user_id"] == ada.id

    async def test_an_account_made_later_with_the_address_can_claim_it(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        asked = await ask(client, email="later@example.com")
        code = await mailed_code(app, mailbox, "later@example.com")
        later = await add_person(database, settings, email="later@example.com")

        response = await client.post(
            claim_path(asked["id"]), json={"code": code}, headers=later.headers
        )

        assert response.status_code == 200, response.text
        assert await own_ids(client, later) == [asked["id"]]

    async def test_a_wrong_code_is_not_found_as_an_unknown_request_is(
        self, client: httpx.AsyncClient, ada: Person
    ) -> None:
        asked = await ask(client, email=ada.email)
        unknown = "00000000-0000-4000-8000-000000000000"

        wrong = await client.post(
            claim_path(asked["id"]), json={"code": "0" * 32}, headers=ada.headers
        )
        missing = await client.post(
            claim_path(unknown), json={"code": "0" * 32}, headers=ada.headers
        )

        assert wrong.status_code == missing.status_code == 404
        assert wrong.json() == missing.json()
        assert await own_ids(client, ada) == []

    async def test_someone_signed_in_with_another_address_cannot_use_the_code(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
        ada: Person,
    ) -> None:
        asked = await ask(client, email=ada.email)
        code = await mailed_code(app, mailbox, ada.email)
        other = await add_client(database, settings, 2)

        response = await client.post(
            claim_path(asked["id"]), json={"code": code}, headers=other.headers
        )

        assert response.status_code == 403
        assert "client1" not in response.text
        assert await own_ids(client, other) == []

    async def test_an_unverified_account_with_the_address_cannot_claim_it(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        asked = await ask(client, email="new@example.com")
        code = await mailed_code(app, mailbox, "new@example.com")
        newcomer = await add_person(database, settings, email="new@example.com", verified=False)

        response = await client.post(
            claim_path(asked["id"]), json={"code": code}, headers=newcomer.headers
        )

        assert response.status_code == 403
        assert await own_ids(client, newcomer) == []

    async def test_signing_in_is_required(self, client: httpx.AsyncClient) -> None:
        asked = await ask(client)

        response = await client.post(claim_path(asked["id"]), json={"code": "0" * 32})

        assert response.status_code == 401


class TestSignedInCallers:
    async def test_a_client_typing_another_address_asks_for_themselves(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, ada: Person
    ) -> None:
        body = await ask(client, ada, email="someone.else@example.com")
        await run_jobs(app)

        assert body["user_id"] == ada.id
        assert body["email"] == ada.email
        assert mailbox.to("someone.else@example.com") == []
        [acknowledgement] = mailbox.to(ada.email)
        assert CODE.search(text_body(acknowledgement)) is None
        assert await own_ids(client, ada) == [body["id"]]

    async def test_an_admin_entering_it_for_a_client_leaves_the_claim_to_the_client(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
        ada: Person,
    ) -> None:
        admin = await add_admin(database, settings)

        for_ada = await ask(client, admin, email=ada.email)
        own = await ask(client, admin, email=admin.email)

        assert for_ada["user_id"] is None
        assert own["user_id"] == admin.id
        assert await own_ids(client, ada) == []
        code = await mailed_code(app, mailbox, ada.email)
        claimed = await client.post(
            claim_path(for_ada["id"]), json={"code": code}, headers=ada.headers
        )
        assert claimed.json()["user_id"] == ada.id
