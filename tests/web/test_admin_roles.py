"""The back office's pages for each role: the owner sees the whole practice and may pick a
therapist; a therapist sees their own week, bookings, clients and figures; the front desk every
booking, with the clinical notes withheld and no refunds unless granted; a client is refused
and a visitor is sent to sign in. The navigation shows each only what they may use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import update

from attune.models import User
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.support.browser import assert_accessible
from tests.support.pages import sign_in
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_person

NOTES = "Trouble sleeping since the move"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The bookings stand for a practice's week: the hold sweep must leave them unpaid."""
    return settings.model_copy(update={"payment_hold_minutes": 60 * 24 * 365})


def at(days: int, hour: int) -> datetime:
    today = datetime.now(UTC).date()
    return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=UTC)


@dataclass(frozen=True)
class Practice:
    owner: Person
    therapist_a: Person
    therapist_b: Person
    desk: Person
    desk_refunds: Person
    client_a: Person
    client_b: Person
    # Cleo's session with Ana, paid; Dev's with Ben.
    a_booking: int
    b_booking: int

    def person(self, name: str) -> Person | None:
        found: Person | None = None if name == "visitor" else getattr(self, name)
        return found


async def member(database: Database, settings: Settings, first: str, role: Role) -> Person:
    return await add_person(
        database,
        settings,
        email=f"{first.lower()}@example.com",
        first_name=first,
        last_name="Staff",
        role=role,
    )


@pytest.fixture
async def practice(database: Database, settings: Settings) -> Practice:
    owner = await add_admin(database, settings)
    therapist_a = await member(database, settings, "Ana", Role.therapist)
    therapist_b = await member(database, settings, "Ben", Role.therapist)
    desk = await member(database, settings, "Dora", Role.front_desk)
    desk_refunds = await member(database, settings, "Finn", Role.front_desk)
    async with database.transaction() as session:
        await session.execute(
            update(User).where(User.id == desk_refunds.id).values(may_refund=True)
        )
    client_a = await add_person(
        database, settings, email="cleo@example.com", first_name="Cleo", last_name="Client"
    )
    client_b = await add_person(
        database, settings, email="dev@example.com", first_name="Dev", last_name="Client"
    )
    a_booking = await book(
        database, settings, client_a, at(0, 20), therapist_id=therapist_a.id, notes=NOTES
    )
    await record_paid(database, a_booking)
    b_booking = await book(database, settings, client_b, at(1, 10), therapist_id=therapist_b.id)
    return Practice(
        owner,
        therapist_a,
        therapist_b,
        desk,
        desk_refunds,
        client_a,
        client_b,
        a_booking,
        b_booking,
    )


EVERYONE = ["owner", "therapist_a", "therapist_b", "desk", "desk_refunds", "client_a", "visitor"]
# Whose clients each member of the practice sees on Today and in the bookings.
SEES = {
    "owner": {"Cleo", "Dev"},
    "therapist_a": {"Cleo"},
    "therapist_b": {"Dev"},
    "desk": {"Cleo", "Dev"},
    "desk_refunds": {"Cleo", "Dev"},
}


async def open_as(page: Page, practice: Practice, who: str, path: str) -> None:
    person = practice.person(who)
    if person is not None:
        await sign_in(page, person.email)
    await page.goto(path)


async def assert_refused(page: Page, who: str, path: str) -> None:
    """A client is told the page is the practice's; a visitor is sent to sign in first."""
    if who == "visitor":
        await expect(page).to_have_url(re.compile(r"/login\?next=" + re.escape(path) + "$"))
        return
    await expect(page.get_by_role("heading", name="This page is for the practice")).to_be_visible()


async def assert_clients_shown(page: Page, who: str) -> None:
    main = page.get_by_role("main")
    for name in ("Cleo", "Dev"):
        expected = 1 if name in SEES[who] else 0
        await expect(main.get_by_role("link", name=f"{name} Client")).to_have_count(expected)


@pytest.mark.parametrize("who", EVERYONE)
class TestToday:
    async def test_each_role_sees_its_own_week(
        self, page: Page, site: str, practice: Practice, who: str
    ) -> None:
        await open_as(page, practice, who, "/admin/")

        if who not in SEES:
            await assert_refused(page, who, "/admin")
            return
        await assert_clients_shown(page, who)
        picker = page.get_by_role("form", name="Whose day")
        await expect(picker).to_have_count(0 if who.startswith("therapist") else 1)
        await assert_accessible(page)


@pytest.mark.parametrize("who", EVERYONE)
class TestBookings:
    async def test_each_role_lists_what_it_may_see(
        self, page: Page, site: str, practice: Practice, who: str
    ) -> None:
        await open_as(page, practice, who, "/admin/bookings")

        if who not in SEES:
            await assert_refused(page, who, "/admin/bookings")
            return
        table = page.get_by_role("region", name="Bookings")
        for name in ("Cleo", "Dev"):
            expected = 1 if name in SEES[who] else 0
            await expect(table.get_by_text(f"{name} Client")).to_have_count(expected)
        await assert_accessible(page)


