"""Rate limits (docs/decisions.md, "Platform") on memory and on Redis, as a client meets them."""

from __future__ import annotations

import functools
import logging
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from attune.accounts.tokens import access_token_user_id, issue_access_token
from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.ratelimit import STRICT_PATHS, RateLimiter
from attune.platform.settings import Settings
from tests.conftest import COUNTING_STORAGE_TIMEOUT, http_client, make_settings

probe = APIRouter()


@probe.get("/api/probe/ping")
async def ping() -> dict[str, str]:
    return {"status": "pong"}


@probe.get("/api/admin/probe")
async def admin_probe() -> dict[str, str]:
    return {"status": "pong"}


@pytest.fixture(params=["memory", "redis"])
def redis_storage_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
def key_prefix() -> str:
    """Counters of this test only, so tests (and test runs) sharing a Redis never interfere."""
    return f"attune-test-{uuid.uuid4().hex}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_storage_url: str | None) -> Settings:
    return make_settings(tmp_path, database_url, rate_limits=True, redis_url=redis_storage_url)


async def limited_app(settings: Settings, database: Database, clock: Clock, prefix: str) -> FastAPI:
    app = create_app(settings, database=database, clock=clock)
    app.include_router(probe)
    await app.state.rate_limiter.close()
    app.state.rate_limiter = RateLimiter(
        settings,
        functools.partial(access_token_user_id, settings),
        key_prefix=prefix,
        storage_timeout=COUNTING_STORAGE_TIMEOUT,
    )
    return app


@pytest.fixture
async def app(settings: Settings, database: Database, clock: Clock, key_prefix: str) -> FastAPI:
    return await limited_app(settings, database, clock, key_prefix)


def remaining(response: httpx.Response) -> int:
    return int(response.headers["x-ratelimit-remaining"])


async def test_responses_carry_limit_headers_that_count_down(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/probe/ping")
    second = await client.get("/api/probe/ping/")
    not_found = await client.get("/api/probe/nothing-here")

    assert first.headers["x-ratelimit-limit"] == "100"
    assert [remaining(first), remaining(second), remaining(not_found)] == [99, 98, 97]
    reset = int(first.headers["x-ratelimit-reset"])
    assert time.time() < reset <= time.time() + 61


async def test_general_limit_refuses_the_101st_request_in_a_minute(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(100):
        assert (await client.get("/api/probe/ping")).status_code == 200

    refused = await client.get("/api/probe/ping")

    assert refused.status_code == 429
    assert refused.json()["error"] == "Too many requests"
    assert remaining(refused) == 0
    assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_credential_endpoints_allow_five_a_minute(client: httpx.AsyncClient) -> None:
    answers = [await client.post("/api/auth/login", json={}) for _ in range(3)]
    answers += [await client.post("/api/auth/login/", json={}) for _ in range(2)]

    refused = await client.post("/api/auth/login/", json={})

    assert [answer.status_code != 429 for answer in answers] == [True] * 5
    assert [remaining(answer) for answer in answers] == [4, 3, 2, 1, 0]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    # The strict budget is its own: other endpoints still answer.
    assert (await client.get("/api/probe/ping")).status_code == 200


@pytest.mark.parametrize("path", sorted(STRICT_PATHS))
async def test_every_credential_endpoint_has_the_strict_limit(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path + "/", json={})

    assert response.headers["x-ratelimit-limit"] == "5"


async def test_admin_endpoints_are_limited_per_admin(
    client: httpx.AsyncClient, settings: Settings, clock: Clock
) -> None:
    alice = issue_access_token(settings, user_id=1, session_id="s-1", now=clock.now())
    bob = issue_access_token(settings, user_id=2, session_id="s-2", now=clock.now())

    for _ in range(3):
        as_alice = await client.get(
            "/api/admin/probe", headers={"Authorization": f"Bearer {alice}"}
        )
    as_bob = await client.get("/api/admin/probe", headers={"Authorization": f"Bearer {bob}"})
    anonymous = await client.get("/api/admin/probe")

    assert as_alice.headers["x-ratelimit-limit"] == "200"
    assert remaining(as_alice) == 197
    assert remaining(as_bob) == 199
    # Without a valid token the request counts against the address's general budget.
    assert anonymous.headers["x-ratelimit-limit"] == "100"
    assert remaining(anonymous) == 99


@pytest.mark.parametrize(
    "path", ["/api/meetings/admin/availability", "/api/meetings/admin/availability/"]
)
async def test_contract_003_admin_paths_have_the_admin_limit(
    client: httpx.AsyncClient, settings: Settings, clock: Clock, path: str
) -> None:
    token = issue_access_token(settings, user_id=1, session_id="s-1", now=clock.now())

    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})

    assert response.headers["x-ratelimit-limit"] == "200"


