"""The back office's appointment requests: waiting first, one request read (and audited),
scheduled, moved, declined, and a clash shown beside the time typed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect
from sqlalchemy import select

from attune.models import AppointmentRequest
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.pages import sign_in
from tests.support.people import add_admin, add_client
from tests.support.slots import add_slot

XSS = "<img src=x onerror=alert(1)>"


def weekday_ahead(days: int) -> date:
    """The first weekday (Monday to Friday) at least `days` from today."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


async def ask(site: str, **changes: Any) -> str:
    body = {
        "first_name": "John",
        "last_name": "Doe",
        "email": "john@example.com",
        "phone": "+1234567890",
        "reason": "Initial consultation for anxiety",
        "preferred_dates": [weekday_ahead(3).isoformat()],
        "preferred_time_slots": ["morning"],
        **changes,
    }
    async with httpx.AsyncClient(base_url=site) as client:
        response = await client.post("/api/meetings/appointments/create", json=body)
    assert response.status_code == 201, response.text
    request_id: str = response.json()["id"]
    return request_id


async def request_row(database: Database, request_id: str) -> AppointmentRequest:
    async with database.transaction(write=False) as session:
        found = await session.get(AppointmentRequest, request_id)
        assert found is not None
        return found


async def actions_on(database: Database, request_id: str) -> list[str]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_id == request_id)
            .order_by(AuditEntry.id)
        )
        return list(rows)


async def fill_time(page: Page, day: date, at: str, minutes: str = "60") -> None:
    await page.get_by_label("Date").fill(day.isoformat())
    await page.get_by_label("Time").fill(at)
    await page.get_by_label("Duration (minutes)").fill(minutes)


