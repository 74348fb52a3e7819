"""Every page route, walked: the back office opens for the practice alone, and every other page
that needs a person sends a visitor to sign in first."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.web.routing import PageRoute
from tests.support.page_client import sign_in_over_http
from tests.support.people import add_admin, add_client

# Pages anyone may open (a stranger's data is never on them).
PATH_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")
PUBLIC_PAGES = {
    "/",
    "/login",
    "/register",
    "/verify",
    "/forgot-password",
    "/reset-password",
    "/invitation",
    "/book",
    "/book/{slot_id}",
    "/request",
    "/request/sent",
    "/therapists",
    "/services",
}


def page_paths(app: FastAPI, method: str) -> list[str]:
    return sorted(
        str(context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, PageRoute) and method in (context.methods or ())
    )


def concrete(path: str) -> str:
    """A path with each `{parameter}` filled with an id that exists in no test's data."""

    def unknown(match: re.Match[str]) -> str:
        is_uuid = match.group(2) == "uuid" or match.group(1) == "request_id"
        return "00000000-0000-4000-8000-000000000000" if is_uuid else "999999"

    return PATH_PARAMETER.sub(unknown, path)


class TestBackOffice:
    async def test_every_page_sends_a_visitor_to_sign_in(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        admin_pages = [path for path in page_paths(app, "GET") if path.startswith("/admin")]

        answers = {path: await client.get(concrete(path)) for path in admin_pages}

        assert len(admin_pages) >= 9
        wrong = {
            path: response.status_code
            for path, response in answers.items()
            if response.status_code != 303 or not response.headers["location"].startswith("/login")
        }
        assert wrong == {}

    async def test_no_page_opens_for_a_client(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        person = await add_client(database, settings)
        await sign_in_over_http(client, person.email)
        admin_pages = [path for path in page_paths(app, "GET") if path.startswith("/admin")]

        answers = {path: await client.get(concrete(path)) for path in admin_pages}

        assert {path: r.status_code for path, r in answers.items() if r.status_code != 403} == {}
        assert all("This page is for the practice" in r.text for r in answers.values())

    async def test_the_practice_opens_every_page(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in_over_http(client, admin.email)
        pages = [p for p in page_paths(app, "GET") if p.startswith("/admin") and "{" not in p]

        answers = {path: await client.get(path) for path in pages}

        assert {path: r.status_code for path, r in answers.items() if r.status_code != 200} == {}


class TestClientPages:
    async def test_every_private_page_sends_a_visitor_to_sign_in(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        private = [
            path
            for path in page_paths(app, "GET")
            if not path.startswith("/admin") and path not in PUBLIC_PAGES
        ]

        answers = {path: await client.get(concrete(path)) for path in private}

        wrong = {
            path: response.status_code
            for path, response in answers.items()
            if response.status_code != 303 or not response.headers["location"].startswith("/login")
        }
        assert wrong == {}

    async def test_no_form_is_taken_without_its_token(
        self, app: FastAPI, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in_over_http(client, admin.email)

        answers = {
            path: await client.post(concrete(path), data={"anything": "x"})
            for path in page_paths(app, "POST")
        }

        assert answers
        assert {path: r.status_code for path, r in answers.items() if r.status_code != 403} == {}
