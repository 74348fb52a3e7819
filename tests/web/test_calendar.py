"""The back office's Calendar: a week of slots and their bookings, adding a slot, generating a
timetable after its preview, and closing, reopening and removing slots."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect
from sqlalchemy import func, select

from attune.models import Schedule
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.web.templates import short_day
from tests.admin.builders import book
from tests.scheduling.practice_builders import add_service
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.pages import sign_in
from tests.support.people import add_admin, add_client, add_person
from tests.support.slots import add_slot

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The bookings here stand for a practice's week, made days before their sessions: the
    served app's hold sweep would cancel the unpaid ones while a test looks at them."""
    return settings.model_copy(update={"payment_hold_minutes": 60 * 24 * 365})


def next_monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """On the practice's clock: the tests' practice is in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def slot_on(page: Page, day: date, times: str) -> Locator:
    return page.get_by_role("group", name=f"Slot {short_day(day)}, {times}")


def week_url(day: date) -> str:
    return f"/admin/calendar?week={day.isoformat()}"


async def slot_count(database: Database) -> int:
    async with database.transaction(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(Schedule)) or 0)


class TestWeek:
    async def test_shows_the_slots_and_their_bookings(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        monday = next_monday()
        admin = await add_admin(database, settings)
        ada = await add_person(
            database, settings, email="ada@example.com", first_name="Ada", last_name="Lovelace"
        )
        booked = await book(database, settings, ada, at(monday, 9))
        await add_slot(database, at(monday, 11), capacity=3)
        await add_slot(database, at(monday + timedelta(days=2), 14), available=False)
        await add_slot(database, at(monday + timedelta(days=7), 9))

        await sign_in(page, admin.email)
        await page.goto(week_url(monday + timedelta(days=3)))

        await expect(
            page.get_by_role("heading", name=f"Week of {monday:%A} {monday.day}")
        ).to_be_visible()
        first = slot_on(page, monday, "09:00–10:00")
        await expect(first.get_by_role("link", name="Ada Lovelace")).to_have_attribute(
            "href", f"/admin/bookings/{booked}"
        )
        await expect(first).to_contain_text("1 of 1 booked")
        await expect(first).to_contain_text("Scheduled")
        await expect(slot_on(page, monday, "11:00–12:00")).to_contain_text("0 of 3 booked")
        closed = slot_on(page, monday + timedelta(days=2), "14:00–15:00")
        await expect(closed).to_contain_text("Closed")
        await expect(closed.get_by_role("button", name="Reopen slot")).to_be_visible()
        await expect(page.get_by_text("times in UTC")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "admin-calendar", tmp_path)

        await page.get_by_role("link", name="Next week").click()
        await expect(slot_on(page, monday + timedelta(days=7), "09:00–10:00")).to_be_visible()
        await expect(page.get_by_role("link", name="Ada Lovelace")).to_have_count(0)
        await page.get_by_role("link", name="Previous week").click()
        await expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()

    async def test_a_clients_name_is_text(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        monday = next_monday()
        admin = await add_admin(database, settings)
        mallory = await add_person(
            database, settings, email="m@example.com", first_name=HOSTILE, last_name="Smith"
        )
        await book(database, settings, mallory, at(monday, 9))
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))

        await sign_in(page, admin.email)
        await page.goto(week_url(monday))

        await expect(page.get_by_role("link", name=f"{HOSTILE} Smith")).to_be_visible()
        assert await page.locator("main img").count() == 0
        assert dialogs == []

    async def test_fits_a_phone(self, phone: Page, database: Database, settings: Settings) -> None:
        monday = next_monday()
        admin = await add_admin(database, settings)
        await book(database, settings, await add_client(database, settings), at(monday, 9))
        await add_slot(database, at(monday + timedelta(days=1), 9), available=False)

        await sign_in(phone, admin.email)
        await phone.goto(week_url(monday))

        await expect(phone.get_by_role("button", name="Remove slot").first).to_be_visible()
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)

    async def test_a_client_is_refused(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)

        await sign_in(page, client.email)
        response = await page.goto("/admin/calendar")

        assert response is not None
        assert response.status == 403


class TestAddSlot:
    async def test_adds_a_slot_without_script(
        self, no_script: Page, database: Database, settings: Settings
    ) -> None:
        page = no_script
        tuesday = next_monday() + timedelta(days=1)
        admin = await add_admin(database, settings)

        await sign_in(page, admin.email)
        await page.goto("/admin/calendar")
        form = page.get_by_role("form", name="Add slot")
        await form.get_by_label("Date").fill(tuesday.isoformat())
        await form.get_by_label("Start").fill("10:00")
        await form.get_by_label("End").fill("10:50")
        await form.get_by_label("Seats").fill("2")
        await form.get_by_role("button", name="Add slot").click()

        await expect(page.get_by_role("status")).to_have_text("The slot is added.")
        await expect(slot_on(page, tuesday, "10:00–10:50")).to_contain_text("0 of 2 booked")
        assert await slot_count(database) == 1

    async def test_adds_a_slot_held_in_a_room(
        self, page: Page, phone: Page, database: Database, settings: Settings
    ) -> None:
        tuesday = next_monday() + timedelta(days=1)
        admin = await add_admin(database, settings)
        await add_service(database, "Couples", [admin.id], delivery="in_person")

        await sign_in(page, admin.email)
        await page.goto("/admin/calendar")
        form = page.get_by_role("form", name="Add slot")
        await form.get_by_label("Date").fill(tuesday.isoformat())
        await form.get_by_label("Start").fill("10:00")
        await form.get_by_label("End").fill("10:50")
        await form.get_by_role("checkbox", name="Couples").check()
        await form.get_by_label("How it is held").select_option(label="In person")
        await form.get_by_label("Room or address").fill("Room 2")
        await assert_accessible(page)
        await form.get_by_role("button", name="Add slot").click()

        await expect(page.get_by_role("status")).to_have_text("The slot is added.")
        async with database.transaction(write=False) as session:
            slot = await session.scalar(select(Schedule))
        assert slot is not None
        assert (slot.delivery, slot.location) == ("in_person", "Room 2")
        await sign_in(phone, admin.email)
        await phone.goto("/admin/calendar")
        await assert_no_sideways_scroll(phone)

    async def test_an_overlap_is_refused_on_the_form(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        tuesday = next_monday() + timedelta(days=1)
        admin = await add_admin(database, settings)
        await add_slot(database, at(tuesday, 10))

        await sign_in(page, admin.email)
        await page.goto(week_url(tuesday))
        form = page.get_by_role("form", name="Add slot")
        await form.get_by_label("Date").fill(tuesday.isoformat())
        await form.get_by_label("Start").fill("10:30")
        await form.get_by_label("End").fill("11:30")
        async with page.expect_response(re.compile("/admin/calendar/slots$")) as answer:
            await form.get_by_role("button", name="Add slot").click()

        assert (await answer.value).status == 409
        await expect(page.get_by_role("alert")).to_contain_text("The slot overlaps another slot")
        form = page.get_by_role("form", name="Add slot")
        await expect(form.get_by_label("Start")).to_have_value("10:30")
        await expect(form.get_by_label("End")).to_have_value("11:30")
        assert await slot_count(database) == 1
        await assert_accessible(page)

    async def test_a_missing_time_is_named_beside_its_field(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        await sign_in(page, admin.email)
        await page.goto("/admin/calendar")
        form = page.get_by_role("form", name="Add slot")
        await form.get_by_label("Start").fill("10:00")
        await form.get_by_role("button", name="Add slot").click()

        await expect(page.get_by_role("alert")).to_be_visible()
        form = page.get_by_role("form", name="Add slot")
        await expect(form.get_by_label("End")).to_have_attribute("aria-invalid", "true")
        await expect(form.get_by_label("Start")).to_have_value("10:00")
        assert await slot_count(database) == 0


class TestGenerate:
    async def test_the_preview_counts_what_generate_makes(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        monday = next_monday()
        admin = await add_admin(database, settings)
        # Takes the place of Wednesday's 10:00 session.
        await add_slot(database, at(monday + timedelta(days=2), 10, 30))

        await sign_in(page, admin.email)
        await page.goto(week_url(monday))
        form = page.get_by_role("form", name="Generate timetable")
        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
            await form.get_by_label(day).set_checked(day in ("Monday", "Wednesday"))
        await form.get_by_label("From").fill("09:00")
        await form.get_by_label("To").fill("12:00")
        await form.get_by_label("Session length (minutes)").fill("50")
        await form.get_by_label("Break (minutes)").fill("10")
        await form.get_by_label("First day").fill(monday.isoformat())
        await form.get_by_label("Last day").fill((monday + timedelta(days=6)).isoformat())
        await form.get_by_label("Seats").fill("1")
        await form.get_by_role("button", name="Preview").click()

        preview = page.get_by_role("status")
        await expect(preview).to_contain_text("This would make 4 slots")
        await expect(preview).to_contain_text("2 starts would be skipped")
        await expect(preview).to_contain_text("10:00: overlaps an existing slot")
        await expect(preview).to_contain_text("11:00: overlaps an existing slot")
        assert await slot_count(database) == 1
        await assert_accessible(page)
        await screenshots(page, "admin-calendar-preview", tmp_path)

        form = page.get_by_role("form", name="Generate timetable")
        await form.get_by_role("button", name="Generate").click()

        await expect(page.get_by_role("status")).to_contain_text("The timetable's slots are made")
        assert await slot_count(database) == 1 + 4
        await expect(slot_on(page, monday, "09:00–09:50")).to_be_visible()
        await expect(slot_on(page, monday + timedelta(days=2), "09:00–09:50")).to_be_visible()

    async def test_no_day_chosen_is_refused(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        await sign_in(page, admin.email)
        await page.goto(week_url(next_monday()))
        form = page.get_by_role("form", name="Generate timetable")
        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
            await form.get_by_label(day).uncheck()
        await form.get_by_role("button", name="Preview").click()

        await expect(page.get_by_role("alert")).to_be_visible()
        form = page.get_by_role("form", name="Generate timetable")
        await expect(form.get_by_role("button", name="Generate")).to_have_count(0)
        await expect(form.get_by_label("From")).to_have_value("09:00")
        await assert_accessible(page)


class TestSlotActions:
    async def test_close_reopen_and_remove(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        monday = next_monday()
        admin = await add_admin(database, settings)
        await add_slot(database, at(monday, 9))

        await sign_in(page, admin.email)
        await page.goto(week_url(monday))
        slot = slot_on(page, monday, "09:00–10:00")
        await slot.get_by_role("button", name="Close slot").click()
        await expect(page.get_by_role("status")).to_contain_text("The slot is closed")
        await expect(slot).to_contain_text("Closed")
        await slot.get_by_role("button", name="Reopen slot").click()
        await expect(page.get_by_role("status")).to_have_text(
            "The slot is open for bookings again."
        )
        await expect(slot.get_by_role("button", name="Close slot")).to_be_visible()
        await slot.get_by_role("button", name="Remove slot").click()

        await expect(page.get_by_role("status")).to_have_text("The slot is removed.")
        await expect(slot).to_have_count(0)
        assert await slot_count(database) == 0

    async def test_a_slot_with_a_booking_is_not_removed(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        monday = next_monday()
        admin = await add_admin(database, settings)
        await book(database, settings, await add_client(database, settings), at(monday, 9))

        await sign_in(page, admin.email)
        await page.goto(week_url(monday))
        slot = slot_on(page, monday, "09:00–10:00")
        async with page.expect_response(re.compile("/remove$")) as answer:
            await slot.get_by_role("button", name="Remove slot").click()

        assert (await answer.value).status == 409
        await expect(page.get_by_role("alert")).to_contain_text("The slot has bookings")
        await expect(slot).to_contain_text("1 booking(s) hold a seat in this slot")
        assert await slot_count(database) == 1
        await assert_accessible(page)

    async def test_an_unknown_slot_is_not_found(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await add_slot(database, at(next_monday(), 9))

        await sign_in(page, admin.email)
        await page.goto(week_url(next_monday()))
        form = page.locator("form[action$='/close']")
        await form.evaluate("form => form.action = '/admin/calendar/slots/999999/close'")
        async with page.expect_response(re.compile("/999999/close$")) as answer:
            await form.get_by_role("button", name="Close slot").click()

        assert (await answer.value).status == 404
        await expect(page.get_by_role("heading", name="Schedule not found")).to_be_visible()
