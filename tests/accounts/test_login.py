from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from attune.app import create_app
from attune.models import User
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.accounts.builders import PASSWORD, register_verified, registration, row_counts
from tests.conftest import http_client, make_settings
from tests.support.mailbox import Mailbox, SmtpServer

INVALID = {
    "error": "Invalid email or password",
    "details": "Check both; POST /api/auth/forgot-password resets a forgotten password.",
}


async def login_status(client: httpx.AsyncClient) -> int:
    response = await client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    return response.status_code


class TestLogin:
    @pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/login/"])
    async def test_returns_tokens_in_both_contracts_shapes(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        await register_verified(client, app, mailbox)

        response = await client.post(path, json={"email": "ada@example.com", "password": PASSWORD})

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Login successful"
        assert body["user"] == {
            "id": body["user"]["id"],
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "is_admin": False,
        }
        assert body["token"] == body["access"]
        assert body["refresh"]
        profile = await client.get(
            "/api/auth/profile", headers={"Authorization": f"Bearer {body['token']}"}
        )
        assert profile.status_code == 200

    async def test_email_is_matched_whatever_its_case(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await register_verified(client, app, mailbox)

        response = await client.post(
            "/api/auth/login", json={"email": " ADA@Example.com", "password": PASSWORD}
        )

        assert response.status_code == 200

    async def test_each_login_is_a_new_session(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        await register_verified(client, app, mailbox)
        credentials = {"email": "ada@example.com", "password": PASSWORD}

        first = (await client.post("/api/auth/login", json=credentials)).json()
        second = (await client.post("/api/auth/login", json=credentials)).json()

        assert first["refresh"] != second["refresh"]
        assert (await row_counts(database))["auth_sessions"] == 2


class TestRefusedLogin:
    async def test_wrong_password_is_401(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await register_verified(client, app, mailbox)

        response = await client.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": "wrong password!"}
        )

        assert response.status_code == 401
        assert response.json() == INVALID

    async def test_unknown_email_answers_like_a_wrong_password(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
        )

        assert response.status_code == 401
        assert response.json() == INVALID

    async def test_inactive_user_is_refused_like_a_wrong_password(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, database: Database
    ) -> None:
        await register_verified(client, app, mailbox)
        async with database.transaction() as session:
            await session.execute(update(User).values(is_active=False))

        response = await client.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )

        assert response.status_code == 401
        assert response.json() == INVALID

    async def test_unverified_email_is_403(self, client: httpx.AsyncClient) -> None:
        await client.post("/api/auth/register", json=registration())

        response = await client.post(
            "/api/auth/login/", json={"email": "ada@example.com", "password": PASSWORD}
        )

        assert response.status_code == 403
        body = response.json()
        assert body["error"] == "Email address not verified"
        assert "resend-otp" in body["details"]

    async def test_unverified_email_with_a_wrong_password_is_401(
        self, client: httpx.AsyncClient
    ) -> None:
        await client.post("/api/auth/register", json=registration())

        response = await client.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": "not the password"}
        )

        assert response.status_code == 401

    @pytest.mark.parametrize(
        "body",
        [
            {"email": "ada@example.com"},
            {"email": "ada@example.com", "password": PASSWORD, "remember": True},
            {"email": 42, "password": PASSWORD},
            {"email": "ada@example.com", "password": "x" * 100_000},
            {"email": "ada\x00@example.com", "password": PASSWORD},
        ],
    )
    async def test_malformed_body_is_400_and_starts_no_session(
        self, client: httpx.AsyncClient, database: Database, body: dict[str, object]
    ) -> None:
        before = await row_counts(database)

        response = await client.post("/api/auth/login", json=body)

        assert response.status_code == 400
        assert await row_counts(database) == before


class TestWithoutVerification:
    """ATTUNE_REQUIRE_EMAIL_VERIFICATION=false: contract 000's register-then-login."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, require_email_verification=False
        )

    async def test_register_then_login(self, client: httpx.AsyncClient) -> None:
        registered = await client.post(
            "/api/auth/register",
            json={
                "first_name": "John",
                "last_name": "Doe",
                "email": "john@example.com",
                "password": "securepassword123",
            },
        )
        login = await client.post(
            "/api/auth/login", json={"email": "john@example.com", "password": "securepassword123"}
        )

        assert registered.status_code == 201
        assert login.status_code == 200
        assert login.json()["user"]["email"] == "john@example.com"

    async def test_seed_curl_example_password_is_refused_as_common(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        # Seed 000's cURL example registers with "password123", one of the most common
        # passwords; Attune keeps its policy and says why.
        response = await client.post(
            "/api/auth/register",
            json={
                "first_name": "John",
                "last_name": "Doe",
                "email": "john@example.com",
                "password": "password123",
            },
        )

        assert response.status_code == 400
        assert response.json() == {
            "error": "Password does not meet the requirements",
            "details": "This password is too common.",
        }
        assert (await row_counts(database))["users"] == 0


class TestRehash:
    async def test_login_upgrades_a_hash_made_at_an_older_cost(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        await register_verified(client, app, mailbox)
        stronger = settings.model_copy(update={"password_time_cost": 2})
        upgraded = create_app(stronger, database=database)

        async with http_client(upgraded) as upgraded_client:
            response = await upgraded_client.post(
                "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
            )

        assert response.status_code == 200
        async with database.transaction(write=False) as session:
            stored = await session.scalar(select(User.password_hash))
        assert stored is not None
        assert "t=2" in stored
        assert await login_status(client) == 200
