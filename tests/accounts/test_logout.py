from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from attune.accounts.tokens import decode_access_token
from attune.models import RevokedAccessToken
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.accounts.builders import PASSWORD, log_in, sign_up
from tests.support.mailbox import Mailbox


async def status(client: httpx.AsyncClient, access: str) -> int:
    response = await client.get("/api/auth/profile", headers={"Authorization": f"Bearer {access}"})
    return response.status_code


class TestLogout:
    @pytest.mark.parametrize("path", ["/api/auth/logout", "/api/auth/logout/"])
    async def test_access_and_refresh_tokens_stop_working(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        response = await client.post(path, headers=signed_in.headers)

        assert response.status_code == 200
        assert response.json() == {"message": "Logged out successfully"}
        assert await status(client, signed_in.access) == 401
        refreshed = await client.post(
            "/api/auth/token/refresh", json={"refresh": signed_in.refresh}
        )
        assert refreshed.status_code == 401

    async def test_denies_the_token_until_it_would_expire(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        claims = decode_access_token(settings, signed_in.access, datetime.now(UTC))

        await client.post("/api/auth/logout", headers=signed_in.headers)

        async with database.transaction(write=False) as session:
            denied = list(await session.scalars(select(RevokedAccessToken)))
        assert [(row.jti, row.expires_at) for row in denied] == [(claims.jti, claims.expires_at)]

    async def test_other_logins_stay_signed_in(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        phone = await sign_up(client, app, mailbox)
        laptop = await log_in(client, phone.email, PASSWORD)

        await client.post("/api/auth/logout", headers=phone.headers)

        assert await status(client, laptop.access) == 200

    async def test_refresh_token_in_the_body_ends_its_login_too(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        phone = await sign_up(client, app, mailbox)
        laptop = await log_in(client, phone.email, PASSWORD)

        response = await client.post(
            "/api/auth/logout/", json={"refresh": laptop.refresh}, headers=phone.headers
        )

        assert response.status_code == 200
        assert await status(client, laptop.access) == 401

    async def test_someone_elses_refresh_token_is_left_alone(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        ada = await sign_up(client, app, mailbox)
        grace = await sign_up(
            client, app, mailbox, email="grace@example.com", first_name="Grace", last_name="Hopper"
        )

        await client.post("/api/auth/logout", json={"refresh": grace.refresh}, headers=ada.headers)

        assert await status(client, grace.access) == 200

    async def test_logging_out_twice_is_401(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        await client.post("/api/auth/logout", headers=signed_in.headers)

        again = await client.post("/api/auth/logout", headers=signed_in.headers)

        assert again.status_code == 401

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/auth/logout")

        assert response.status_code == 401
        assert response.json() == {
            "error": "User not authenticated",
            "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
        }

    async def test_unknown_field_in_the_body_is_400_and_logs_nothing_out(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        response = await client.post(
            "/api/auth/logout", json={"everywhere": True}, headers=signed_in.headers
        )

        assert response.status_code == 400
        assert await status(client, signed_in.access) == 200
