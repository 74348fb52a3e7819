from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update

from attune.accounts.tokens import decode_access_token, issue_access_token
from attune.models import User
from attune.platform.auth import InvalidToken
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.accounts.builders import SignedIn, sign_up
from tests.conftest import make_settings
from tests.support.mailbox import Mailbox

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
UNAUTHENTICATED = {
    "error": "User not authenticated",
    "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def signed(settings: Settings, claims: dict[str, Any], **changes: Any) -> str:
    return jwt.encode({**claims, **changes}, settings.derived_key("jwt"), algorithm="HS256")


async def profile_status(client: httpx.AsyncClient, token: str) -> int:
    response = await client.get("/api/auth/profile", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def refresh(
    client: httpx.AsyncClient, token: str, path: str = "/api/auth/token/refresh"
) -> httpx.Response:
    return await client.post(path, json={"refresh": token})


class TestAccessToken:
    async def test_carries_the_documented_claims(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        claims = claims_of(signed_in.access)

        assert jwt.get_unverified_header(signed_in.access)["alg"] == "HS256"
        assert set(claims) == {"iss", "aud", "exp", "iat", "jti", "sub", "sid"}
        assert claims["sub"] == str(signed_in.user_id)
        assert claims["exp"] - claims["iat"] == 24 * 60 * 60

    async def test_expires_after_its_lifetime(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        clock.advance(timedelta(hours=24) - timedelta(seconds=1))
        assert await profile_status(client, signed_in.access) == 200
        clock.advance(timedelta(seconds=1))
        response = await client.get("/api/auth/profile", headers=signed_in.headers)

        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
        assert response.headers["WWW-Authenticate"] == "Bearer"

    async def test_missing_or_malformed_header_is_401(self, client: httpx.AsyncClient) -> None:
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic YTpi"}):
            response = await client.get("/api/auth/profile", headers=headers)
            assert response.status_code == 401
            assert response.json() == UNAUTHENTICATED

    @pytest.mark.parametrize(
        "forge",
        [
            pytest.param(
                lambda s, c, t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
                id="tampered signature",
            ),
            pytest.param(
                lambda s, c, t: jwt.encode(
                    c, "another key of thirty-two bytes!!", algorithm="HS256"
                ),
                id="other key",
            ),
            pytest.param(
                lambda s, c, t: jwt.encode(c, None, algorithm="none"),  # type: ignore[arg-type]
                id="alg none",
            ),
            pytest.param(lambda s, c, t: signed(s, c, sub="999"), id="other user"),
            pytest.param(lambda s, c, t: signed(s, c, aud="someone-else"), id="other audience"),
            pytest.param(lambda s, c, t: signed(s, c, iss="someone-else"), id="other issuer"),
            pytest.param(lambda s, c, t: signed(s, c, sid="not-a-session"), id="unknown session"),
            pytest.param(
                lambda s, c, t: signed(s, {k: v for k, v in c.items() if k != "sid"}),
                id="no session claim",
            ),
            pytest.param(
                lambda s, c, t: signed(s, {k: v for k, v in c.items() if k != "jti"}),
                id="no jti",
            ),
            pytest.param(
                lambda s, c, t: signed(s, {k: v for k, v in c.items() if k != "exp"}),
                id="no expiry",
            ),
            pytest.param(lambda s, c, t: "not.a.token", id="garbage"),
            # Signed with the service's key, so only the claims' own checks stand in the way.
            pytest.param(lambda s, c, t: signed(s, c, exp=10**20), id="expiry past year 9999"),
            pytest.param(lambda s, c, t: signed(s, c, exp=1e20), id="expiry as a float"),
            pytest.param(lambda s, c, t: signed(s, c, exp=-(10**20)), id="expiry before year 1"),
            pytest.param(lambda s, c, t: signed(s, c, iat=10**20), id="issued past year 9999"),
            pytest.param(lambda s, c, t: signed(s, c, sub="1" * 40), id="40-digit subject"),
            pytest.param(lambda s, c, t: signed(s, c, sub=str(2**31)), id="subject past int32"),
            pytest.param(lambda s, c, t: signed(s, c, sub="0"), id="subject zero"),
            pytest.param(lambda s, c, t: signed(s, c, sub=1), id="subject as a number"),
            pytest.param(lambda s, c, t: signed(s, c, sid="a\x00b"), id="NUL in the session"),
            pytest.param(lambda s, c, t: signed(s, c, jti="a\x00b"), id="NUL in the token id"),
        ],
    )
    async def test_forged_tokens_are_401(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        settings: Settings,
        forge: Any,
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        token = forge(settings, claims_of(signed_in.access), signed_in.access)

        assert await profile_status(client, token) == 401
        assert await profile_status(client, signed_in.access) == 200

    async def test_deactivated_user_is_locked_out(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        async with database.transaction() as session:
            await session.execute(update(User).values(is_active=False))

        assert await profile_status(client, signed_in.access) == 401
        assert (await refresh(client, signed_in.refresh)).status_code == 401

    async def test_deleted_user_is_locked_out(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        async with database.transaction() as session:
            await session.execute(delete(User))

        assert await profile_status(client, signed_in.access) == 401


class TestDecodeAccessToken:
    def test_gives_the_claims_of_a_live_token(self, settings: Settings) -> None:
        token = issue_access_token(settings, user_id=7, session_id="login-1", now=START)

        claims = decode_access_token(settings, token, START + timedelta(minutes=5))

        assert (claims.user_id, claims.session_id) == (7, "login-1")
        assert claims.expires_at == START + timedelta(hours=24)

    def test_refuses_a_token_at_its_expiry(self, settings: Settings) -> None:
        token = issue_access_token(settings, user_id=7, session_id="login-1", now=START)

        with pytest.raises(InvalidToken):
            decode_access_token(settings, token, START + timedelta(hours=24))

    def test_refuses_a_token_of_another_secret(
        self, settings: Settings, tmp_path: Path, database_url: str
    ) -> None:
        other = make_settings(tmp_path, database_url, secret_key="another-secret-" * 4)
        token = issue_access_token(other, user_id=7, session_id="login-1", now=START)

        with pytest.raises(InvalidToken):
            decode_access_token(settings, token, START)


class TestRefresh:
    @pytest.mark.parametrize("path", ["/api/auth/token/refresh", "/api/auth/token/refresh/"])
    async def test_rotates_the_refresh_token(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        response = await refresh(client, signed_in.refresh, path)

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access", "refresh"}
        assert body["refresh"] != signed_in.refresh
        assert claims_of(body["access"])["sid"] == claims_of(signed_in.access)["sid"]
        assert await profile_status(client, body["access"]) == 200

    async def test_new_refresh_token_rotates_again(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        second = (await refresh(client, signed_in.refresh)).json()

        third = await refresh(client, second["refresh"])

        assert third.status_code == 200

    async def test_reused_refresh_token_revokes_the_whole_login(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        rotated = (await refresh(client, signed_in.refresh)).json()

        reused = await refresh(client, signed_in.refresh)

        assert reused.status_code == 401
        assert reused.json() == {
            "error": "Token is invalid or expired",
            "details": "Log in again to get a new refresh token.",
        }
        assert (await refresh(client, rotated["refresh"])).status_code == 401
        assert await profile_status(client, rotated["access"]) == 401
        assert await profile_status(client, signed_in.access) == 401

    async def test_reuse_leaves_other_logins_alone(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        stolen = await sign_up(client, app, mailbox)
        response = await client.post(
            "/api/auth/login", json={"email": stolen.email, "password": "correct horse battery"}
        )
        other = response.json()
        await refresh(client, stolen.refresh)

        await refresh(client, stolen.refresh)

        assert await profile_status(client, other["access"]) == 200
        assert (await refresh(client, other["refresh"])).status_code == 200

    async def test_expired_refresh_token_is_401(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        clock.advance(timedelta(days=30))

        assert (await refresh(client, signed_in.refresh)).status_code == 401

    async def test_access_token_is_not_a_refresh_token(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in: SignedIn = await sign_up(client, app, mailbox)

        assert (await refresh(client, signed_in.access[:200])).status_code == 401

    @pytest.mark.parametrize(
        "body", [{}, {"refresh": ""}, {"refresh": 12}, {"refresh": "x" * 5000}, {"token": "x"}]
    )
    async def test_malformed_body_is_400(
        self, client: httpx.AsyncClient, body: dict[str, object]
    ) -> None:
        response = await client.post("/api/auth/token/refresh", json=body)

        assert response.status_code == 400
