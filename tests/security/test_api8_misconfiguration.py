"""OWASP API8:2023 Security Misconfiguration.

Every answer, whatever its status and whichever layer produced it, carries the security
headers; CORS answers only the configured origins and never with credentials; an unexpected
error shows no trace or message, also in production behind a real server; production serves
its documentation without showing any configured secret.

Tested elsewhere (docs/security.md): the headers' values on a normal answer, preflights and
CORS off by default (tests/platform/test_middleware.py); `/metrics` behind
`ATTUNE_METRICS_TOKEN` (tests/platform/test_metrics.py); production refusing development
secrets (tests/test_settings.py::TestProduction).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.settings import Environment, Settings
from tests.conftest import TEST_SECRET, http_client, make_settings
from tests.support.live_server import live_client, live_server
from tests.support.mailbox import SmtpServer

ALLOWED_ORIGIN = "https://practice.example.org"
SMALL_LIMIT = 2048
STRIPE_KEY = "sk_live_never_shown_0123456789"
WEBHOOK_SECRET = "whsec_never_shown_0123456789"
METRICS_TOKEN = "metrics-token-never-shown-0123456789"
SMTP_PASSWORD = "smtp-password-never-shown"
JITSI_SECRET = "jitsi-secret-never-shown-0123456789"
SECRETS = (STRIPE_KEY, WEBHOOK_SECRET, METRICS_TOKEN, SMTP_PASSWORD, JITSI_SECRET, TEST_SECRET)

probe = APIRouter()


@probe.get("/api/probe/crash")
async def crash() -> None:
    raise RuntimeError(f"connection to smtp://mail:{SMTP_PASSWORD}@mail.example.org refused")


def with_probe(app: FastAPI) -> FastAPI:
    app.include_router(probe)
    return app


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        smtp_url=smtp_server.url,
        rate_limits=True,
        max_body_bytes=SMALL_LIMIT,
        cors_origins=ALLOWED_ORIGIN,
    )


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> FastAPI:
    return with_probe(create_app(settings, database=database, clock=clock))


async def too_many(client: httpx.AsyncClient) -> httpx.Response:
    for _ in range(5):
        await client.post("/api/auth/login", json={})
    return await client.post("/api/auth/login", json={})


Answer = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
ANSWERS: dict[str, Answer] = {
    "200 health": lambda client: client.get("/health"),
    "200 api": lambda client: client.get("/api/schedules", params={"date": "2026-03-03"}),
    "400 validation": lambda client: client.post("/api/auth/login", json={"email": 1}),
    "401 no token": lambda client: client.get("/api/bookings"),
    "404 unknown path": lambda client: client.get("/api/no-such-thing"),
    "405 method": lambda client: client.request("TRACE", "/api/bookings"),
    "413 body": lambda client: client.post(
        "/api/bookings",
        content=b"[" + b"1," * SMALL_LIMIT + b"1]",
        headers={"Content-Type": "application/json"},
    ),
    "415 media type": lambda client: client.post(
        "/api/bookings", content=b"schedule_id=1", headers={"Content-Type": "text/plain"}
    ),
    "429 rate limit": too_many,
    "500 crash": lambda client: client.get("/api/probe/crash"),
}


@pytest.mark.parametrize("answer", ANSWERS)
async def test_every_answer_carries_the_security_headers(
    client: httpx.AsyncClient, answer: str
) -> None:
    response = await ANSWERS[answer](client)

    assert response.status_code == int(answer.split(maxsplit=1)[0]), response.text
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["x-request-id"]
    if response.request.url.path.startswith("/api"):
        assert headers["cache-control"] == "no-store"
    if response.status_code >= 400:
        assert set(response.json()) <= {"error", "details", "fields", "request_id"}


class TestCors:
    @pytest.mark.parametrize("origin", ["https://evil.example", "null", ALLOWED_ORIGIN + ".evil"])
    async def test_another_origin_gets_no_cors_headers(
        self, client: httpx.AsyncClient, origin: str
    ) -> None:
        response = await client.get("/health", headers={"Origin": origin})

        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers

    async def test_the_configured_origin_is_named_never_starred_and_never_with_credentials(
        self, client: httpx.AsyncClient
    ) -> None:
        simple = await client.get("/health", headers={"Origin": ALLOWED_ORIGIN})
        preflight = await client.options(
            "/api/bookings",
            headers={
                "Origin": ALLOWED_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )

        for response in (simple, preflight):
            assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
            assert "access-control-allow-credentials" not in response.headers
        assert "origin" in simple.headers["vary"].lower()

    async def test_a_wildcard_origin_is_never_combined_with_credentials(
        self, tmp_path: Path, database_url: str, database: Database
    ) -> None:
        app = create_app(make_settings(tmp_path, database_url, cors_origins="*"), database=database)
        async with app.router.lifespan_context(app), http_client(app) as client:
            response = await client.get("/health", headers={"Origin": "https://any.example"})

        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers


def production_settings(tmp_path: Path, database_url: str, smtp: SmtpServer) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        env=Environment.production,
        smtp_url=smtp.url.replace("smtp://", f"smtp://user:{SMTP_PASSWORD}@"),
        stripe_secret_key=STRIPE_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        metrics_token=METRICS_TOKEN,
        jitsi_app_id="attune",
        jitsi_app_secret=JITSI_SECRET,
    )


class TestProduction:
    async def test_a_crash_behind_a_real_server_shows_no_trace_and_no_message(
        self, tmp_path: Path, database_url: str, database: Database, smtp_server: SmtpServer
    ) -> None:
        settings = production_settings(tmp_path, database_url, smtp_server)
        app = with_probe(create_app(settings, database=database))

        async with live_server(app) as base_url, live_client(base_url) as client:
            response = await client.get("/api/probe/crash")

        assert app.debug is False
        assert response.status_code == 500
        assert response.json() == {
            "error": "Internal server error",
            "details": "Something went wrong on our side; quote the request id to report it.",
            "request_id": response.headers["x-request-id"],
        }
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert SMTP_PASSWORD not in response.text

    async def test_documentation_is_served_without_any_configured_secret(
        self, tmp_path: Path, database_url: str, database: Database, smtp_server: SmtpServer
    ) -> None:
        settings = production_settings(tmp_path, database_url, smtp_server)
        app = create_app(settings, database=database)

        async with app.router.lifespan_context(app), http_client(app) as client:
            answers = [
                await client.get(path)
                for path in ("/docs", "/openapi.json", "/api", "/health", "/health/detailed")
            ]
            metrics = await client.get("/metrics")

        assert [answer.status_code for answer in answers] == [200] * len(answers)
        assert metrics.status_code == 401
        for answer in [*answers, metrics]:
            for secret in SECRETS:
                assert secret not in answer.text, f"{answer.request.url} shows a secret"