@pytest.mark.parametrize("who", ["owner", "therapist_a", "desk"])
class TestNavigation:
    async def test_shows_only_what_the_role_may_use(
        self, page: Page, site: str, practice: Practice, who: str
    ) -> None:
        await open_as(page, practice, who, "/admin/")

        nav = page.get_by_role("navigation", name="Back office")
        for name in ("Today", "Bookings", "Clients", "Reports"):
            await expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        owners = 1 if who == "owner" else 0
        for name in ("Audit log", "Settings"):
            await expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(owners)


class TestTherapistFilter:
    async def test_the_owner_picks_a_therapists_day_and_bookings(
        self, page: Page, site: str, practice: Practice
    ) -> None:
        await open_as(page, practice, "owner", "/admin/")

        await page.get_by_label("Therapist").select_option(label="Ben Staff")
        await page.get_by_role("button", name="Show").click()

        await expect(page).to_have_url(
            re.compile(rf"/admin/\?therapist={practice.therapist_b.id}$")
        )
        await assert_clients_shown(page, "therapist_b")

        await page.goto("/admin/bookings")
        await page.get_by_label("Therapist").select_option(label="Ana Staff")
        await page.get_by_role("button", name="Filter").click()

        table = page.get_by_role("region", name="Bookings")
        await expect(table.get_by_text("Cleo Client")).to_have_count(1)
        await expect(table.get_by_text("Dev Client")).to_have_count(0)
        await expect(table.get_by_role("cell", name="Ana Staff")).to_have_count(1)


class TestOneBooking:
    async def test_the_front_desk_sees_the_notes_withheld_and_no_refund(
        self, page: Page, site: str, practice: Practice
    ) -> None:
        await open_as(page, practice, "desk", f"/admin/bookings/{practice.a_booking}")

        await expect(
            page.get_by_text("Withheld: clinical notes are for the therapist")
        ).to_be_visible()
        await expect(page.get_by_text(NOTES)).to_have_count(0)
        await expect(page.get_by_role("heading", name="Refund")).to_have_count(0)
        await expect(page.get_by_role("heading", name="Audit trail")).to_have_count(0)
        await assert_accessible(page)

    async def test_a_front_desk_allowed_to_refund_may(
        self, page: Page, site: str, practice: Practice
    ) -> None:
        await open_as(page, practice, "desk_refunds", f"/admin/bookings/{practice.a_booking}")

        await page.get_by_role("button", name="Refund").click()

        await expect(page.get_by_text("The refund is requested.")).to_be_visible()

    async def test_its_therapist_reads_the_notes(
        self, page: Page, site: str, practice: Practice
    ) -> None:
        await open_as(page, practice, "therapist_a", f"/admin/bookings/{practice.a_booking}")

        await expect(page.get_by_text(NOTES)).to_be_visible()
        await expect(page.get_by_role("heading", name="Refund")).to_have_count(0)

    async def test_another_therapist_does_not_find_it(
        self, page: Page, site: str, practice: Practice
    ) -> None:
        await open_as(page, practice, "therapist_b", f"/admin/bookings/{practice.a_booking}")

        await expect(page.get_by_text(NOTES)).to_have_count(0)
        await expect(page.get_by_role("heading", name="Booking not found")).to_be_visible()


@pytest.mark.parametrize("who", ["owner", "therapist_a", "desk"])
class TestClientsAndReports:
    async def test_clients(self, page: Page, site: str, practice: Practice, who: str) -> None:
        await open_as(page, practice, who, "/admin/clients")

        main = page.get_by_role("main")
        await expect(main.get_by_text("cleo@example.com")).to_have_count(1)
        await expect(main.get_by_text("dev@example.com")).to_have_count(
            0 if who == "therapist_a" else 1
        )

    async def test_reports_by_therapist_and_service(
        self, page: Page, site: str, practice: Practice, who: str
    ) -> None:
        await open_as(page, practice, who, "/admin/reports")

        by_therapist = page.get_by_role("region", name="By therapist", exact=True)
        await expect(by_therapist.get_by_role("rowheader", name="Ana Staff")).to_be_visible()
        await expect(by_therapist.get_by_role("rowheader", name="Ben Staff")).to_have_count(0)
        by_service = page.get_by_role("region", name="By service", exact=True)
        await expect(by_service.get_by_role("rowheader")).to_have_count(1)
        await assert_accessible(page)


class TestCalendar:
    async def test_the_owner_looks_at_one_therapists_week(
        self, page: Page, site: str, practice: Practice
    ) -> None:
        await open_as(page, practice, "owner", "/admin/calendar")

        await page.get_by_label("Therapist").select_option(label="Ben Staff")
        await page.get_by_role("button", name="Show").click()

        await expect(page).to_have_url(re.compile(rf"therapist={practice.therapist_b.id}"))
        main = page.get_by_role("main")
        await expect(main.get_by_role("link", name=re.compile("Dev Client"))).to_have_count(1)
        await expect(main.get_by_role("link", name=re.compile("Cleo Client"))).to_have_count(0)
        await assert_accessible(page)

    async def test_a_therapist_sees_only_their_own_week(
        self, page: Page, site: str, practice: Practice
    ) -> None:
        await open_as(page, practice, "therapist_a", "/admin/calendar")

        main = page.get_by_role("main")
        await expect(main.get_by_role("link", name=re.compile("Cleo Client"))).to_have_count(1)
        await expect(main.get_by_role("link", name=re.compile("Dev Client"))).to_have_count(0)
        await expect(page.get_by_role("form", name="Whose calendar")).to_have_count(0)
