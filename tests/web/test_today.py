"""The back office's Today: the day's and the week's sessions with their clients, and the
practice's figures, the same as the dashboard's."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from attune.models import BookingStatus
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book, set_booking
from tests.requests.builders import ask
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.live_server import live_client
from tests.support.pages import sign_in
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client, add_person

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The bookings here stand for a practice's week, made days before their sessions: the
    served app's hold sweep would cancel the unpaid ones while a test looks at them."""
    return settings.model_copy(update={"payment_hold_minutes": 60 * 24 * 365})


def at(days: int, hour: int) -> datetime:
    """`hour`:00 UTC (the tests' practice zone) `days` from today."""
    today = datetime.now(UTC).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=UTC)


async def viewed_bookings(database: Database) -> set[str]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(AuditEntry.target_id).where(AuditEntry.action == "booking.viewed")
        )
        return {target for target in rows if target is not None}


class TestToday:
    async def test_the_days_and_weeks_sessions_and_the_practices_figures(
        self, page: Page, site: str, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_person(
            database, settings, email="ada@example.com", first_name="Ada", last_name="Lovelace"
        )
        grace = await add_person(
            database, settings, email="grace@example.com", first_name="Grace", last_name="Hopper"
        )
        this_morning = await book(database, settings, ada, at(0, 9))
        paid_later = await book(database, settings, grace, at(3, 14))
        await record_paid(database, paid_later)
        cancelled = await book(database, settings, ada, at(2, 11))
        await set_booking(database, cancelled, status=BookingStatus.cancelled)
        await book(database, settings, grace, at(9, 10))
        async with live_client(site) as client:
            tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
            await ask(client, preferred_dates=[tomorrow])

        await sign_in(page, admin.email)
        await page.goto("/admin/")

        today = page.get_by_role("region", name="Sessions", exact=True)
        await expect(today.get_by_role("link", name="Ada Lovelace")).to_have_attribute(
            "href", f"/admin/bookings/{this_morning}"
        )
        await expect(today).to_contain_text("09:00")
        week = page.get_by_role("region", name="This week")
        await expect(week.get_by_role("link", name="Grace Hopper")).to_have_attribute(
            "href", f"/admin/bookings/{paid_later}"
        )
        await expect(week.get_by_role("link", name="Ada Lovelace")).to_have_attribute(
            "href", f"/admin/bookings/{cancelled}"
        )
        await expect(week).to_contain_text("Cancelled")
        # Grace's session in nine days is beyond the week.
        await expect(page.get_by_role("link", name="Grace Hopper")).to_have_count(1)
        figures = page.get_by_role("region", name="At a glance")
        # One request waits; this morning's session and Grace's in nine days are unpaid (the
        # cancelled one counts for nothing); Grace's $100.00 came in this month.
        await expect(figures).to_contain_text("Requests waiting 1")
        await expect(figures).to_contain_text("Unpaid bookings 2")
        await expect(figures).to_contain_text("Revenue this month $100.00")
        await expect(page.get_by_role("link", name="Answer requests")).to_have_attribute(
            "href", "/admin/requests"
        )
        await expect(page.get_by_text("Times in UTC")).to_be_visible()
        # Reading the clients' names is recorded, as the list of bookings records it.
        assert {str(this_morning), str(paid_later), str(cancelled)} <= await viewed_bookings(
            database
        )
        await assert_accessible(page)
        await screenshots(page, "admin-today", tmp_path)

    async def test_a_clients_name_is_text(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        mallory = await add_person(
            database, settings, email="m@example.com", first_name=HOSTILE, last_name="Smith"
        )
        await book(database, settings, mallory, at(0, 12))
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))

        await sign_in(page, admin.email)
        await page.goto("/admin/")

        await expect(page.get_by_role("link", name=f"{HOSTILE} Smith")).to_be_visible()
        assert await page.locator("main img").count() == 0
        assert dialogs == []

    async def test_an_empty_day_fits_a_phone(
        self, phone: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await book(database, settings, await add_client(database, settings), at(1, 16))

        await sign_in(phone, admin.email)
        await phone.goto("/admin/")

        await expect(phone.get_by_text("No sessions today.")).to_be_visible()
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)

    async def test_a_client_is_refused(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client: Person = await add_client(database, settings)

        await sign_in(page, client.email)
        response = await page.goto("/admin/")

        assert response is not None
        assert response.status == 403
        await expect(
            page.get_by_role("heading", name="This page is for the practice")
        ).to_be_visible()
