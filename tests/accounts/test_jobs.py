from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from tests.accounts.builders import PASSWORD, log_in, row_counts, sign_up
from tests.conftest import run_jobs
from tests.support.mailbox import Mailbox

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


class TestPurgeExpiredCredentials:
    async def test_removes_what_has_expired_and_keeps_what_still_works(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        clock: FrozenClock,
    ) -> None:
        old = await sign_up(client, app, mailbox)
        await client.post("/api/auth/token/refresh", json={"refresh": old.refresh})
        await client.post("/api/auth/logout", headers=old.headers)
        await client.post("/api/auth/forgot-password", json={"email": old.email})
        await run_jobs(app)
        clock.advance(timedelta(days=31))
        current = await log_in(client, old.email, PASSWORD)

        await run_jobs(app)

        counts = await row_counts(database)
        assert counts["otp_codes"] == 0
        assert counts["revoked_access_tokens"] == 0
        assert (counts["auth_sessions"], counts["refresh_tokens"]) == (1, 1)
        refreshed = await client.post("/api/auth/token/refresh", json={"refresh": current.refresh})
        assert refreshed.status_code == 200

    async def test_keeps_a_denied_token_until_it_would_have_expired(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        clock: FrozenClock,
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        await client.post("/api/auth/logout", headers=signed_in.headers)
        clock.advance(timedelta(hours=23))

        await run_jobs(app)

        assert (await row_counts(database))["revoked_access_tokens"] == 1
        response = await client.get("/api/auth/profile", headers=signed_in.headers)
        assert response.status_code == 401
