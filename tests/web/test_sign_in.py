"""Signing in and out of the pages, who may open the back office, and the CSRF token."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.pages import sign_in
from tests.support.people import PASSWORD, add_admin, add_client

# Every page of the back office: none opens for a client or a visitor.
BACK_OFFICE = (
    "/admin/",
    "/admin/calendar",
    "/admin/bookings",
    "/admin/requests",
    "/admin/clients",
    "/admin/availability",
    "/admin/reports",
    "/admin/audit-log",
    "/admin/settings",
)


class TestHome:
    async def test_shows_the_ways_in(self, page: Page, tmp_path: Path) -> None:
        await page.goto("/")

        for name in ("Book a session", "Request an appointment", "Sign in", "Create account"):
            await expect(page.get_by_role("link", name=name, exact=True).first).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "home", tmp_path)

    async def test_fits_a_phone(self, phone: Page) -> None:
        await phone.goto("/")

        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)


class TestSignIn:
    async def test_a_visitor_to_the_back_office_signs_in_and_lands_there(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        await page.goto("/admin/")
        await expect(page).to_have_url(re.compile(r"/login\?next=/admin"))
        await assert_accessible(page)
        await page.get_by_label("Email").fill(admin.email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()

        await expect(page).to_have_url(re.compile(r"/admin/?$"))
        await expect(page.get_by_role("heading", name="Today")).to_be_visible()

    async def test_a_wrong_password_and_an_unknown_address_read_the_same(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        messages = []
        for email in (client.email, "nobody@example.com"):
            await page.goto("/login")
            await page.get_by_label("Email").fill(email)
            await page.get_by_label("Password").fill("not the password")
            await page.get_by_role("button", name="Sign in").click()
            alert = page.get_by_role("alert")
            await expect(alert).to_be_visible()
            messages.append(await alert.inner_text())
            # What was typed stays, but never the password.
            await expect(page.get_by_label("Email")).to_have_value(email)
            await expect(page.get_by_label("Password")).to_have_value("")

        assert messages[0] == messages[1]
        assert "not right" in messages[0]

    async def test_a_client_never_sees_the_back_office(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        await sign_in(page, client.email)

        for path in BACK_OFFICE:
            response = await page.goto(path)
            assert response is not None
            assert response.status == 403, path
            await expect(
                page.get_by_role("heading", name="This page is for the practice")
            ).to_be_visible()
            await expect(page.get_by_role("link", name="Calendar")).to_have_count(0)

    async def test_signing_out_ends_the_session(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)
        cookies = await page.context.cookies()
        session = next(c["value"] for c in cookies if c["name"] == "attune_session")

        await page.get_by_role("button", name="Sign out").click()

        await expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
        # The old cookie, replayed, opens nothing.
        async with httpx.AsyncClient(base_url=site) as http:
            http.cookies.set("attune_session", session)
            response = await http.get("/admin/")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


class TestCsrf:
    async def test_a_form_posted_without_its_token_changes_nothing(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)
        cookies = {c["name"]: c["value"] for c in await page.context.cookies()}

        async with httpx.AsyncClient(base_url=site) as http:
            for name, value in cookies.items():
                http.cookies.set(name, value)
            without = await http.post("/logout", data={})
            forged = await http.post("/logout", data={"csrf_token": "0" * 64})
            still_in = await http.get("/admin/")

        assert without.status_code == 403
        assert forged.status_code == 403
        assert "This form has expired" in without.text
        assert still_in.status_code == 200

    async def test_sign_in_without_a_token_is_refused(
        self, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        async with httpx.AsyncClient(base_url=site) as http:
            response = await http.post("/login", data={"email": admin.email, "password": PASSWORD})

        assert response.status_code == 403
        assert "attune_session" not in response.cookies


class TestHeaders:
    async def test_pages_forbid_inline_script_and_framing(self, site: str) -> None:
        async with httpx.AsyncClient(base_url=site) as http:
            response = await http.get("/login")

        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["cache-control"] == "no-store"
        assert "<script>" not in response.text
