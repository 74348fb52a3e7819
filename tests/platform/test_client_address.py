"""The client address behind proxies: X-Forwarded-For counts only when a trusted proxy sent it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Request

from attune.app import create_app
from attune.platform.client_address import client_address
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import http_client, make_settings

LOAD_BALANCER = ("10.0.0.5", 40000)
EDGE_PROXY = "10.1.2.3"
STRANGER = ("203.0.113.99", 40000)

probe = APIRouter()


@probe.get("/api/probe/whoami")
async def whoami(request: Request) -> dict[str, str]:
    return {"address": client_address(request)}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path, database_url, trusted_proxies="10.0.0.0/8, 2001:db8::/32", rate_limits=True
    )


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> FastAPI:
    app = create_app(settings, database=database, clock=clock)
    app.include_router(probe)
    return app


async def seen_address(
    app: FastAPI, peer: tuple[str, int], forwarded_for: str | None = None
) -> str:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    async with app.router.lifespan_context(app), http_client(app, peer) as client:
        response = await client.get("/api/probe/whoami", headers=headers)
    address: str = response.json()["address"]
    return address


async def test_without_proxy_the_socket_peer_is_the_client(app: FastAPI) -> None:
    assert await seen_address(app, STRANGER) == "203.0.113.99"


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(app: FastAPI) -> None:
    assert await seen_address(app, LOAD_BALANCER, "198.51.100.7") == "198.51.100.7"


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(app: FastAPI) -> None:
    assert await seen_address(app, STRANGER, "198.51.100.7") == "203.0.113.99"


async def test_addresses_the_client_prepended_are_not_believed(app: FastAPI) -> None:
    # The client wrote "1.1.1.1"; the edge proxy appended the address it saw, 198.51.100.7.
    forwarded = f"1.1.1.1, 198.51.100.7, {EDGE_PROXY}"

    assert await seen_address(app, LOAD_BALANCER, forwarded) == "198.51.100.7"


async def test_a_chain_of_trusted_proxies_only_is_read_to_its_start(app: FastAPI) -> None:
    assert await seen_address(app, LOAD_BALANCER, f"10.9.9.9, {EDGE_PROXY}") == "10.9.9.9"


async def test_an_unreadable_hop_stops_the_walk_at_the_last_trusted_proxy(app: FastAPI) -> None:
    forwarded = f"198.51.100.7, not-an-address, {EDGE_PROXY}"

    assert await seen_address(app, LOAD_BALANCER, forwarded) == EDGE_PROXY


async def test_ipv6_proxies_and_clients(app: FastAPI) -> None:
    assert await seen_address(app, ("2001:db8::1", 1), "2001:db8:ffff::2, 2a00::7") == "2a00::7"


async def test_clients_behind_one_trusted_proxy_have_their_own_rate_limits(
    app: FastAPI,
) -> None:
    async with app.router.lifespan_context(app), http_client(app, LOAD_BALANCER) as client:
        for _ in range(5):
            await client.post(
                "/api/auth/login", json={}, headers={"X-Forwarded-For": "198.51.100.1"}
            )
        blocked = await client.post(
            "/api/auth/login", json={}, headers={"X-Forwarded-For": "198.51.100.1"}
        )
        neighbour = await client.post(
            "/api/auth/login", json={}, headers={"X-Forwarded-For": "198.51.100.2"}
        )

    assert blocked.status_code == 429
    assert neighbour.status_code != 429


async def test_spoofed_forwarded_for_does_not_buy_a_fresh_budget(app: FastAPI) -> None:
    async with app.router.lifespan_context(app), http_client(app, STRANGER) as client:
        for number in range(5):
            await client.post(
                "/api/auth/login", json={}, headers={"X-Forwarded-For": f"192.0.2.{number}"}
            )
        spoofed = await client.post(
            "/api/auth/login", json={}, headers={"X-Forwarded-For": "192.0.2.200"}
        )

    assert spoofed.status_code == 429
