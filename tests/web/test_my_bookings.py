"""My bookings: the list, one booking, and what a client does with it (cancel after reading
what cancelling would refund, move it, join its session, add it to a calendar, its receipt)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from icalendar import Calendar
from playwright.async_api import Page, expect
from sqlalchemy import select, update

from attune.models import Booking, Refund, RefundStatus, Schedule
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.pages import sign_in
from tests.support.payments import record_paid
from tests.support.people import Person, add_client
from tests.support.slots import add_slot, assert_seats_match_bookings

PRICE = "$100.00"
XSS = "<img src=x onerror=alert(1)>"


def from_now(*, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    """A whole minute this far from now, so times on the page read as the test expects."""
    at = datetime.now(UTC) + timedelta(days=days, hours=hours, minutes=minutes)
    return at.replace(second=0, microsecond=0)


async def book(
    site: str, database: Database, person: Person, starts_at: datetime, notes: str | None = None
) -> int:
    """A booking made through the API, as the client's own booking page would make it."""
    slot = await add_slot(database, starts_at)
    body: dict[str, object] = {"schedule_id": slot}
    if notes is not None:
        body["notes"] = notes
    async with httpx.AsyncClient(base_url=site) as api:
        response = await api.post("/api/bookings", json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    booking_id: int = response.json()["booking"]["id"]
    return booking_id


async def move_into_the_past(database: Database, booking_id: int, days: int) -> None:
    """A booking held some days ago (a booking cannot be made in a slot that has started)."""
    async with database.transaction() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        starts = from_now(days=-days)
        ends = starts + (booking.ends_at - booking.scheduled_at)
        await session.execute(
            update(Schedule)
            .where(Schedule.id == booking.schedule_id)
            .values(start_at=starts, end_at=ends)
        )
        await session.execute(
            update(Booking)
            .where(Booking.id == booking_id)
            .values(scheduled_at=starts, ends_at=ends, created_at=starts - timedelta(days=1))
        )


async def refunds_of(database: Database, booking_id: int) -> list[Refund]:
    async with database.transaction(write=False) as session:
        return list(await session.scalars(select(Refund).where(Refund.booking_id == booking_id)))


async def until_refunded(database: Database, booking_id: int) -> list[Refund]:
    """The booking's refunds once the worker has sent them all to the (demo) provider."""
    async with asyncio.timeout(10):
        while True:
            refunds = await refunds_of(database, booking_id)
            if refunds and all(r.status == RefundStatus.succeeded for r in refunds):
                return refunds
            await asyncio.sleep(0.1)


def slot_name(at: datetime) -> str:
    """A free time's button, as the reschedule page names it."""
    return f"{at:%a} {at.day} {at:%b}, {at:%H:%M}"


def day_and_time(at: datetime) -> str:
    """As the pages write a start (the browser and the practice are both in UTC here)."""
    return f"{at:%A} {at.day} {at:%B %Y}, {at:%H:%M}"


class TestList:
    async def test_shows_upcoming_and_past_bookings_with_their_states(
        self,
        page: Page,
        phone: Page,
        *,
        site: str,
        database: Database,
        settings: Settings,
        tmp_path: Path,
    ) -> None:
        ada = await add_client(database, settings)
        soon = from_now(days=2)
        later = from_now(days=9)
        upcoming_paid = await book(site, database, ada, soon)
        await record_paid(database, upcoming_paid)
        await book(site, database, ada, later)
        held = await book(site, database, ada, from_now(days=4))
        await record_paid(database, held)
        await move_into_the_past(database, held, days=3)

        await sign_in(page, ada.email)
        await page.get_by_role("link", name="My bookings").click()

        await expect(page.get_by_role("heading", name="My bookings", level=1)).to_be_visible()
        upcoming = page.get_by_role("region", name="Upcoming")
        past = page.get_by_role("region", name="Past")
        await expect(upcoming.get_by_role("listitem")).to_have_count(2)
        await expect(past.get_by_role("listitem")).to_have_count(1)
        first = upcoming.get_by_role("listitem").first
        await expect(first.get_by_role("link")).to_contain_text(day_and_time(soon))
        await expect(first).to_contain_text("Scheduled")
        await expect(first).to_contain_text("Paid")
        await expect(upcoming.get_by_role("listitem").nth(1)).to_contain_text("Not paid")
        await expect(page.get_by_text("Times in UTC")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "my-bookings", tmp_path)

        await first.get_by_role("link").click()
        await expect(page).to_have_url(re.compile(rf"/bookings/{upcoming_paid}$"))

        await sign_in(phone, ada.email)
        await phone.goto("/bookings")
        await assert_no_sideways_scroll(phone)

    async def test_a_visitor_signs_in_first(self, page: Page) -> None:
        await page.goto("/bookings")

        await expect(page).to_have_url(re.compile(r"/login\?next=/bookings$"))


class TestDetail:
    async def test_shows_the_booking_and_what_can_be_done(
        self,
        page: Page,
        phone: Page,
        *,
        site: str,
        database: Database,
        settings: Settings,
        tmp_path: Path,
    ) -> None:
        ada = await add_client(database, settings)
        starts = from_now(days=3)
        booking_id = await book(site, database, ada, starts, notes=XSS)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")

        await expect(page.get_by_role("heading", level=1)).to_contain_text("Session on")
        await expect(page.get_by_text(day_and_time(starts))).to_be_visible()
        # What the client typed is text, never markup.
        await expect(page.get_by_text(XSS)).to_be_visible()
        assert await page.locator("img[src=x]").count() == 0
        await expect(page.get_by_role("button", name="Pay")).to_be_visible()
        await expect(page.get_by_role("button", name="Cancel booking")).to_be_visible()
        await expect(page.get_by_role("link", name="Reschedule")).to_be_visible()
        await expect(page.get_by_role("link", name="Add to calendar")).to_be_visible()
        # Not paid: no receipt, and no way into the room yet.
        await expect(page.get_by_role("link", name="Receipt")).to_have_count(0)
        await expect(page.get_by_role("link", name="Join session")).to_have_count(0)
        await assert_accessible(page)
        await screenshots(page, "booking", tmp_path)

        await page.get_by_role("button", name="Pay").click()
        await expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}/pay\??$"))

        await sign_in(phone, ada.email)
        await phone.goto(f"/bookings/{booking_id}")
        await assert_no_sideways_scroll(phone)

    async def test_another_clients_booking_is_not_found(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        booking_id = await book(site, database, ada, from_now(days=3))
        await record_paid(database, booking_id)

        await sign_in(page, bob.email)
        for path in ("", "/cancel", "/reschedule", "/join", "/calendar.ics", "/receipt"):
            response = await page.goto(f"/bookings/{booking_id}{path}")
            assert response is not None
            assert response.status == 404, path
            await expect(page.get_by_role("heading", name="Booking not found")).to_be_visible()
        await assert_accessible(page)


class TestCancel:
    async def test_the_refund_is_told_before_confirming_and_made(
        self, page: Page, site: str, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(days=3, minutes=5))
        await record_paid(database, booking_id)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")
        await page.get_by_role("button", name="Cancel booking").click()

        await expect(page.get_by_role("heading", name="Cancel booking")).to_be_visible()
        await expect(
            page.get_by_text("this one starts in 3 days, so it will be refunded")
        ).to_be_visible()
        await expect(page.get_by_text(f"{PRICE} goes back")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "cancel-booking", tmp_path)
        await page.get_by_label("Reason (optional)").fill(XSS)
        await page.get_by_role("button", name="Confirm cancellation").click()

        await expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}\?notice=cancelled$"))
        await expect(page.get_by_role("status")).to_have_text("Your booking is cancelled.")
        await expect(page.get_by_text("Cancelled", exact=True).first).to_be_visible()
        await expect(page.get_by_text(XSS)).to_be_visible()
        refunds = await until_refunded(database, booking_id)
        assert [r.amount_cents for r in refunds] == [10000]
        await page.reload()
        await expect(page.get_by_role("table")).to_contain_text(PRICE)
        await expect(page.get_by_role("table")).to_contain_text("Succeeded")

    async def test_inside_the_notice_the_rule_is_told_and_nothing_is_cancelled(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(hours=5, minutes=10))
        await record_paid(database, booking_id)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}/cancel")

        await expect(
            page.get_by_text(
                "Bookings can be cancelled with a refund up to 24 hours before the start; "
                "this one starts in 5 hours, so it can no longer be cancelled here."
            )
        ).to_be_visible()
        await expect(page.get_by_role("button", name="Confirm cancellation")).to_have_count(0)
        await assert_accessible(page)

    async def test_a_booking_moved_inside_the_notice_is_cancelled_without_refund(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(hours=5))
        await record_paid(database, booking_id)
        farther = from_now(days=4)
        await add_slot(database, farther)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")
        await page.get_by_role("link", name="Reschedule").click()
        await page.get_by_role(
            "button", name=f"{farther:%a} {farther.day} {farther:%b}, {farther:%H:%M}"
        ).click()
        await expect(page.get_by_role("status")).to_have_text("Your booking has been moved.")
        await page.get_by_role("button", name="Cancel booking").click()

        await expect(
            page.get_by_text(
                "this one was moved less than 24 hours before its start, so it will not be "
                "refunded."
            )
        ).to_be_visible()
        await page.get_by_role("button", name="Confirm cancellation").click()
        await expect(page.get_by_role("status")).to_have_text("Your booking is cancelled.")
        assert await refunds_of(database, booking_id) == []


