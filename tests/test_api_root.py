"""`GET /api/`: seed 003's catalogue of every operation, generated from the route table, its URLs
under ATTUNE_PUBLIC_URL (or paths), never from the request's Host."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import ValidationError

from attune import __version__
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
PUBLIC_URL = "https://attune.example/practice"


def route_key(method: str, path: str) -> tuple[str, str]:
    """`(method, path)` with any parameter as `{}` and no trailing slash."""
    return method, PATH_PARAMETER.sub("{}", path).rstrip("/")


def app_operations(app: FastAPI) -> set[tuple[str, str]]:
    """Every operation the app serves and documents: each method of each API route."""
    return {
        route_key(method, str(context.path))
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.original_route.include_in_schema
        for method in context.methods or ()
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
        assert {"authentication", "appointments"} <= set(body["endpoints"])
        assert body["data_specifications"]["availability"]["day_format"] == (
            "0=Monday, 1=Tuesday, ..., 6=Sunday"
        )

    async def test_the_version_is_the_package_s(self, client: httpx.AsyncClient) -> None:
        body = await catalogue(client)

        assert body["version"] == __version__ == version("attune")

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


class TestCompleteness:
    async def test_every_operation_is_catalogued_and_nothing_else(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        body = await catalogue(client)
        catalogued = [
            route_key(method, urlsplit(endpoint["url"]).path)
            for endpoint in endpoints(body["endpoints"])
            for method in endpoint["methods"]
        ]

        served = app_operations(app)

        assert len(catalogued) == len(set(catalogued)), "an operation is catalogued twice"
        assert served - set(catalogued) == set(), "served but missing from GET /api/"
        assert set(catalogued) - served == set(), "catalogued but not served"

    async def test_both_contracts_groups_are_there(self, client: httpx.AsyncClient) -> None:
        groups = (await catalogue(client))["endpoints"]

        assert {"schedules", "bookings", "payments", "admin"} <= set(groups)
        assert groups["bookings"]["endpoints"]["create_booking"]["url"] == "/api/bookings"
        assert groups["admin"]["endpoints"]["refund_booking"]["url"] == (
            "/api/admin/bookings/{booking_id}/refund"
        )

    async def test_lists_the_beyond_the_seed_appointment_actions(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await catalogue(client)

        assert meetings(body, "reschedule_appointment") == (
            "/api/meetings/appointments/<uuid:pk>/reschedule/"
        )
        assert meetings(body, "withdraw_appointment") == (
            "/api/meetings/appointments/<uuid:pk>/withdraw/"
        )

    async def test_every_advertised_endpoint_exists(self, client: httpx.AsyncClient) -> None:
        body = await catalogue(client)

        for endpoint in endpoints(body["endpoints"]):
            url = endpoint["url"].replace("<uuid:pk>", str(uuid.uuid4()))
            url = re.sub(r"\{[^}]*\}", "1", url)
            for method in endpoint["methods"]:
                # Anonymous and with an empty body: refused by the route itself, never unrouted
                # (the webhook answers 503 while no signing secret is configured).
                json_body: dict[str, Any] | None = None if method in ("GET", "DELETE") else {}
                response = await client.request(method, url, json=json_body)
                assert response.status_code in (200, 400, 401, 503), f"{method} {url}"


class TestAuthenticationAndFields:
    async def test_each_endpoint_says_who_may_call_it(self, client: httpx.AsyncClient) -> None:
        groups = (await catalogue(client))["endpoints"]

        assert groups["bookings"]["endpoints"]["list_bookings"]["authentication"] == "Required"
        assert groups["admin"]["endpoints"]["list_users"]["authentication"] == (
            "Required (Staff users only)"
        )
        assert groups["schedules"]["endpoints"]["list_day"]["authentication"] == "None required"
        assert meetings_entry(groups, "schedule_appointment")["authentication"] == (
            "Required (Staff users only)"
        )
        assert meetings_entry(groups, "create_appointment")["authentication"].startswith("Optional")

    async def test_an_anonymous_call_to_a_required_endpoint_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await catalogue(client)

        for endpoint in endpoints(body["endpoints"]):
            if not endpoint["authentication"].startswith("Required"):
                continue
            url = re.sub(r"\{[^}]*\}", "1", endpoint["url"].replace("<uuid:pk>", str(uuid.uuid4())))
            for method in endpoint["methods"]:
                response = await client.request(method, url)
                assert response.status_code == 401, f"{method} {url}"

    async def test_password2_is_optional(self, client: httpx.AsyncClient) -> None:
        register = (await catalogue(client))["endpoints"]["authentication"]["endpoints"]["register"]

        assert register["required_fields"] == ["first_name", "last_name", "email", "password"]
        assert "password2" in register["optional_fields"]

    async def test_a_body_of_only_the_required_fields_is_accepted(
        self, client: httpx.AsyncClient
    ) -> None:
        register = (await catalogue(client))["endpoints"]["authentication"]["endpoints"]["register"]
        values = {
            "first_name": "Ada",
            "last_name": "Byron",
            "email": "ada@example.com",
            "password": "correct-horse-battery",
        }

        response = await client.post(
            register["url"], json={name: values[name] for name in register["required_fields"]}
        )

        assert response.status_code == 201, response.text

    async def test_each_required_field_is_required(self, client: httpx.AsyncClient) -> None:
        register = (await catalogue(client))["endpoints"]["authentication"]["endpoints"]["register"]
        values = {
            "first_name": "Ada",
            "last_name": "Byron",
            "email": "ada@example.com",
            "password": "correct-horse-battery",
        }

        for missing in register["required_fields"]:
            sent = {name: value for name, value in values.items() if name != missing}
            response = await client.post(register["url"], json=sent)
            assert response.status_code == 400, missing


def meetings_entry(groups: dict[str, Any], name: str) -> dict[str, Any]:
    entry: dict[str, Any] = groups["appointments"]["endpoints"][name]
    return entry


async def test_metrics_need_the_token_when_one_is_set(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    settings = make_settings(tmp_path, database_url, metrics_token="m" * 32)
    app = create_app(settings, database=database)
    async with app.router.lifespan_context(app), http_client(app) as client:
        groups = (await catalogue(client))["endpoints"]
        anonymous = await client.get("/metrics")

    assert groups["monitoring"]["endpoints"]["read_metrics"]["authentication"].startswith(
        "Required"
    )
    assert anonymous.status_code == 401


class TestUrls:
    async def test_are_paths_without_a_public_url(self, client: httpx.AsyncClient) -> None:
        body = await catalogue(client)

        assert body["base_url"] == "/api/"
        assert meetings(body, "admin_availability") == "/api/meetings/admin/availability/"
        assert body["endpoints"]["authentication"]["endpoints"]["register"]["url"] == (
            "/api/auth/register/"
        )
        assert all(url.startswith("/") for url in urls(body["endpoints"]))
        assert "127.0.0.1:8000" not in json.dumps(body)
        assert "testserver" not in json.dumps(body)

    async def test_the_host_header_changes_nothing(self, client: httpx.AsyncClient) -> None:
        plain = await catalogue(client)

        forged = await catalogue(client, host="evil.example:8443")

        assert forged == plain
        assert "evil.example" not in json.dumps(forged)

    async def test_forwarded_headers_change_nothing(self, client: httpx.AsyncClient) -> None:
        plain = await catalogue(client)

        forged = await catalogue(
            client, **{"x-forwarded-host": "evil.example", "x-forwarded-proto": "https"}
        )

        assert forged == plain

    async def test_the_available_dates_url_answers(self, client: httpx.AsyncClient) -> None:
        url = meetings(await catalogue(client), "available_dates")

        response = await client.get(url)

        assert response.status_code == 200
        assert isinstance(response.json(), list)


class TestPublicUrl:
    @pytest.fixture
    async def public(
        self, tmp_path: Path, database_url: str, database: Database
    ) -> AsyncIterator[httpx.AsyncClient]:
        # Even a trusted proxy's forwarded host does not count: the setting does.
        settings = make_settings(
            tmp_path,
            database_url,
            public_url=PUBLIC_URL + "/",
            trusted_proxies=[f"{CLIENT_ADDRESS[0]}/32"],
        )
        app = create_app(settings, database=database)
        async with app.router.lifespan_context(app), http_client(app) as client:
            yield client

    async def test_every_url_starts_with_it(self, public: httpx.AsyncClient) -> None:
        body = await catalogue(
            public,
            host="evil.example",
            **{"x-forwarded-host": "evil.example", "x-forwarded-proto": "http"},
        )

        assert body["base_url"] == f"{PUBLIC_URL}/api/"
        assert meetings(body, "available_dates") == (
            f"{PUBLIC_URL}/api/meetings/appointments/available-dates/"
        )
        assert all(
            url.startswith(f"{PUBLIC_URL}/api/") or url.startswith(f"{PUBLIC_URL}/")
            for url in urls(body["endpoints"])
        )
        assert "evil.example" not in json.dumps(body)

    @pytest.mark.parametrize(
        "value", ["ftp://attune.example", "attune.example", "https://attune.example/?a=b"]
    )
    def test_a_malformed_one_is_refused(self, tmp_path: Path, value: str) -> None:
        with pytest.raises(ValidationError):
            make_settings(tmp_path, "sqlite+aiosqlite://", public_url=value)
