"""A walk through every main page of a practice in the middle of its week, as a visitor, a
client and the therapist would open them: each page passes axe-core's WCAG 2.2 AA rules, fits a
phone without scrolling sideways, loads nothing from outside 127.0.0.1, and is photographed at
desktop and phone widths (`make screenshots` writes them into docs/screenshots/ for the
README)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Page, expect

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.pages import sign_in
from tests.support.practice_week import practice_week


async def visit(page: Page, path: str, name: str, folder: Path) -> None:
    response = await page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path}: {response.status}"
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await assert_accessible(page)
    await screenshots(page, name, folder)
    await page.set_viewport_size({"width": 375, "height": 812})
    await assert_no_sideways_scroll(page)
    await assert_accessible(page)
    await page.set_viewport_size({"width": 1280, "height": 900})


async def test_every_main_page(
    page: Page, site: str, database: Database, settings: Settings, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=site) as http:
        week = await practice_week(http, database, settings)
    zone = ZoneInfo(settings.practice_timezone)
    tomorrow = (datetime.now(UTC).astimezone(zone) + timedelta(days=1)).date().isoformat()

    # A visitor.
    await visit(page, "/", "home", tmp_path)
    await visit(page, f"/book?date={tomorrow}", "book", tmp_path)
    await visit(page, "/therapists", "therapists", tmp_path)
    await visit(page, "/services", "services", tmp_path)
    await visit(page, "/request", "request", tmp_path)
    await visit(page, "/register", "register", tmp_path)
    await visit(page, "/login", "sign-in", tmp_path)

    # A client.
    client = week.clients[0]
    await sign_in(page, client.email)
    await visit(page, "/bookings", "my-bookings", tmp_path)
    await visit(page, f"/bookings/{week.bookings[0]}", "booking", tmp_path)
    await visit(page, f"/book/{week.free_slots[-1]}", "book-slot", tmp_path)
    await visit(page, "/profile", "profile", tmp_path)
    await page.get_by_role("button", name="Sign out").click()

    # The therapist.
    await sign_in(page, week.therapist.email)
    for path, name in (
        ("/admin/", "admin-today"),
        ("/admin/calendar", "admin-calendar"),
        ("/admin/bookings", "admin-bookings"),
        (f"/admin/bookings/{week.bookings[0]}", "admin-booking"),
        ("/admin/requests", "admin-requests"),
        (f"/admin/requests/{week.requests[0]}", "admin-request"),
        ("/admin/clients", "admin-clients"),
        (f"/admin/clients/{week.clients[0].id}", "admin-client"),
        ("/admin/availability", "admin-availability"),
        ("/admin/reports", "admin-reports"),
        ("/admin/audit-log", "admin-audit-log"),
        ("/admin/settings", "admin-settings"),
    ):
        await visit(page, path, name, tmp_path)