class TestReschedule:
    async def test_moves_the_booking_to_another_free_time(
        self,
        page: Page,
        phone: Page,
        *,
        site: str,
        database: Database,
        settings: Settings,
        tmp_path: Path,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(days=2))
        other = from_now(days=3, hours=2)
        await add_slot(database, other)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")
        await page.get_by_role("link", name="Reschedule").click()

        await expect(page.get_by_role("heading", name="Reschedule", level=1)).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "reschedule-booking", tmp_path)
        await page.get_by_role(
            "button", name=f"{other:%a} {other.day} {other:%b}, {other:%H:%M}"
        ).click()

        await expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}\?notice=moved$"))
        await expect(page.get_by_text(day_and_time(other))).to_be_visible()
        async with database.transaction(write=False) as session:
            booking = await session.get(Booking, booking_id)
            assert booking is not None
            assert booking.scheduled_at == other

        await sign_in(phone, ada.email)
        await phone.goto(f"/bookings/{booking_id}/reschedule")
        await assert_no_sideways_scroll(phone)

    async def test_inside_the_notice_the_services_refusal_is_shown(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        starts = from_now(hours=1)
        booking_id = await book(site, database, ada, starts)
        other = from_now(days=3)
        await add_slot(database, other)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}/reschedule")
        await page.get_by_role(
            "button", name=f"{other:%a} {other.day} {other:%b}, {other:%H:%M}"
        ).click()

        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text(
            "Bookings can only be rescheduled at least 2 hours before the session starts"
        )
        await assert_accessible(page)
        async with database.transaction(write=False) as session:
            booking = await session.get(Booking, booking_id)
            assert booking is not None
            assert booking.scheduled_at == starts

    async def test_a_time_taken_meanwhile_is_refused_and_nothing_moves(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        bob = await add_client(database, settings, 2)
        starts = from_now(days=2)
        booking_id = await book(site, database, ada, starts)
        other = from_now(days=3)
        last_seat = await add_slot(database, other)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}/reschedule")
        # Someone else takes the last seat while the page is open.
        async with httpx.AsyncClient(base_url=site) as api:
            taken = await api.post(
                "/api/bookings", json={"schedule_id": last_seat}, headers=bob.headers
            )
        assert taken.status_code == 201
        await page.get_by_role("button", name=slot_name(other)).click()

        await expect(page.get_by_role("alert")).to_contain_text(
            "The selected time slot is no longer available"
        )
        async with database.transaction(write=False) as session:
            booking = await session.get(Booking, booking_id)
            assert booking is not None
            assert booking.scheduled_at == starts
        await assert_seats_match_bookings(database)

    async def test_works_without_javascript(
        self, no_script: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(days=2))
        other = from_now(days=4)
        await add_slot(database, other)

        await sign_in(no_script, ada.email)
        await no_script.goto(f"/bookings/{booking_id}")
        await no_script.get_by_role("link", name="Reschedule").click()
        await no_script.get_by_role("button", name=slot_name(other)).click()
        await expect(no_script.get_by_role("status")).to_have_text("Your booking has been moved.")
        await no_script.get_by_role("button", name="Cancel booking").click()
        await no_script.get_by_role("button", name="Confirm cancellation").click()

        await expect(no_script.get_by_role("status")).to_have_text("Your booking is cancelled.")


