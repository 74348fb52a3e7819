"""Asking for an appointment without an account, in Chromium: the form offers the dates the
practice takes requests on, refuses what the service refuses beside its field, and the
confirmation and the mail follow."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Dialog, Page, expect

from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.web.templates import day
from tests.conftest import http_client, make_settings
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.mailbox import Mailbox, text_body
from tests.support.page_client import csrf_token_of
from tests.support.pages import sign_in
from tests.support.people import add_admin, add_client

EMAIL = "ada.lovelace@example.com"
MARKUP = "<img src=x onerror=alert(1)>"


async def offered_dates(site: str) -> list[date]:
    """The dates open to requests, as the API lists them."""
    async with httpx.AsyncClient(base_url=site) as http:
        response = await http.get("/api/meetings/appointments/available-dates")
    return [date.fromisoformat(text) for text in response.json()]


async def fill_in(page: Page, *, reason: str = "Sleep and worry") -> None:
    await page.get_by_label("First name").fill("Ada")
    await page.get_by_label("Last name").fill("Lovelace")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Phone").fill("+44 20 7946 0000")
    await page.get_by_label("Reason").fill(reason)


def refuse_dialogs(page: Page, seen: list[str]) -> None:
    """Any alert() a page runs is recorded (markup someone typed must never run)."""

    async def on_dialog(dialog: Dialog) -> None:
        seen.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)


class TestSending:
    async def test_a_visitor_sends_a_request_and_the_mail_arrives(
        self, page: Page, site: str, mailbox: Mailbox, tmp_path: Path
    ) -> None:
        first, second, *_ = await offered_dates(site)
        dialogs: list[str] = []
        refuse_dialogs(page, dialogs)

        await page.goto("/request")
        await expect(page.get_by_role("heading", name="Request an appointment")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "request", tmp_path)
        await fill_in(page, reason=f"Trouble sleeping {MARKUP}\nsince the spring")
        dates = page.get_by_label("Preferred date")
        await dates.get_by_label(day(first)).check()
        await dates.get_by_label(day(second)).check()
        await page.get_by_label("Morning").check()
        await page.get_by_label("Evening").check()
        await page.get_by_role("button", name="Send request").click()

        await expect(page).to_have_url(re.compile(r"/request/sent$"))
        await expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
        await expect(page.get_by_role("status")).to_contain_text("Thank you, Ada")
        for shown in (day(first), day(second), "Morning (09:00–12:00)", "Evening (18:00–21:00)"):
            await expect(page.get_by_text(shown, exact=True)).to_be_visible()
        # What was typed is text on the page, never markup.
        await expect(page.get_by_text(MARKUP, exact=False)).to_be_visible()
        await expect(page.locator("main img")).to_have_count(0)
        assert dialogs == []
        assert EMAIL not in page.url
        assert "Ada" not in page.url
        await assert_accessible(page)
        await screenshots(page, "request-sent", tmp_path)

        [received] = await mailbox.wait_for(EMAIL)
        assert received["Subject"] == "We have received your appointment request"
        body = text_body(received)
        assert "Hello Ada" in body
        assert day(first) in body
        assert day(second) in body

    async def test_the_form_works_without_javascript(
        self, no_script: Page, site: str, mailbox: Mailbox
    ) -> None:
        first, *_ = await offered_dates(site)

        await no_script.goto("/request")
        await fill_in(no_script)
        await no_script.get_by_label(day(first)).check()
        await no_script.get_by_label("Afternoon").check()
        await no_script.get_by_role("button", name="Send request").click()

        await expect(no_script.get_by_role("heading", name="Request sent")).to_be_visible()
        await mailbox.wait_for(EMAIL)

    async def test_the_confirmation_is_for_the_browser_that_sent_it(
        self, page: Page, site: str
    ) -> None:
        first, *_ = await offered_dates(site)
        await page.goto("/request")
        await fill_in(page)
        await page.get_by_label(day(first)).check()
        await page.get_by_label("Morning").check()
        await page.get_by_role("button", name="Send request").click()
        await expect(page.get_by_role("heading", name="Request sent")).to_be_visible()

        # Another browser (no receipt), and a forged receipt, are sent to the form.
        cookie = next(
            c["value"] for c in await page.context.cookies() if c["name"] == "attune_request_sent"
        )
        request_id = cookie.split(".", 1)[0]
        async with httpx.AsyncClient(base_url=site) as http:
            bare = await http.get("/request/sent")
            http.cookies.set("attune_request_sent", f"{request_id}.{'0' * 64}", path="/request")
            forged = await http.get("/request/sent")
        for response in (bare, forged):
            assert response.status_code == 303
            assert response.headers["location"] == "/request"
            assert "Ada" not in response.text

    async def test_a_signed_in_client_is_told_the_request_is_theirs(
        self, page: Page, site: str, database: Database, settings: Settings, mailbox: Mailbox
    ) -> None:
        client = await add_client(database, settings)
        first, *_ = await offered_dates(site)
        await sign_in(page, client.email)

        await page.goto("/request")
        await expect(page.get_by_text("the request will be yours")).to_be_visible()
        await fill_in(page)
        await page.get_by_label(day(first)).check()
        await page.get_by_label("Morning").check()
        await page.get_by_role("button", name="Send request").click()

        # The service answers at the account's address, whatever was typed.
        await expect(page.get_by_role("status")).to_contain_text(client.email)
        await mailbox.wait_for(client.email)
        assert mailbox.to(EMAIL) == []

    async def test_what_was_typed_reaches_the_back_office_as_text(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        first, *_ = await offered_dates(site)
        dialogs: list[str] = []
        refuse_dialogs(page, dialogs)
        await page.goto("/request")
        await fill_in(page, reason=f"Worry {MARKUP}")
        await page.get_by_label(day(first)).check()
        await page.get_by_label("Morning").check()
        await page.get_by_role("button", name="Send request").click()
        await expect(page.get_by_role("heading", name="Request sent")).to_be_visible()

        await sign_in(page, admin.email)
        await page.goto("/admin/requests")
        await page.get_by_role("link", name="Ada Lovelace").click()

        await expect(page.get_by_text(f"Worry {MARKUP}")).to_be_visible()
        await expect(page.locator("main img")).to_have_count(0)
        assert dialogs == []


class TestRefusals:
    async def test_nothing_chosen_is_refused_beside_each_field_and_the_typing_kept(
        self, page: Page, tmp_path: Path
    ) -> None:
        await page.goto("/request")
        await page.get_by_label("First name").fill("Ada")
        await page.get_by_label("Reason").fill("Worry")
        await page.get_by_role("button", name="Send request").click()

        summary = page.get_by_role("alert")
        await expect(summary).to_contain_text("There is a problem")
        for message in ("Choose at least one preferred date", "Choose at least one time of day"):
            await expect(summary.get_by_role("link", name=message)).to_be_visible()
        await expect(page.get_by_label("Preferred date")).to_contain_text(
            "Choose at least one preferred date"
        )
        await expect(page.get_by_label("Preferred time of day")).to_contain_text(
            "Choose at least one time of day"
        )
        await expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
        await expect(page.get_by_label("First name")).to_have_value("Ada")
        await expect(page.get_by_label("Reason")).to_have_value("Worry")
        await assert_accessible(page)
        await screenshots(page, "request-refused", tmp_path)

    async def test_a_date_the_practice_does_not_offer_is_refused_beside_preferred_date(
        self, page: Page, site: str
    ) -> None:
        first, *_ = await offered_dates(site)
        saturday = first + timedelta(days=(5 - first.weekday()) % 7)
        await page.goto("/request")
        await fill_in(page)
        box = page.get_by_label(day(first))
        await box.check()
        # Posted by hand: the box now sends a date the form never offered.
        await box.evaluate("(input, value) => { input.value = value }", saturday.isoformat())
        await page.get_by_label("Morning").check()
        await page.get_by_role("button", name="Send request").click()

        refusal = f"{saturday.isoformat()} is a Saturday, when the practice takes no appointments"
        await expect(page.get_by_label("Preferred date")).to_contain_text(refusal)
        await expect(page.get_by_role("alert")).to_contain_text(refusal)
        await expect(page).to_have_url(re.compile(r"/request$"))
        await expect(page.get_by_label("Last name")).to_have_value("Lovelace")
        await expect(page.get_by_label("Morning")).to_be_checked()

    async def test_no_open_date_is_said_plainly(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        async with httpx.AsyncClient(base_url=site, headers=admin.headers) as http:
            closed = await http.put("/api/meetings/admin/availability", json={"available_days": []})
        assert closed.status_code == 200

        await page.goto("/request")

        await expect(page.get_by_text("not taking appointment requests just now")).to_be_visible()
        await expect(page.get_by_role("button", name="Send request")).to_have_count(0)
        await assert_accessible(page)


class TestOnAPhone:
    async def test_the_form_and_the_confirmation_fit(self, phone: Page, site: str) -> None:
        first, *_ = await offered_dates(site)

        await phone.goto("/request")
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)
        await fill_in(phone)
        await phone.get_by_label(day(first)).check()
        await phone.get_by_label("Evening").check()
        await phone.get_by_role("button", name="Send request").click()

        await expect(phone.get_by_role("heading", name="Request sent")).to_be_visible()
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)


@pytest.fixture
async def limited(
    tmp_path: Path, database_url: str, database: Database, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path, database_url, rate_limits=True)
    app = create_app(settings, database=database, clock=clock)
    async with app.router.lifespan_context(app), http_client(app) as client:
        yield client


class TestRateLimit:
    async def test_the_sixth_request_in_a_minute_is_refused_and_showing_the_form_is_not(
        self, limited: httpx.AsyncClient
    ) -> None:
        shown = [await limited.get("/request") for _ in range(7)]
        token = csrf_token_of(shown[-1].text)
        answers = [
            await limited.post("/request", data={"first_name": "Ada", "csrf_token": token})
            for _ in range(6)
        ]

        assert {page.status_code for page in shown} == {200}
        assert [answer.status_code for answer in answers[:5]] == [400] * 5
        assert answers[5].status_code == 429
        assert "Too many requests" in answers[5].text