async def test_an_admin_gets_200_a_minute_and_then_429(
    client: httpx.AsyncClient, settings: Settings, clock: Clock
) -> None:
    token = issue_access_token(settings, user_id=7, session_id="s-7", now=clock.now())
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(200):
        assert (await client.get("/api/admin/probe", headers=headers)).status_code == 200

    refused = await client.get("/api/admin/probe", headers=headers)

    assert refused.status_code == 429


async def test_forged_token_falls_back_to_the_per_address_limit(
    client: httpx.AsyncClient, settings: Settings, clock: Clock
) -> None:
    token = issue_access_token(settings, user_id=1, session_id="s-1", now=clock.now())
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    response = await client.get("/api/admin/probe", headers={"Authorization": f"Bearer {forged}"})

    assert response.headers["x-ratelimit-limit"] == "100"


async def test_health_and_metrics_are_never_limited(client: httpx.AsyncClient) -> None:
    for _ in range(105):
        response = await client.get("/health")
        assert response.status_code == 200
    detailed = await client.get("/health/detailed/")
    metrics = await client.get("/metrics")

    for answer in (response, detailed, metrics):
        assert answer.status_code == 200
        assert "x-ratelimit-limit" not in answer.headers


async def test_clients_at_different_addresses_have_separate_budgets(
    app: FastAPI,
) -> None:
    async with app.router.lifespan_context(app):
        async with http_client(app, ("198.51.100.1", 1000)) as first:
            for _ in range(5):
                await first.post("/api/auth/login", json={})
            assert (await first.post("/api/auth/login", json={})).status_code == 429
        async with http_client(app, ("198.51.100.2", 1000)) as second:
            assert (await second.post("/api/auth/login", json={})).status_code != 429


async def test_limits_are_off_when_disabled(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    settings = make_settings(tmp_path, database_url, rate_limits=False)
    app = create_app(settings, database=database)
    async with app.router.lifespan_context(app), http_client(app) as client:
        answers = [await client.post("/api/auth/login", json={}) for _ in range(6)]

    assert all(answer.status_code != 429 for answer in answers)
    assert all("x-ratelimit-limit" not in answer.headers for answer in answers)


@pytest.mark.redis
async def test_two_processes_sharing_redis_share_one_budget(
    tmp_path: Path, database_url: str, database: Database, redis_url: str, key_prefix: str
) -> None:
    settings = make_settings(tmp_path, database_url, rate_limits=True, redis_url=redis_url)
    first = await limited_app(settings, database, Clock(), key_prefix)
    second = await limited_app(settings, database, Clock(), key_prefix)

    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
        http_client(first) as to_first,
        http_client(second) as to_second,
    ):
        for _ in range(3):
            await to_first.post("/api/auth/login", json={})
        answers = [await to_second.post("/api/auth/login", json={}) for _ in range(3)]

    assert [remaining(answer) for answer in answers[:2]] == [1, 0]
    assert answers[2].status_code == 429


async def test_unreachable_redis_lets_requests_through_with_a_warning(
    tmp_path: Path, database_url: str, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 1 on the loopback: nothing listens there, so every connection is refused.
    settings = make_settings(
        tmp_path, database_url, rate_limits=True, redis_url="redis://127.0.0.1:1/0"
    )
    app = create_app(settings, database=database)
    app.include_router(probe)
    with caplog.at_level(logging.WARNING, logger="attune.ratelimit"):
        async with app.router.lifespan_context(app), http_client(app) as client:
            answers = [await client.get("/api/probe/ping") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all("x-ratelimit-limit" not in answer.headers for answer in answers)
    warnings = [r for r in caplog.records if r.name == "attune.ratelimit"]
    assert len(warnings) == 1
    assert "not limited" in warnings[0].getMessage()
