"""OWASP API4:2023 Unrestricted Resource Consumption.

Bodies larger than `ATTUNE_MAX_BODY_BYTES` are refused before they are read, whether their size
is declared or they are streamed chunked through a real server; no field can make the service
hash or store an unbounded amount; and the credential endpoints allow five requests a minute
per address, on memory and on Redis, so a flood neither guesses codes nor sends mail.

Page sizes (tests/admin/test_users.py, test_bookings.py), `preferred_dates`
(tests/requests/test_create.py) and the weekly generator's 2,000 slots
(tests/scheduling/test_generate.py) are tested where they live.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from attune.accounts.tokens import access_token_user_id
from attune.app import create_app
from attune.models import User
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.job_model import Job
from attune.platform.ratelimit import STRICT_PATHS, RateLimiter
from attune.platform.settings import Settings
from tests.conftest import COUNTING_STORAGE_TIMEOUT, http_client, make_settings
from tests.security.practice import appointment_body, snapshot
from tests.support.live_server import live_client, live_server
from tests.support.mailbox import SmtpServer

SMALL_LIMIT = 4096
TOO_LARGE = {
    "error": "Request body too large",
    "details": f"The body may be at most {SMALL_LIMIT} bytes",
}
STRICT_LIMIT = 5


def oversized_registration() -> bytes:
    padding = "x" * SMALL_LIMIT
    return (
        b'{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", '
        b'"password": "a long and uncommon passphrase", "location": "' + padding.encode() + b'"}'
    )


async def rows(database: Database, model: type[User] | type[Job]) -> int:
    async with database.transaction(write=False) as session:
        count: int = await session.scalar(select(func.count()).select_from(model)) or 0
    return count


class TestBodySize:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, max_body_bytes=SMALL_LIMIT
        )

    async def test_a_declared_size_over_the_limit_is_413_and_stores_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.post(
            "/api/auth/register",
            content=oversized_registration(),
            headers={"Content-Type": "application/json"},
        )

        assert (response.status_code, response.json()) == (413, TOO_LARGE)
        assert await rows(database, User) == 0

    async def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(
        self, app: FastAPI, database: Database
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            body = oversized_registration()
            for start in range(0, len(body), 512):
                yield body[start : start + 512]

        async with live_server(app) as base_url, live_client(base_url) as client:
            response = await client.post(
                "/api/auth/register",
                content=chunks(),
                headers={"Content-Type": "application/json"},
            )

        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert (response.status_code, response.json()) == (413, TOO_LARGE)
        assert await rows(database, User) == 0

    async def test_a_body_within_the_limit_is_served(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        response = await client.post(
            "/api/auth/register",
            json={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@example.com",
                "password": "a long and uncommon passphrase",
            },
        )

        assert response.status_code == 201
        assert await rows(database, User) == 1


HUGE_PASSWORD = "correct horse battery staple " * 4000  # about 120 KB for Argon2 to chew on


class TestFieldsThatCostWork:
    """A field that is hashed, encrypted or stored has a length limit checked before any work."""

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/api/auth/login", {"email": "ada@example.com", "password": HUGE_PASSWORD}),
            (
                "/api/auth/register",
                {
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                    "email": "ada@example.com",
                    "password": HUGE_PASSWORD,
                },
            ),
            (
                "/api/auth/reset-password",
                {
                    "email": "ada@example.com",
                    "otp": "123456",
                    "new_password": HUGE_PASSWORD,
                    "confirm_password": HUGE_PASSWORD,
                },
            ),
            ("/api/auth/token/refresh", {"refresh": "x" * 10_000}),
            ("/api/meetings/appointments/create", appointment_body(reason="x" * 2001)),
            ("/api/meetings/appointments/create", appointment_body(first_name="A" * 101)),
            (
                "/api/meetings/appointments/create",
                appointment_body(email="a" * 250 + "@example.com"),
            ),
        ],
        ids=["login", "register", "reset", "refresh", "reason", "name", "email"],
    )
    async def test_too_long_is_400_and_nothing_changes(
        self, client: httpx.AsyncClient, database: Database, path: str, body: dict[str, Any]
    ) -> None:
        before = await snapshot(database)

        response = await client.post(path, json=body)

        assert response.status_code == 400, response.text
        assert response.json()["error"] == "Invalid request format"
        assert await snapshot(database) == before


@pytest.fixture(params=["memory", "redis"])
def limiter_storage(request: pytest.FixtureRequest) -> str | None:
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


class TestCredentialEndpointsUnderFlood:
    @pytest.fixture
    def settings(
        self,
        tmp_path: Path,
        database_url: str,
        smtp_server: SmtpServer,
        limiter_storage: str | None,
    ) -> Settings:
        return make_settings(
            tmp_path,
            database_url,
            smtp_url=smtp_server.url,
            rate_limits=True,
            redis_url=limiter_storage,
        )

    @pytest.fixture
    async def app(self, settings: Settings, database: Database, clock: Clock) -> FastAPI:
        app = create_app(settings, database=database, clock=clock)
        await app.state.rate_limiter.close()
        # Counters of this test only, so runs sharing a Redis never meet.
        app.state.rate_limiter = RateLimiter(
            settings,
            functools.partial(access_token_user_id, settings),
            key_prefix=f"attune-test-{uuid.uuid4()}",
            storage_timeout=COUNTING_STORAGE_TIMEOUT,
        )
        return app

    @pytest.mark.parametrize("path", sorted(STRICT_PATHS))
    async def test_the_sixth_request_in_a_minute_is_429_with_retry_after(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        answers = [await client.post(path, json={}) for _ in range(STRICT_LIMIT)]

        refused = await client.post(path + "/", json={})

        assert [answer.status_code for answer in answers].count(429) == 0
        assert refused.status_code == 429
        assert refused.json()["error"] == "Too many requests"
        assert 1 <= int(refused.headers["retry-after"]) <= 60

    async def test_a_flood_of_reset_requests_queues_five_mails_at_most(
        self, app: FastAPI, database: Database
    ) -> None:
        async with app.router.lifespan_context(app), http_client(app) as client:
            answers = [
                await client.post(
                    "/api/auth/forgot-password", json={"email": f"person{number}@example.com"}
                )
                for number in range(20)
            ]

        assert [answer.status_code for answer in answers].count(429) == 20 - STRICT_LIMIT
        assert await rows(database, Job) <= STRICT_LIMIT
