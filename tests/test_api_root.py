"""`GET /api/`: seed 003's catalogue, its URLs built from the address the client used."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from attune.app import create_app
from attune.platform.database import Database
from tests.conftest import CLIENT_ADDRESS, http_client, make_settings

SEED_KEYS = {
    "message",
    "version",
    "base_url",
    "project_structure",
    "endpoints",
    "appointment_workflows",
    "authentication_flows",
    "quick_start",
    "data_specifications",
    "authentication_notes",
}


def endpoints(node: Any) -> Iterator[dict[str, Any]]:
    """Every endpoint (an entry with a `url`) in the catalogue."""
    if isinstance(node, dict):
        if "url" in node:
            yield node
        for value in node.values():
            yield from endpoints(value)
    elif isinstance(node, list):
        for item in node:
            yield from endpoints(item)


def urls(node: Any) -> list[str]:
    return [endpoint["url"] for endpoint in endpoints(node)]


# A path parameter as the app declares it (`{request_id:uuid}`) and as seed 003 writes it.
PATH_PARAMETER = re.compile(r"\{[^}]*\}|<[^>]*>")
CATALOGUED_PREFIXES = ("/api/meetings/", "/api/auth/")


def route_key(method: str, path: str) -> tuple[str, str]:
    """`(method, path)` with any parameter as `{}` and no trailing slash."""
    return method, PATH_PARAMETER.sub("{}", path).rstrip("/")


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every method and path the app serves under the catalogued prefixes."""
    return {
        route_key(method, route.path)
        for route in iter_route_contexts(app.routes)
        if route.path and route.path.startswith(CATALOGUED_PREFIXES)
        for method in route.methods or ()
        if method != "HEAD"
    }


async def catalogue(client: httpx.AsyncClient, **headers: str) -> dict[str, Any]:
    response = await client.get("/api/", headers=headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def meetings(body: dict[str, Any], name: str) -> str:
    url: str = body["endpoints"]["appointments"]["endpoints"][name]["url"]
    return url


class TestCatalogue:
    async def test_seed_003_shape(self, client: httpx.AsyncClient) -> None:
        body = await catalogue(client)

        assert set(body) == SEED_KEYS
        assert body["message"] == "Therapy Appointment API"
        assert body["version"] == "1.0.0"
        assert set(body["endpoints"]) == {"authentication", "appointments"}
        assert body["data_specifications"]["availability"]["day_format"] == (
            "0=Monday, 1=Tuesday, ..., 6=Sunday"
        )

    async def test_answers_with_and_without_the_trailing_slash(
        self, client: httpx.AsyncClient
    ) -> None:
        without = await client.get("/api")

        assert without.status_code == 200
        assert without.json() == await catalogue(client)

    async def test_needs_no_authentication_and_is_not_cached(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/api/")

        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"


class TestUrls:
    async def test_follow_the_request_s_host(self, client: httpx.AsyncClient) -> None:
        body = await catalogue(client)

        assert body["base_url"] == "http://testserver/api/"
        assert meetings(body, "admin_availability") == (
            "http://testserver/api/meetings/admin/availability/"
        )
        assert body["endpoints"]["authentication"]["endpoints"]["register"]["url"] == (
            "http://testserver/api/auth/register/"
        )
        advertised = list(urls(body["endpoints"]))
        assert len(advertised) == 23
        assert all(url.startswith("http://testserver/api/") for url in advertised)
        assert "127.0.0.1:8000" not in json.dumps(body)

    async def test_another_host_and_port(self, client: httpx.AsyncClient) -> None:
        body = await catalogue(client, host="attune.example:8443")

        assert body["base_url"] == "http://attune.example:8443/api/"
        assert all(url.startswith("http://attune.example:8443/api/") for url in urls(body))

    async def test_forwarded_headers_from_an_untrusted_peer_change_nothing(
        self, client: httpx.AsyncClient
    ) -> None:
        plain = await catalogue(client)

        forged = await catalogue(
            client, **{"x-forwarded-host": "evil.example", "x-forwarded-proto": "https"}
        )

        assert forged == plain
        assert "evil.example" not in json.dumps(forged)

    async def test_the_available_dates_url_answers(self, client: httpx.AsyncClient) -> None:
        url = meetings(await catalogue(client), "available_dates")

        response = await client.get(url)

        assert response.status_code == 200
        assert isinstance(response.json(), list)

    async def test_every_advertised_endpoint_exists(self, client: httpx.AsyncClient) -> None:
        body = await catalogue(client)

        for endpoint in endpoints(body["endpoints"]):
            url = endpoint["url"].replace("<uuid:pk>", str(uuid.uuid4()))
            for method in endpoint["methods"]:
                # Anonymous and with an empty body: refused by the route itself, never unrouted.
                json_body: dict[str, Any] | None = None if method == "GET" else {}
                response = await client.request(method, url, json=json_body)
                assert response.status_code in (200, 400, 401), f"{method} {url}"


class TestCompleteness:
    async def test_every_route_under_meetings_and_auth_is_catalogued(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        body = await catalogue(client)
        catalogued = {
            route_key(method, urlsplit(endpoint["url"]).path)
            for endpoint in endpoints(body["endpoints"])
            for method in endpoint["methods"]
        }

        served = app_routes(app)

        assert served - catalogued == set(), "served but missing from GET /api/"
        assert catalogued - served == set(), "catalogued but not served"

    async def test_lists_the_beyond_the_seed_appointment_actions(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await catalogue(client)

        assert meetings(body, "reschedule_appointment") == (
            "http://testserver/api/meetings/appointments/<uuid:pk>/reschedule/"
        )
        assert meetings(body, "withdraw_appointment") == (
            "http://testserver/api/meetings/appointments/<uuid:pk>/withdraw/"
        )


class TestBehindATrustedProxy:
    @pytest.fixture
    async def proxied(
        self, tmp_path: Path, database_url: str, database: Database
    ) -> AsyncIterator[httpx.AsyncClient]:
        # The test client's address is the proxy's.
        settings = make_settings(
            tmp_path, database_url, trusted_proxies=[f"{CLIENT_ADDRESS[0]}/32"]
        )
        app = create_app(settings, database=database)
        async with app.router.lifespan_context(app), http_client(app) as client:
            yield client

    async def test_the_proxy_s_scheme_and_host_are_used(self, proxied: httpx.AsyncClient) -> None:
        body = await catalogue(
            proxied, **{"x-forwarded-host": "attune.example", "x-forwarded-proto": "https"}
        )

        assert body["base_url"] == "https://attune.example/api/"
        assert all(url.startswith("https://attune.example/api/") for url in urls(body))

    async def test_the_nearest_proxy_s_entry_wins(self, proxied: httpx.AsyncClient) -> None:
        body = await catalogue(
            proxied,
            **{"x-forwarded-host": "forged.example, attune.example", "x-forwarded-proto": "https"},
        )

        assert body["base_url"] == "https://attune.example/api/"

    @pytest.mark.parametrize(
        "forwarded_host", ["evil.example/path?", "attune.example@evil.example", "a b", ""]
    )
    async def test_a_malformed_forwarded_host_is_ignored(
        self, proxied: httpx.AsyncClient, forwarded_host: str
    ) -> None:
        body = await catalogue(
            proxied, **{"x-forwarded-host": forwarded_host, "x-forwarded-proto": "ftp"}
        )

        assert body["base_url"] == "http://testserver/api/"