class TestJoin:
    async def test_before_the_window_the_page_says_when_it_opens(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        starts = from_now(days=1, hours=3)
        booking_id = await book(site, database, ada, starts)
        await record_paid(database, booking_id)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")

        opens = starts - timedelta(minutes=10)
        opens_at = f"{opens:%a} {opens.day} {opens:%b %Y}, {opens:%H:%M}"
        await expect(page.get_by_text(f"The room opens at {opens_at} (UTC)")).to_be_visible()
        await expect(page.get_by_role("link", name="Join session")).to_have_count(0)
        response = await page.request.get(f"/bookings/{booking_id}/join", max_redirects=0)
        assert response.status == 200

    async def test_inside_the_window_it_leads_to_the_room(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(minutes=5))
        await record_paid(database, booking_id)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")

        join = page.get_by_role("link", name="Join session")
        await expect(join).to_have_attribute("href", f"/bookings/{booking_id}/join")
        # Followed, it goes on to the room the API's meeting gives (not loaded here: the test
        # lets nothing leave 127.0.0.1).
        response = await page.request.get(f"/bookings/{booking_id}/join", max_redirects=0)
        assert response.status == 303
        async with httpx.AsyncClient(base_url=site) as api:
            meeting = await api.get(f"/api/bookings/{booking_id}/meeting", headers=ada.headers)
        room = meeting.json()["meeting_url"]
        assert room
        assert response.headers["location"] == room


class TestCalendarAndReceipt:
    async def test_add_to_calendar_downloads_the_event(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        starts = from_now(days=5)
        booking_id = await book(site, database, ada, starts)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")
        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="Add to calendar").click()
        download = await download_info.value

        assert download.suggested_filename.endswith(".ics")
        path = await download.path()
        calendar = Calendar.from_ical(await asyncio.to_thread(Path(path).read_bytes))
        [event] = calendar.walk("VEVENT")
        assert event.decoded("dtstart") == starts
        assert event.decoded("dtend") == starts + timedelta(hours=1)
        assert str(event["status"]) == "CONFIRMED"

    async def test_the_receipt_of_a_paid_booking(
        self,
        page: Page,
        phone: Page,
        *,
        site: str,
        database: Database,
        settings: Settings,
        tmp_path: Path,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(days=5))
        paid_at = from_now(minutes=-3)
        intent = await record_paid(database, booking_id, succeeded_at=paid_at)

        await sign_in(page, ada.email)
        await page.goto(f"/bookings/{booking_id}")
        await page.get_by_role("link", name="Receipt").click()

        await expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
        for text in (settings.practice_name, "Client1 Lovelace", ada.email, PRICE, "USD", intent):
            await expect(page.get_by_role("main")).to_contain_text(text)
        paid = f"{paid_at:%a} {paid_at.day} {paid_at:%b %Y}, {paid_at:%H:%M}"
        await expect(page.get_by_role("main")).to_contain_text(paid)
        await assert_accessible(page)
        await screenshots(page, "receipt", tmp_path)

        await sign_in(phone, ada.email)
        await phone.goto(f"/bookings/{booking_id}/receipt")
        await assert_no_sideways_scroll(phone)

    async def test_an_unpaid_booking_has_no_receipt(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await book(site, database, ada, from_now(days=5))

        await sign_in(page, ada.email)
        response = await page.goto(f"/bookings/{booking_id}/receipt")

        assert response is not None
        assert response.status == 409