class TestList:
    async def test_waiting_requests_come_first(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        declined = await ask(site, first_name="Declined", email="declined@example.com")
        waiting = await ask(site, first_name="Waiting", email="waiting@example.com")

        await sign_in(page, admin.email)
        await page.goto(f"/admin/requests/{declined}")
        await page.get_by_role("button", name="Reject").click()
        await page.goto("/admin/requests")

        tables = page.get_by_role("table")
        await expect(tables.first.get_by_role("link", name="Waiting Doe")).to_be_visible()
        await expect(tables.nth(1).get_by_role("link", name="Declined Doe")).to_be_visible()
        await assert_accessible(page)
        await page.get_by_role("link", name="Waiting Doe").click()
        await expect(page).to_have_url(re.compile(rf"/admin/requests/{waiting}$"))

    async def test_fits_a_phone(
        self, phone: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        request_id = await ask(site)

        await sign_in(phone, admin.email)
        for path in ("/admin/requests", f"/admin/requests/{request_id}"):
            await phone.goto(path)
            await assert_no_sideways_scroll(phone)
            await assert_accessible(phone)


class TestSchedule:
    async def test_schedule_then_reschedule(
        self, page: Page, site: str, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        request_id = await ask(site)
        day = weekday_ahead(3)

        await sign_in(page, admin.email)
        await page.goto(f"/admin/requests/{request_id}")
        await expect(page.get_by_text("Initial consultation for anxiety")).to_be_visible()
        await expect(page.get_by_text(day.isoformat())).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "admin-request", tmp_path)
        assert "appointment_request.viewed" in await actions_on(database, request_id)

        await fill_time(page, day, "10:00", "50")
        await page.get_by_role("button", name="Schedule").click()

        await expect(page.get_by_role("status")).to_contain_text("The appointment is scheduled")
        row = await request_row(database, request_id)
        local = row.scheduled_at.astimezone(settings.zone) if row.scheduled_at else None
        assert row.status == "scheduled"
        assert row.scheduled_duration == 50
        assert local is not None
        assert (local.date(), local.hour) == (day, 10)

        await expect(page.get_by_label("Time")).to_have_value("10:00")
        await page.get_by_label("Time").fill("15:30")
        await page.get_by_role("button", name="Reschedule").click()
        await expect(page.get_by_role("status")).to_contain_text("The appointment is moved")
        row = await request_row(database, request_id)
        assert row.scheduled_at is not None
        assert row.scheduled_at.astimezone(settings.zone).strftime("%H:%M") == "15:30"
        actions = await actions_on(database, request_id)
        assert "appointment_request.scheduled" in actions
        assert "appointment_request.rescheduled" in actions

    async def test_a_clash_is_shown_beside_the_time(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        first = await ask(site, email="first@example.com")
        second = await ask(site, email="second@example.com")
        day = weekday_ahead(3)

        await sign_in(page, admin.email)
        await page.goto(f"/admin/requests/{first}")
        await fill_time(page, day, "10:00")
        await page.get_by_role("button", name="Schedule").click()
        await expect(page.get_by_role("status")).to_be_visible()

        await page.goto(f"/admin/requests/{second}")
        await fill_time(page, day, "10:30", "45")
        await page.get_by_role("button", name="Schedule").click()

        await expect(page.get_by_role("alert")).to_contain_text("overlaps another appointment")
        time_field = page.get_by_label("Time")
        await expect(time_field).to_have_attribute("aria-invalid", "true")
        await expect(time_field).to_have_value("10:30")
        await expect(page.get_by_label("Duration (minutes)")).to_have_value("45")
        assert (await request_row(database, second)).status == "pending_review"

    async def test_a_booked_slot_at_that_time_clashes_too(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        request_id = await ask(site)
        day = weekday_ahead(3)
        await add_slot(
            database,
            datetime.combine(day, datetime.min.time(), tzinfo=settings.zone).replace(hour=14),
        )

        await sign_in(page, admin.email)
        await page.goto(f"/admin/requests/{request_id}")
        await fill_time(page, day, "14:15")
        await page.get_by_role("button", name="Schedule").click()

        await expect(page.locator("#error-time")).to_contain_text("slot")

    async def test_a_time_in_the_past_is_explained_beside_the_time(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        request_id = await ask(site)

        await sign_in(page, admin.email)
        await page.goto(f"/admin/requests/{request_id}")
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        await fill_time(page, yesterday, "10:00")
        await page.get_by_role("button", name="Schedule").click()
        await expect(page.get_by_role("alert")).to_contain_text("in the future")
        await expect(page.get_by_label("Time")).to_have_attribute("aria-invalid", "true")
        await expect(page.get_by_label("Date")).to_have_value(yesterday.isoformat())


class TestReject:
    async def test_reject_with_a_reason(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        request_id = await ask(site)

        await sign_in(page, admin.email)
        await page.goto(f"/admin/requests/{request_id}")
        await page.get_by_label("Rejection reason").fill("No availability on those dates")
        await page.get_by_role("button", name="Reject").click()

        await expect(page.get_by_role("status")).to_contain_text("The request is declined")
        await expect(page.get_by_text("No availability on those dates")).to_be_visible()
        await expect(page.get_by_role("button", name="Schedule")).to_have_count(0)
        assert (await request_row(database, request_id)).status == "rejected"
        assert "appointment_request.rejected" in await actions_on(database, request_id)

    async def test_what_people_typed_shows_as_text(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        # Names are letters only by the API's rule; the reason is free text.
        request_id = await ask(site, reason=XSS)
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))

        await sign_in(page, admin.email)
        await page.goto(f"/admin/requests/{request_id}")
        await expect(page.get_by_text(XSS)).to_be_visible()
        await page.get_by_label("Rejection reason").fill(XSS)
        await page.get_by_role("button", name="Reject").click()

        await expect(page.get_by_role("status")).to_be_visible()
        assert await page.locator("img[src=x]").count() == 0
        assert dialogs == []


class TestRefusals:
    async def test_a_client_cannot_open_the_requests(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings, 1)
        request_id = await ask(site)

        await sign_in(page, client.email)
        for path in ("/admin/requests", f"/admin/requests/{request_id}"):
            response = await page.goto(path)
            assert response is not None
            assert response.status == 403

    async def test_an_unknown_request_is_not_found(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        await sign_in(page, admin.email)
        response = await page.goto("/admin/requests/00000000-0000-0000-0000-000000000000")

        assert response is not None
        assert response.status == 404
