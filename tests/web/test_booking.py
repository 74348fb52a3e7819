"""Booking and paying through the pages: the free times of a day and week in the viewer's zone,
a slot with its price and notice rules, the booking itself, and the payment (demo and Stripe)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, Route, expect
from sqlalchemy import select

from attune.appointments.fields import MAX_NOTES_LENGTH
from attune.models import Booking, Payment, PaymentProvider, PaymentStatus
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import seats_taken, stored_booking
from tests.conftest import make_settings
from tests.scheduling.builders import book
from tests.support.browser import (
    assert_accessible,
    assert_no_sideways_scroll,
    new_context,
    screenshots,
)
from tests.support.localstripe import running_localstripe, stripe_client, stripe_settings
from tests.support.mailbox import SmtpServer
from tests.support.pages import sign_in
from tests.support.people import Person, add_client
from tests.support.slots import add_slot, assert_seats_match_bookings
from tests.web.conftest import watch_of

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SLOT_TAKEN = "The selected time slot is no longer available"
DEMO_LABEL = "Demo mode: no card is charged"
PAID_NOTICE = "Demo payment made: no card was charged, and your session is marked paid."
TYPED = "<img src=x onerror=alert(1)>"
STRIPE_JS = "https://js.stripe.com/v3/"


def days_ahead(days: int, zone: ZoneInfo | None = None) -> date:
    return datetime.now(zone or UTC).date() + timedelta(days=days)


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo | None = None) -> datetime:
    """The instant the clocks of `zone` (UTC by default) show `hour:minute` on `day`."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone or UTC).astimezone(UTC)


