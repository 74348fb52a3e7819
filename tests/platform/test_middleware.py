"""Request ids, security headers, CORS and trailing slashes, seen from a client."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.settings import Environment, Settings
from tests.conftest import http_client, make_settings

ALLOWED_ORIGIN = "https://app.example.org"

probe = APIRouter()


class Greeting(BaseModel):
    name: str


@probe.get("/api/probe/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


@probe.post("/api/probe/greetings", status_code=201)
async def greet(greeting: Greeting) -> dict[str, str]:
    return {"message": f"Hello {greeting.name}"}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, cors_origins=ALLOWED_ORIGIN)


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> FastAPI:
    app = create_app(settings, database=database, clock=clock)
    app.include_router(probe)
    return app


async def test_every_response_gets_a_fresh_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/api/no-such-thing")

    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_safe_incoming_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "lb-7f3a.9_b-2"})

    assert response.headers["x-request-id"] == "lb-7f3a.9_b-2"


@pytest.mark.parametrize("unsafe", ["a b", "x" * 65, "<script>", "id;rm"])
async def test_an_unsafe_incoming_request_id_is_replaced(
    client: httpx.AsyncClient, unsafe: str
) -> None:
    response = await client.get("/health", headers={"X-Request-ID": unsafe})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_api_responses_carry_security_headers_and_are_not_cached(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/probe/items/1")

    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers


async def test_docs_page_may_run_only_its_own_scripts(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "https:" not in policy
    assert "frame-ancestors 'none'" in policy


async def test_production_responses_demand_https(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    settings = make_settings(tmp_path, database_url, env=Environment.production)
    app = create_app(settings, database=database)
    async with app.router.lifespan_context(app), http_client(app) as client:
        response = await client.get("/health")

    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_preflight_from_an_allowed_origin_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/probe/greetings",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_preflight_from_another_origin_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/probe/greetings",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "CORS request not allowed"
    assert "access-control-allow-origin" not in response.headers


async def test_cross_origin_response_exposes_request_id_and_rate_limit_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/probe/items/1", headers={"Origin": ALLOWED_ORIGIN})

    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = response.headers["access-control-expose-headers"]
    assert "X-Request-ID" in exposed
    assert "X-RateLimit-Remaining" in exposed


async def test_no_cors_headers_without_configured_origins(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    app = create_app(make_settings(tmp_path, database_url), database=database)
    async with app.router.lifespan_context(app), http_client(app) as client:
        response = await client.get("/health", headers={"Origin": ALLOWED_ORIGIN})

    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]


async def test_get_answers_with_and_without_trailing_slash(client: httpx.AsyncClient) -> None:
    plain = await client.get("/api/probe/items/7")
    slashed = await client.get("/api/probe/items/7/")

    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json() == {"id": 7}


async def test_post_with_trailing_slash_is_served_not_redirected(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/probe/greetings/", json={"name": "Ada"})

    assert response.status_code == 201
    assert response.json() == {"message": "Hello Ada"}


async def test_root_path_keeps_its_slash(client: httpx.AsyncClient) -> None:
    response = await client.get("/")

    # The home page answers at "/" itself.
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_an_unknown_page_is_an_html_404_and_an_unknown_api_path_a_json_one(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/no-such-page")
    api = await client.get("/api/no-such-path")

    assert page.status_code == 404
    assert "Page not found" in page.text
    assert api.status_code == 404
    assert api.json() == {
        "error": "Not found",
        "details": "No endpoint answers at this path; GET /api/ lists them.",
    }
