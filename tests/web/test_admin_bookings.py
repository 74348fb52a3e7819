"""The back office's bookings: the list and its filters, one booking, and what the therapist
does with it (cancel, move, refund, record the outcome)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import Page, expect
from sqlalchemy import select

from attune.models import Booking, PaymentStatus
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.pages import sign_in
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client, add_person
from tests.support.slots import add_slot

XSS = "<img src=x onerror=alert(1)>"


def soon(days: int, hour: int = 10) -> datetime:
    day = datetime.now(UTC) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


async def booked(
    database: Database, settings: Settings, client: Person, starts_at: datetime
) -> int:
    """A booking made just now (a past session a week before it), so the in-process worker's
    sweep of unpaid holds leaves upcoming ones alone while a test runs."""
    now = datetime.now(UTC)
    return await book(
        database, settings, client, starts_at, booked_at=now if starts_at > now else None
    )


async def audit_entries(database: Database, booking_id: int, action: str) -> list[AuditEntry]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == action,
                AuditEntry.target_type == "booking",
                AuditEntry.target_id == str(booking_id),
            )
        )
        return list(rows)


async def booking_row(database: Database, booking_id: int) -> Booking:
    async with database.transaction(write=False) as session:
        found = await session.get(Booking, booking_id)
        assert found is not None
        return found


class TestList:
    async def test_filters_by_client_status_dates_and_payment(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        grace = await add_person(
            database, settings, email="grace@example.com", first_name="Grace", last_name="Hopper"
        )
        ada_first = await booked(database, settings, ada, soon(3))
        ada_later = await booked(database, settings, ada, soon(12))
        grace_booking = await booked(database, settings, grace, soon(5))
        await record_paid(database, grace_booking)

        await sign_in(page, admin.email)
        await page.goto("/admin/bookings")
        table = page.get_by_role("table")
        for booking_id in (ada_first, ada_later, grace_booking):
            await expect(table.locator(f'a[href="/admin/bookings/{booking_id}"]')).to_have_count(1)
        await assert_accessible(page)
        await screenshots(page, "admin-bookings", tmp_path)

        await page.get_by_label("Client").fill("hopper")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.get_by_text("1 booking found.")).to_be_visible()
        await expect(page.get_by_role("cell", name=re.compile("grace@example.com"))).to_be_visible()

        await page.get_by_label("Client").fill("")
        await page.get_by_label("Paid").select_option(label="No")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.get_by_text("2 bookings found.")).to_be_visible()
        await expect(page.get_by_role("cell", name=re.compile("grace@example.com"))).to_have_count(
            0
        )

        await page.get_by_label("Paid").select_option(label="Any")
        await page.get_by_label("From").fill(soon(10).date().isoformat())
        await page.get_by_role("button", name="Filter").click()
        await expect(page.get_by_text("1 booking found.")).to_be_visible()
        await expect(page.locator(f'a[href="/admin/bookings/{ada_later}"]')).to_be_visible()

        await page.get_by_label("From").fill("")
        await page.get_by_label("Status").select_option(label="Cancelled")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.get_by_text("No booking matches these filters.")).to_be_visible()

    async def test_an_inverted_range_is_explained_beside_the_filter(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        await sign_in(page, admin.email)
        await page.goto("/admin/bookings?from=2026-05-10&to=2026-05-01")

        await expect(page.get_by_role("alert")).to_be_visible()
        await expect(page.get_by_label("From")).to_have_value("2026-05-10")

    async def test_pages_through_many(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        for day in range(27):
            await booked(database, settings, ada, soon(2 + day))

        await sign_in(page, admin.email)
        await page.goto("/admin/bookings")
        await expect(page.get_by_text("27 bookings found.")).to_be_visible()
        await page.get_by_role("link", name="Next page").click()
        await expect(page.get_by_text("Page 2")).to_be_visible()
        await expect(page.get_by_role("table").get_by_role("link")).to_have_count(2)

    async def test_fits_a_phone(self, phone: Page, database: Database, settings: Settings) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        await booked(database, settings, ada, soon(3))

        await sign_in(phone, admin.email)
        await phone.goto("/admin/bookings")
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)


class TestBooking:
    async def test_cancel_with_a_reason(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        # Inside the client's notice: only the practice may still cancel it.
        in_three_hours = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
            hours=3
        )
        booking_id = await booked(database, settings, ada, in_three_hours)

        await sign_in(page, admin.email)
        await page.goto("/admin/bookings")
        await page.locator(f'a[href="/admin/bookings/{booking_id}"]').click()
        await expect(page).to_have_url(re.compile(rf"/admin/bookings/{booking_id}$"))
        await expect(page.get_by_text("client1@example.com").first).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "admin-booking", tmp_path)

        await page.get_by_label("Reason").fill("The therapist is unwell today")
        await page.get_by_role("button", name="Cancel booking").click()

        await expect(page.get_by_role("status")).to_contain_text("The booking is cancelled")
        await expect(page.get_by_text("The therapist is unwell today")).to_be_visible()
        await expect(page.get_by_role("button", name="Cancel booking")).to_have_count(0)
        row = await booking_row(database, booking_id)
        assert row.status == "cancelled"
        assert row.cancelled_by_practice
        [entry] = await audit_entries(database, booking_id, "booking.cancelled")
        assert entry.actor_id == admin.id
        assert entry.details == {"reason_given": True}

    async def test_move_to_another_slot(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        booking_id = await booked(database, settings, ada, soon(3))
        later = soon(6, hour=14)
        target = await add_slot(database, later)

        await sign_in(page, admin.email)
        await page.goto(f"/admin/bookings/{booking_id}")
        await page.get_by_label("New time").select_option(value=str(target))
        await page.get_by_role("button", name="Move").click()

        await expect(page.get_by_role("status")).to_contain_text("The booking is moved")
        row = await booking_row(database, booking_id)
        assert row.schedule_id == target
        assert row.scheduled_at == later

    async def test_moving_without_choosing_a_time_says_so(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        booking_id = await booked(database, settings, ada, soon(3))

        await sign_in(page, admin.email)
        await page.goto(f"/admin/bookings/{booking_id}")
        await page.get_by_role("button", name="Move").click()

        await expect(page.get_by_role("alert")).to_be_visible()
        await expect(page.get_by_label("New time")).to_have_attribute("aria-invalid", "true")

    async def test_refund_in_part_then_in_full(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        booking_id = await booked(database, settings, ada, soon(3))
        await record_paid(database, booking_id)
        price = (await booking_row(database, booking_id)).amount_cents
        full = f"{price / 100:.2f}"

        await sign_in(page, admin.email)
        await page.goto(f"/admin/bookings/{booking_id}")
        await expect(page.get_by_label("Amount")).to_have_value(full)

        await page.get_by_label("Amount").fill("10.00")
        await page.get_by_role("button", name="Refund").click()
        await expect(page.get_by_role("status")).to_contain_text("The refund is requested")
        rest = f"{(price - 1000) / 100:.2f}"
        # The refund is made by the worker; until then it is asked for, and not offered again.
        await expect(page.get_by_label("Amount")).to_have_value(rest)

        await page.get_by_label("Amount").fill("9999.00")
        await page.get_by_role("button", name="Refund").click()
        await expect(page.get_by_role("alert")).to_contain_text("larger than what is left")
        await expect(page.get_by_label("Amount")).to_have_value("9999.00")

        await page.get_by_label("Amount").fill(rest)
        await page.get_by_role("button", name="Refund").click()
        await expect(page.get_by_role("status")).to_contain_text("The refund is requested")
        await expect(page.get_by_role("button", name="Refund")).to_have_count(0)
        refunds = await audit_entries(database, booking_id, "booking.refunded")
        assert sorted(entry.details["amount_cents"] for entry in refunds) == [
            1000,
            price - 1000,
        ]
        for _ in range(300):
            if (await booking_row(database, booking_id)).payment_status == PaymentStatus.refunded:
                break
            await page.wait_for_timeout(100)
        assert (await booking_row(database, booking_id)).payment_status == PaymentStatus.refunded

    async def test_mark_no_show_then_completed(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        # Paid, so the worker's sweep of unpaid holds leaves it; the sweep that completes past
        # sessions may get to it first, and either outcome can be corrected to the other.
        booking_id = await booked(database, settings, ada, soon(-1))
        await record_paid(database, booking_id)

        await sign_in(page, admin.email)
        await page.goto(f"/admin/bookings/{booking_id}")
        await page.get_by_role("button", name="Mark no-show").click()
        await expect(page.get_by_role("status")).to_contain_text("no-show")
        assert (await booking_row(database, booking_id)).status == "no_show"

        await page.get_by_role("button", name="Mark completed").click()
        await expect(page.get_by_role("status")).to_contain_text("marked completed")
        assert (await booking_row(database, booking_id)).status == "completed"

    async def test_an_outcome_before_the_session_is_refused_on_the_page(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        booking_id = await booked(database, settings, ada, soon(3))

        await sign_in(page, admin.email)
        await page.goto(f"/admin/bookings/{booking_id}")
        await page.get_by_role("button", name="Mark completed").click()

        await expect(page.get_by_role("alert")).to_be_visible()
        await expect(page.get_by_role("heading", name=re.compile("Booking"))).to_be_visible()
        assert (await booking_row(database, booking_id)).status == "scheduled"

    async def test_what_people_typed_shows_as_text(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        mallory = await add_person(
            database, settings, email="mallory@example.com", first_name=XSS, last_name=XSS
        )
        booking_id = await booked(database, settings, mallory, soon(3))
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))

        await sign_in(page, admin.email)
        await page.goto("/admin/bookings")
        await expect(
            page.get_by_role("cell", name=re.compile(re.escape(XSS))).first
        ).to_be_visible()
        await page.goto(f"/admin/bookings/{booking_id}")
        await page.get_by_label("Reason").fill(XSS)
        await page.get_by_role("button", name="Cancel booking").click()

        await expect(page.get_by_role("status")).to_be_visible()
        await expect(page.get_by_text(XSS).first).to_be_visible()
        assert await page.locator("img[src=x]").count() == 0
        assert dialogs == []

    async def test_fits_a_phone(self, phone: Page, database: Database, settings: Settings) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        booking_id = await booked(database, settings, ada, soon(3))
        await record_paid(database, booking_id)

        await sign_in(phone, admin.email)
        await phone.goto(f"/admin/bookings/{booking_id}")
        await assert_no_sideways_scroll(phone)
        await assert_accessible(phone)


class TestRefusals:
    async def test_a_client_cannot_open_the_back_office_bookings(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        booking_id = await booked(database, settings, ada, soon(3))

        await sign_in(page, ada.email)
        for path in ("/admin/bookings", f"/admin/bookings/{booking_id}"):
            response = await page.goto(path)
            assert response is not None
            assert response.status == 403
            await expect(
                page.get_by_role("heading", name="This page is for the practice")
            ).to_be_visible()

    async def test_an_unknown_booking_is_not_found(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        await sign_in(page, admin.email)
        response = await page.goto("/admin/bookings/999999")

        assert response is not None
        assert response.status == 404
        await expect(page.get_by_role("heading", name="Booking not found")).to_be_visible()