def long_day(day: date) -> str:
    """How a page names a day in a heading: Thursday 10 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def day_section(page: Page, day: date) -> Locator:
    return page.get_by_role("region", name=long_day(day))


def web_settings(
    tmp_path: Path, database_url: str, smtp_server: SmtpServer, **values: object
) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        smtp_url=smtp_server.url,
        run_worker=True,
        job_poll_seconds=0.05,
        **values,
    )


async def book_and_pay(page: Page, database: Database, client: Person, slot_day: date) -> int:
    """Choose 09:00 on `slot_day`, book it with notes and pay in demo mode."""
    await page.goto(f"/book?date={slot_day.isoformat()}")
    await day_section(page, slot_day).get_by_role("link", name=re.compile("09:00 – 10:00")).click()

    await expect(page.get_by_role("heading", name="Book a session")).to_be_visible()
    await expect(
        page.get_by_text("Cancel at least 24 hours before the start for a full refund")
    ).to_be_visible()
    await page.get_by_label("Notes").fill("First session; " + TYPED)
    await page.get_by_role("button", name="Book").click()

    await expect(page).to_have_url(re.compile(r"/bookings/\d+/pay$"))
    booking_id = int(page.url.split("/")[-2])
    await expect(page.get_by_text(DEMO_LABEL)).to_be_visible()
    await page.get_by_role("button", name="Pay").click()

    await expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}\?notice=paid-demo$"))
    await expect(page.get_by_role("status")).to_have_text(PAID_NOTICE)
    # The booking as the server recorded it: paid, nothing left to pay.
    await expect(page.get_by_text("Paid", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name="Pay", exact=True)).to_have_count(0)
    return booking_id


async def assert_paid(database: Database, booking_id: int, client: Person) -> None:
    booking: Booking = await stored_booking(database, booking_id)
    assert booking.user_id == client.id
    assert booking.payment_status == PaymentStatus.succeeded
    assert str(booking.payment_id).startswith("pi_demo_")


class TestBookAndPay:
    async def test_a_client_books_a_free_time_and_pays_in_demo_mode(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        client = await add_client(database, settings)
        slot_day = days_ahead(3)
        await add_slot(database, at(slot_day, 9))
        await add_slot(database, at(slot_day, 14), minutes=45)

        await sign_in(page, client.email)
        await page.goto(f"/book?date={slot_day.isoformat()}")
        section = day_section(page, slot_day)
        await expect(section.get_by_role("link", name=re.compile("09:00 – 10:00"))).to_be_visible()
        await expect(section.get_by_role("link", name=re.compile("14:00 – 14:45"))).to_be_visible()
        await expect(page.get_by_text("Times are in UTC.")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "book", tmp_path)

        await section.get_by_role("link", name=re.compile("14:00")).click()
        await expect(page.get_by_text("45 minutes")).to_be_visible()
        # The practice's price, pro rata for 45 minutes of a $100.00 hour.
        await expect(page.get_by_text("$75.00")).to_be_visible()
        await expect(
            page.get_by_text("Reschedule at least 2 hours before the start.")
        ).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "slot", tmp_path)

        booking_id = await book_and_pay(page, database, client, slot_day)

        await assert_paid(database, booking_id, client)
        await page.goto(f"/bookings/{booking_id}/pay")
        await expect(page.get_by_text("This session is paid.")).to_be_visible()
        await expect(page.get_by_role("button", name="Pay")).to_have_count(0)

    async def test_the_payment_page(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        client = await add_client(database, settings)
        slot = await add_slot(database, at(days_ahead(2), 9))
        booking_id = await book(database, settings, client, slot, now=datetime.now(UTC))

        await sign_in(page, client.email)
        await page.goto(f"/bookings/{booking_id}/pay")

        await expect(page.get_by_role("heading", name="Pay for your session")).to_be_visible()
        await expect(page.get_by_text(DEMO_LABEL)).to_be_visible()
        await expect(page.get_by_text("$100.00")).to_be_visible()
        await expect(page.get_by_text("Not paid")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "pay", tmp_path)

    async def test_the_same_without_javascript(
        self, no_script: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        slot_day = days_ahead(4)
        await add_slot(database, at(slot_day, 9))

        await sign_in(no_script, client.email)
        booking_id = await book_and_pay(no_script, database, client, slot_day)

        await assert_paid(database, booking_id, client)

    async def test_notes_are_kept_for_the_therapist(
        self, page: Page, site: str, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        slot_day = days_ahead(5)
        await add_slot(database, at(slot_day, 9))

        await sign_in(page, client.email)
        booking_id = await book_and_pay(page, database, client, slot_day)

        async with httpx.AsyncClient(base_url=site) as api:
            response = await api.get(f"/api/bookings/{booking_id}", headers=client.headers)
        assert response.json()["booking"]["notes"] == "First session; " + TYPED


class TestWithoutPayments:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return web_settings(tmp_path, database_url, smtp_server, payments_enabled=False)

    async def test_booking_goes_to_the_booking_with_a_notice(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        slot_day = days_ahead(3)
        slot = await add_slot(database, at(slot_day, 9))

        await sign_in(page, client.email)
        await page.goto(f"/book/{slot}")
        await expect(page.get_by_text("Cancel at least 24 hours before the start.")).to_be_visible()
        await page.get_by_role("button", name="Book").click()

        await expect(page).to_have_url(re.compile(r"/bookings/\d+\?notice=booked$"))
        await expect(page.get_by_role("status")).to_contain_text("Your session is booked.")


class TestZones:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return web_settings(
            tmp_path, database_url, smtp_server, practice_timezone="America/New_York"
        )

    async def test_a_viewer_in_berlin_sees_berlins_times(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        slot_day = days_ahead(3, NEW_YORK)
        slot = await add_slot(database, at(slot_day, 10, zone=NEW_YORK))
        berlin = datetime.combine(slot_day, time(10), tzinfo=NEW_YORK).astimezone(BERLIN)
        shown = f"{berlin:%H:%M} – {berlin + timedelta(hours=1):%H:%M}"
        assert shown != "10:00 – 11:00"

        await sign_in(page, client.email)
        await page.goto(f"/book?date={slot_day.isoformat()}&tz=America/New_York")
        await expect(
            day_section(page, slot_day).get_by_role("link", name=re.compile("10:00 – 11:00"))
        ).to_be_visible()
        await page.get_by_label("Time zone").select_option("Europe/Berlin")
        await page.get_by_role("button", name="Show times").click()

        await expect(page).to_have_url(re.compile(r"tz=Europe%2FBerlin"))
        await expect(page.get_by_text("Times are in Europe/Berlin.")).to_be_visible()
        await expect(page.get_by_text("The practice is in America/New York")).to_be_visible()
        link = day_section(page, slot_day).get_by_role("link", name=re.compile(shown))
        await expect(link).to_be_visible()
        await expect(
            day_section(page, slot_day).get_by_role("link", name=re.compile("10:00"))
        ).to_have_count(0)

        # The zone picked is kept for the next page.
        await link.click()
        await expect(page).to_have_url(re.compile(rf"/book/{slot}$"))
        await expect(page.get_by_text(f"{shown} (Europe/Berlin)")).to_be_visible()

    async def test_a_day_when_the_clocks_go_forward(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        # New York's clocks go from 02:00 to 03:00 on 14 March 2027: the day lasts 23 hours.
        change = date(2027, 3, 14)
        await add_slot(database, at(change, 0, 30, zone=NEW_YORK))
        await add_slot(database, at(change, 1, 30, zone=NEW_YORK))
        await add_slot(database, at(change, 23, 30, zone=NEW_YORK), minutes=30)
        await add_slot(database, at(change + timedelta(days=1), 0, 30, zone=NEW_YORK))

        await page.goto(f"/book?date={change.isoformat()}&tz=America/New_York")

        section = day_section(page, change)
        names = await section.get_by_role("link").all_inner_texts()
        assert [re.sub(r"\s+", " ", name).strip() for name in names] == [
            "Sun 14 Mar: 00:30 – 01:30 60 min",
            # An hour long, across the hour the clocks skip.
            "Sun 14 Mar: 01:30 – 03:30 60 min",
            "Sun 14 Mar: 23:30 – 00:00 30 min",
        ]
        week = page.get_by_role("region", name="The week after")
        await expect(
            week.get_by_role("link", name=re.compile("Mon 15 Mar: 00:30 – 01:30"))
        ).to_be_visible()


class TestFullDays:
    async def test_a_full_day_points_to_the_next_free_day(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        other = await add_client(database, settings, 2)
        full_day = days_ahead(2)
        free_day = days_ahead(6)
        taken = await add_slot(database, at(full_day, 9))
        await book(database, settings, other, taken, now=datetime.now(UTC))
        await add_slot(database, at(free_day, 11))

        await page.goto(f"/book?date={full_day.isoformat()}")

        section = day_section(page, full_day)
        await expect(section.get_by_text("This day is fully booked.")).to_be_visible()
        await expect(section.get_by_role("link", name=re.compile("09:00"))).to_have_count(0)
        await section.get_by_role("link", name=f"Next free day: {long_day(free_day)}").click()
        await expect(
            day_section(page, free_day).get_by_role("link", name=re.compile("11:00 – 12:00"))
        ).to_be_visible()

    async def test_an_empty_day_says_so(self, page: Page, database: Database) -> None:
        empty = days_ahead(2)

        await page.goto(f"/book?date={empty.isoformat()}")

        section = day_section(page, empty)
        await expect(section.get_by_text("No free times on this day.")).to_be_visible()
        await expect(section.get_by_role("link", name="Request an appointment")).to_be_visible()
        await expect(
            page.get_by_role("region", name="The week after").get_by_text("No free times")
        ).to_have_count(7)


class TestRace:
    async def test_two_people_race_for_the_last_seat(
        self, page: Page, browser: Browser, site: str, database: Database, settings: Settings
    ) -> None:
        first, second = (
            await add_client(database, settings, 1),
            await add_client(database, settings, 2),
        )
        slot = await add_slot(database, at(days_ahead(3), 9))
        context, _watch = await new_context(browser, site)
        other = await context.new_page()
        try:
            for person, tab in ((first, page), (second, other)):
                await sign_in(tab, person.email)
                await tab.goto(f"/book/{slot}")
                await tab.get_by_label("Notes").fill(TYPED)

            async def press_book(tab: Page) -> None:
                async with tab.expect_navigation():
                    await tab.get_by_role("button", name="Book").click()

            await asyncio.gather(press_book(page), press_book(other))

            paying = [tab for tab in (page, other) if re.search(r"/bookings/\d+/pay$", tab.url)]
            refused = [tab for tab in (page, other) if tab.url.endswith(f"/book/{slot}")]
            assert (len(paying), len(refused)) == (1, 1), [page.url, other.url]
            loser = refused[0]
            await expect(loser.get_by_role("alert")).to_contain_text(SLOT_TAKEN)
            await expect(loser.get_by_role("button", name="Book")).to_have_count(0)
            await expect(loser.get_by_role("link", name="Choose another time")).to_be_visible()
        finally:
            await context.close()
        await assert_seats_match_bookings(database)


class TestRefusals:
    async def test_notes_too_long_are_refused_beside_the_field_and_kept_as_text(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        slot = await add_slot(database, at(days_ahead(3), 9))
        typed = TYPED + "x" * MAX_NOTES_LENGTH

        await sign_in(page, client.email)
        await page.goto(f"/book/{slot}")
        await page.get_by_label("Notes").fill(typed)
        await page.get_by_role("button", name="Book").click()

        await expect(page.get_by_role("alert")).to_contain_text("There is a problem")
        notes = page.get_by_label("Notes")
        await expect(notes).to_have_attribute("aria-invalid", "true")
        await expect(notes).to_have_value(typed)
        await expect(page.locator("main img")).to_have_count(0)
        await assert_accessible(page)
        assert await seats_taken(database, slot) == 0

    async def test_a_visitor_signs_in_and_comes_back_to_the_slot(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        slot = await add_slot(database, at(days_ahead(3), 9))

        await page.goto(f"/book/{slot}")
        await expect(page).to_have_url(re.compile(rf"/login\?next=/book/{slot}$"))
        await page.get_by_label("Email").fill(client.email)
        await page.get_by_label("Password").fill("correct horse battery")
        await page.get_by_role("button", name="Sign in").click()

        await expect(page).to_have_url(re.compile(rf"/book/{slot}$"))
        await expect(page.get_by_role("button", name="Book")).to_be_visible()

    async def test_a_past_slot_cannot_be_booked(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        past = await add_slot(database, datetime.now(UTC) - timedelta(hours=2))

        await sign_in(page, client.email)
        await page.goto(f"/book/{past}")

        await expect(page.get_by_text("This time can no longer be booked.")).to_be_visible()
        await expect(page.get_by_role("button", name="Book")).to_have_count(0)

    async def test_a_strangers_booking_cannot_be_paid(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        owner, stranger = (
            await add_client(database, settings, 1),
            await add_client(database, settings, 2),
        )
        slot = await add_slot(database, at(days_ahead(3), 9))
        booking_id = await book(database, settings, owner, slot, now=datetime.now(UTC))

        await sign_in(page, stranger.email)
        response = await page.goto(f"/bookings/{booking_id}/pay")

        assert response is not None
        assert response.status == 404
        await expect(page.get_by_role("heading", name="Booking not found")).to_be_visible()

    async def test_an_unknown_or_closed_slot_is_not_found(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        closed = await add_slot(database, at(days_ahead(3), 9), available=False)

        await sign_in(page, client.email)
        for slot in (closed, closed + 1000):
            response = await page.goto(f"/book/{slot}")
            assert response is not None
            assert response.status == 404

    @pytest.mark.parametrize("written", ["2026-02-30", "0001-01-01", "9999-12-31", "tomorrow"])
    async def test_a_bad_date_is_a_400_page(self, site: str, written: str) -> None:
        async with httpx.AsyncClient(base_url=site) as browser_like:
            response = await browser_like.get("/book", params={"date": written})

        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]
        assert "Check the address" in response.text


class TestPhone:
    async def test_every_page_fits_a_phone(
        self, phone: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        slot_day = days_ahead(3)
        slots = [await add_slot(database, at(slot_day, hour), minutes=50) for hour in range(8, 18)]
        booking_id = await book(database, settings, client, slots[0], now=datetime.now(UTC))

        await sign_in(phone, client.email)
        for path in (
            f"/book?date={slot_day.isoformat()}",
            f"/book/{slots[1]}",
            f"/bookings/{booking_id}/pay",
        ):
            await phone.goto(path)
            await assert_no_sideways_scroll(phone)
            await assert_accessible(phone)


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[str]:
    with running_localstripe() as (url, _process):
        yield url


class TestStripe:
    @pytest.fixture
    def settings(
        self, tmp_path: Path, database_url: str, smtp_server: SmtpServer, stripe_server: str
    ) -> Settings:
        return stripe_settings(
            tmp_path,
            database_url,
            smtp_server.url,
            stripe_server,
            run_worker=True,
            job_poll_seconds=0.05,
            stripe_publishable_key="pk_test_attune",
        )

    async def test_the_card_page_loads_stripe_with_the_intent(
        self, page: Page, database: Database, settings: Settings, stripe_server: str
    ) -> None:
        client = await add_client(database, settings)
        slot = await add_slot(database, at(days_ahead(3), 9))
        booking_id = await book(database, settings, client, slot, now=datetime.now(UTC))
        asked: list[str] = []

        async def refuse(route: Route) -> None:
            # Stripe.js cannot be had here (no internet): note that it was asked for.
            asked.append(route.request.url)
            await route.abort()

        await page.route("https://js.stripe.com/**", refuse)
        await sign_in(page, client.email)
        await page.goto(f"/bookings/{booking_id}/pay")
        await expect(page.get_by_text(DEMO_LABEL)).to_have_count(0)
        await page.get_by_role("button", name="Pay by card").click()

        await expect(page.get_by_role("heading", name="Pay by card")).to_be_visible()
        assert asked == [STRIPE_JS]
        booking = await stored_booking(database, booking_id)
        async with database.transaction(write=False) as session:
            payment = await session.scalar(select(Payment).where(Payment.booking_id == booking_id))
        assert payment is not None
        assert payment.provider == PaymentProvider.stripe
        intent = stripe_client(stripe_server).v1.payment_intents.retrieve(payment.intent_id)
        assert intent.amount == booking.amount_cents
        form = page.locator("#payment-form")
        await expect(form).to_have_attribute("data-client-secret", str(intent.client_secret))
        await expect(form).to_have_attribute("data-publishable-key", "pk_test_attune")
        # Without Stripe.js our script says so rather than leaving an empty form.
        await expect(page.get_by_role("alert")).to_contain_text("could not be loaded")

        response = await page.goto(f"/bookings/{booking_id}/pay")
        assert response is not None
        policy = response.headers["content-security-policy"]
        assert "script-src 'self' https://js.stripe.com" in policy
        assert "frame-src https://js.stripe.com" in policy
        assert "connect-src 'self' https://api.stripe.com" in policy
        await expect(page.locator(f'script[src="{STRIPE_JS}"]')).to_have_count(1)
        await assert_accessible(page)

        # Only this page asks for anything from elsewhere, and only for Stripe.js.
        await page.goto("/book")
        watch = watch_of(page)
        assert set(watch.outside) == {STRIPE_JS}
        watch.outside.clear()
        response = await page.goto("/book")
        assert response is not None
        assert "js.stripe.com" not in response.headers["content-security-policy"]
