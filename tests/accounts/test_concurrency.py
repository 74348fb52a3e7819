"""Account rules that must hold under many real concurrent requests."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from attune.models import OtpCode
from attune.platform.database import Database
from tests.accounts.builders import mailed_code, registration, row_counts, sign_up
from tests.support.mailbox import Mailbox

EMAIL = "ada@example.com"


class TestConcurrentRequests:
    async def test_one_account_per_address(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        responses = await asyncio.gather(
            *(client.post("/api/auth/register", json=registration()) for _ in range(8))
        )

        assert sorted(response.status_code for response in responses) == [201] + [409] * 7
        assert (await row_counts(database))["users"] == 1

    async def test_a_refresh_token_rotates_once(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        responses = await asyncio.gather(
            *(
                client.post("/api/auth/token/refresh", json={"refresh": signed_in.refresh})
                for _ in range(6)
            )
        )

        statuses = [response.status_code for response in responses]
        assert sorted(statuses) == [200] + [401] * 5
        winner = responses[statuses.index(200)].json()
        # The other attempts were reuses: they revoked the login, winner's new token included.
        later = await client.post("/api/auth/token/refresh", json={"refresh": winner["refresh"]})
        assert later.status_code == 401

    async def test_guesses_never_exceed_the_attempt_limit(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        await client.post("/api/auth/register", json=registration())
        code = await mailed_code(app, mailbox, EMAIL)
        # More than the code's 5 tries, fewer than the address's 10 wrong codes an hour.
        wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 9)]

        responses = await asyncio.gather(
            *(client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": w}) for w in wrong)
        )

        assert {response.status_code for response in responses} == {400}
        async with database.transaction(write=False) as session:
            stored = await session.scalar(select(OtpCode))
        assert stored is not None
        assert stored.attempts == 5
        late = await client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": code})
        assert late.status_code == 400

    async def test_guesses_never_exceed_the_wrong_code_limit_of_the_address(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await client.post("/api/auth/register", json=registration())
        code = await mailed_code(app, mailbox, EMAIL)
        wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 16)]

        responses = await asyncio.gather(
            *(client.post("/api/auth/verify-otp", json={"email": EMAIL, "otp": w}) for w in wrong)
        )

        statuses = [response.status_code for response in responses]
        assert sorted(statuses) == [400] * 10 + [429] * 5

    async def test_racing_logouts_never_fail(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        responses = await asyncio.gather(
            *(client.post("/api/auth/logout", headers=signed_in.headers) for _ in range(6))
        )

        statuses = [response.status_code for response in responses]
        assert 200 in statuses
        assert set(statuses) <= {200, 401}
        assert (await client.get("/api/auth/profile", headers=signed_in.headers)).status_code == 401
