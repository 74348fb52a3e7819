"""OWASP API5:2023 Broken Function Level Authorisation.

The app's routes are walked, not listed by hand, so a route added tomorrow is covered the day
it is added. A route is the therapist's when `require_staff` is in its dependency tree (the
`StaffActor` alias or a router's dependency) or when its path says so (`/api/admin/`,
`/api/meetings/admin/`, an appointment request's schedule, reschedule, reject and stats).
Each refuses anonymous callers (401) and clients (403), in both path styles, and changes
nothing. Every route outside a short list of public ones needs a token.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.security.practice import Practice, open_practice, snapshot
from tests.security.routes import PATH_PARAMETER, PUBLIC_ROUTES, Endpoint, endpoints
from tests.support.people import Person

KNOWN_ADMIN_ROUTES = {
    ("GET", "/api/admin/dashboard"),
    ("GET", "/api/admin/users"),
    ("PUT", "/api/admin/users/{user_id}"),
    ("POST", "/api/admin/bookings/{booking_id}/refund"),
    ("GET", "/api/admin/reports/financial"),
    ("POST", "/api/admin/schedules"),
    ("DELETE", "/api/admin/schedules/{schedule_id:int}"),
    ("PUT", "/api/meetings/admin/availability"),
    ("GET", "/api/meetings/appointments/stats"),
    ("POST", "/api/meetings/appointments/{request_id:uuid}/schedule"),
    ("POST", "/api/meetings/appointments/{request_id:uuid}/reject"),
}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def concrete_path(endpoint: Endpoint, practice: Practice) -> str:
    """The path with each parameter filled by an object of the practice."""
    values = {
        "booking_id": str(practice.booking),
        "user_id": str(practice.other.id),
        "schedule_id": str(practice.free_slot),
        "request_id": practice.request,
        # The practice's first service, made with its first therapist.
        "service_id": "1",
    }

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            pytest.fail(f"{endpoint.key}: give the path parameter {name!r} a value in this test")
        return values[name]

    return PATH_PARAMETER.sub(value, endpoint.path)


async def call(
    client: httpx.AsyncClient, method: str, path: str, person: Person | None
) -> httpx.Response:
    return await client.request(
        method,
        path,
        json={} if method in BODY_METHODS else None,
        headers=person.headers if person else None,
    )


class TestTheWalk:
    def test_finds_the_known_admin_routes(self, app: FastAPI) -> None:
        admin_only = {endpoint.key for endpoint in endpoints(app) if endpoint.is_admin_only()}

        assert admin_only >= KNOWN_ADMIN_ROUTES

    def test_every_admin_path_carries_the_admin_dependency(self, app: FastAPI) -> None:
        unguarded = [
            endpoint.key
            for endpoint in endpoints(app)
            if endpoint.is_admin_by_path() and not endpoint.depends_on_admin()
        ]

        assert unguarded == []

    def test_every_public_route_exists(self, app: FastAPI) -> None:
        """A renamed public route must leave this list, or the list would excuse a new one."""
        assert {endpoint.key for endpoint in endpoints(app)} >= PUBLIC_ROUTES


class TestAdminRoutes:
    async def test_refuse_anonymous_callers_and_clients_and_change_nothing(
        self, client: httpx.AsyncClient, app: FastAPI, database: Database, settings: Settings
    ) -> None:
        practice = await open_practice(client, database, settings)
        admin_only = [endpoint for endpoint in endpoints(app) if endpoint.is_admin_only()]
        before = await snapshot(database)

        wrong = []
        for endpoint in admin_only:
            path = concrete_path(endpoint, practice)
            for shown in (path, path + "/"):
                anonymous = await call(client, endpoint.method, shown, None)
                as_client = await call(client, endpoint.method, shown, practice.owner)
                if (anonymous.status_code, anonymous.json()) != (
                    401,
                    {
                        "error": "User not authenticated",
                        "details": "Log in, then send the access token as "
                        "`Authorization: Bearer <token>`.",
                    },
                ):
                    wrong.append(f"anonymous {endpoint.method} {shown}: {anonymous.text}")
                if (as_client.status_code, as_client.json()) != (
                    403,
                    {
                        "error": "Admin access required",
                        "details": "Only the practice's admins may do this.",
                    },
                ):
                    wrong.append(f"client {endpoint.method} {shown}: {as_client.text}")

        assert len(admin_only) >= len(KNOWN_ADMIN_ROUTES)
        assert wrong == []
        assert await snapshot(database) == before

    async def test_head_is_not_a_way_round_them(
        self, client: httpx.AsyncClient, app: FastAPI, database: Database, settings: Settings
    ) -> None:
        practice = await open_practice(client, database, settings)
        reads = [e for e in endpoints(app) if e.is_admin_only() and e.method == "GET"]

        answered = {
            e.path: (await client.head(concrete_path(e, practice), headers=practice.owner.headers))
            for e in reads
        }

        assert reads
        assert {path for path, response in answered.items() if response.status_code < 400} == set()


class TestEveryOtherRoute:
    async def test_needs_a_token_unless_public_by_design(
        self, client: httpx.AsyncClient, app: FastAPI, database: Database, settings: Settings
    ) -> None:
        practice = await open_practice(client, database, settings)
        private = [
            endpoint
            for endpoint in endpoints(app)
            if endpoint.key not in PUBLIC_ROUTES and not endpoint.is_admin_only()
        ]
        before = await snapshot(database)

        wrong = []
        for endpoint in private:
            response = await call(client, endpoint.method, concrete_path(endpoint, practice), None)
            if response.status_code != 401:
                wrong.append(f"{endpoint.method} {endpoint.path}: {response.status_code}")

        assert private
        assert wrong == []
        assert await snapshot(database) == before
