"""The practice's weekly availability in the back office, in Chromium: the days it saves are
the days the request form offers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from attune.availability.schemas import DAY_NAMES
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.web.templates import day
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.pages import sign_in
from tests.support.people import add_admin, add_client
from tests.web.test_request import offered_dates


def days_from(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


class TestWeeklyAvailability:
    async def test_the_days_saved_are_the_days_the_request_form_offers(
        self, page: Page, site: str, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)

        await page.goto("/admin/availability")
        await expect(page.get_by_role("heading", name="Availability", exact=True)).to_be_visible()
        # Until the practice says otherwise, Monday to Friday.
        for number, name in enumerate(DAY_NAMES):
            box = page.get_by_label(name, exact=True)
            await (expect(box).to_be_checked() if number < 5 else expect(box).not_to_be_checked())
        await assert_accessible(page)
        await screenshots(page, "admin-availability", tmp_path)

        await page.get_by_label("Monday", exact=True).uncheck()
        await page.get_by_label("Saturday", exact=True).check()
        await page.get_by_role("button", name="Save availability").click()

        await expect(page).to_have_url(
            re.compile(r"/admin/availability\?notice=availability-saved$")
        )
        await expect(page.get_by_role("status")).to_contain_text("Availability saved")
        await expect(page.get_by_label("Monday", exact=True)).not_to_be_checked()
        await expect(page.get_by_label("Saturday", exact=True)).to_be_checked()

        offered = await offered_dates(site)
        assert offered
        assert {d.weekday() for d in offered} == {1, 2, 3, 4, 5}
        await page.goto("/request")
        dates = page.get_by_label("Preferred date")
        await expect(dates.get_by_role("checkbox")).to_have_count(len(offered))
        week = days_from(offered[0], 7)
        saturday = next(d for d in week if d.weekday() == 5)
        monday = next(d for d in week if d.weekday() == 0)
        await expect(dates.get_by_label(day(saturday))).to_be_visible()
        await expect(dates.get_by_label(day(monday))).to_have_count(0)

    async def test_no_day_ticked_closes_the_request_form(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)

        await page.goto("/admin/availability")
        for name in DAY_NAMES:
            await page.get_by_label(name, exact=True).uncheck()
        await page.get_by_role("button", name="Save availability").click()

        await expect(page.get_by_text("None: the request form says")).to_be_visible()
        await page.goto("/request")
        await expect(page.get_by_text("not taking appointment requests just now")).to_be_visible()

    async def test_a_day_that_is_no_weekday_is_refused_and_nothing_changes(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await sign_in(page, admin.email)
        await page.goto("/admin/availability")

        # Posted by hand: a box that sends no weekday number.
        await page.get_by_label("Sunday", exact=True).evaluate(
            "input => { input.value = '9'; input.checked = true }"
        )
        await page.get_by_role("button", name="Save availability").click()

        await expect(page.get_by_role("alert")).to_contain_text("There is a problem")
        days = page.get_by_role("group", name="Days that take appointment requests")
        await expect(days).to_contain_text("must be at most 6")
        await page.goto("/admin/availability")
        await expect(page.get_by_label("Sunday", exact=True)).not_to_be_checked()
        await expect(page.get_by_label("Monday", exact=True)).to_be_checked()

    async def test_fits_a_phone(self, phone: Page, database: Database, settings: Settings) -> None:
        admin = await add_admin(database, settings)
        await sign_in(phone, admin.email)

        await phone.goto("/admin/availability")

        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)


class TestWhoMay:
    async def test_a_client_is_refused_and_a_visitor_sent_to_sign_in(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        async with httpx.AsyncClient(base_url=site) as http:
            visitor = await http.get("/admin/availability")
        assert visitor.status_code == 303
        assert visitor.headers["location"].startswith("/login")

        client = await add_client(database, settings)
        await sign_in(page, client.email)
        response = await page.goto("/admin/availability")

        assert response is not None
        assert response.status == 403
        await expect(page.get_by_role("button", name="Save availability")).to_have_count(0)
