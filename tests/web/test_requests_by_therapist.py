"""Requests in a practice of several therapists, in Chromium: the client asks for a therapist and
a service on `/request`; the front desk gives a request to a therapist without reading its
reason; a therapist sees only the requests on their own calendar; the list filters by therapist
in its address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from playwright.async_api import Page, expect

from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.web.templates import day
from tests.requests.test_therapists import add_service
from tests.support.browser import assert_accessible
from tests.support.pages import sign_in
from tests.support.people import Person, add_admin, add_person
from tests.web.test_admin_requests import ask, fill_time, weekday_ahead

REASON = "Initial consultation for anxiety"


@dataclass(frozen=True)
class Staff:
    owner: Person  # Theo Lovelace, a therapist too
    therapist: Person  # Mia Reed
    front_desk: Person


@pytest.fixture
async def staff(database: Database, settings: Settings) -> Staff:
    """The owner and Mia, who offer "Session" and "Couples", and the front desk."""
    people = Staff(
        owner=await add_admin(database, settings),
        therapist=await add_person(
            database,
            settings,
            email="mia@example.com",
            first_name="Mia",
            last_name="Reed",
            role=Role.therapist,
        ),
        front_desk=await add_person(
            database, settings, email="desk@example.com", first_name="Dee", role=Role.front_desk
        ),
    )
    await add_service(database, "Couples", [people.owner.id, people.therapist.id])
    return people


async def first_offered_date(site: str) -> date:
    async with httpx.AsyncClient(base_url=site) as http:
        response = await http.get("/api/meetings/appointments/available-dates")
    return date.fromisoformat(response.json()[0])


class TestAskingForATherapist:
    async def test_the_client_chooses_a_therapist_and_a_service(
        self, page: Page, site: str, staff: Staff
    ) -> None:
        first = await first_offered_date(site)

        await page.goto("/request")
        await assert_accessible(page)
        await page.get_by_label("First name").fill("Ada")
        await page.get_by_label("Last name").fill("Lovelace")
        await page.get_by_label("Email").fill("ada@example.com")
        await page.get_by_label("Therapist").select_option(label="Mia Reed")
        await page.get_by_label("Service").select_option(label="Couples")
        await page.get_by_label(day(first)).check()
        await page.get_by_label("Morning").check()
        await page.get_by_role("button", name="Send request").click()

        await expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
        await expect(page.get_by_text("Mia Reed")).to_be_visible()
        await expect(page.get_by_text("Couples")).to_be_visible()

    async def test_a_therapists_link_chooses_them(
        self, page: Page, site: str, staff: Staff
    ) -> None:
        await page.goto(f"/request?therapist={staff.therapist.id}")

        await expect(page.get_by_label("Therapist")).to_have_value(str(staff.therapist.id))

    async def test_anyone_is_the_first_choice(self, page: Page, site: str, staff: Staff) -> None:
        await page.goto("/request")

        await expect(page.get_by_label("Therapist")).to_have_value("")
        await expect(page.get_by_label("Therapist").locator("option").first).to_have_text("Anyone")


class TestTheFrontDesk:
    async def test_gives_a_request_to_a_therapist_without_reading_its_reason(
        self, page: Page, site: str, staff: Staff
    ) -> None:
        request_id = await ask(site)
        when = weekday_ahead(3)

        await sign_in(page, staff.front_desk.email)
        await page.goto(f"/admin/requests/{request_id}")
        await expect(page.get_by_text("Only the therapists read the reason")).to_be_visible()
        await expect(page.get_by_text(REASON)).to_have_count(0)
        await assert_accessible(page)
        await fill_time(page, when, "10:00")
        await page.get_by_label("Therapist").select_option(label="Mia Reed")
        await page.get_by_role("button", name="Schedule").click()

        await expect(page).to_have_url(re.compile(rf"/admin/requests/{request_id}\?done="))
        await expect(page.locator("dd", has_text="Mia Reed")).to_be_visible()

    async def test_must_choose_a_therapist_for_a_request_that_named_none(
        self, page: Page, site: str, staff: Staff
    ) -> None:
        request_id = await ask(site)

        await sign_in(page, staff.front_desk.email)
        await page.goto(f"/admin/requests/{request_id}")
        await fill_time(page, weekday_ahead(3), "10:00")
        await page.get_by_role("button", name="Schedule").click()

        await expect(page.get_by_role("alert")).to_contain_text("Say who will see the client")
        await expect(page.get_by_label("Therapist")).to_have_attribute("aria-invalid", "true")


class TestATherapist:
    async def test_sees_only_the_requests_on_their_calendar(
        self, page: Page, site: str, staff: Staff
    ) -> None:
        hers = await ask(site, first_name="Hers", therapist_id=staff.therapist.id)
        theirs = await ask(site, first_name="Theirs", therapist_id=staff.owner.id)

        await sign_in(page, staff.therapist.email)
        await page.goto("/admin/requests")
        await expect(page.get_by_role("link", name="Hers Doe")).to_be_visible()
        await expect(page.get_by_role("link", name="Theirs Doe")).to_have_count(0)
        # A therapist has only their own calendar to look at: no filter.
        await expect(page.get_by_label("Therapist")).to_have_count(0)
        await assert_accessible(page)

        await page.goto(f"/admin/requests/{hers}")
        await expect(page.get_by_text(REASON)).to_be_visible()
        response = await page.goto(f"/admin/requests/{theirs}")
        assert response is not None
        assert response.status == 404

    async def test_schedules_a_request_asked_of_them(
        self, page: Page, site: str, staff: Staff
    ) -> None:
        hers = await ask(site, therapist_id=staff.therapist.id)

        await sign_in(page, staff.therapist.email)
        await page.goto(f"/admin/requests/{hers}")
        await fill_time(page, weekday_ahead(3), "10:00")
        await page.get_by_role("button", name="Schedule").click()

        await expect(page).to_have_url(re.compile(rf"/admin/requests/{hers}\?done="))


class TestTheList:
    async def test_filters_by_therapist_in_the_address(
        self, page: Page, site: str, staff: Staff
    ) -> None:
        await ask(site, first_name="Hers", therapist_id=staff.therapist.id)
        await ask(site, first_name="Theirs", therapist_id=staff.owner.id)

        await sign_in(page, staff.owner.email)
        await page.goto("/admin/requests")
        await expect(page.get_by_role("link", name="Theirs Doe")).to_be_visible()
        await page.get_by_label("Therapist").select_option(label="Mia Reed")
        await page.get_by_role("button", name="Filter").click()

        await expect(page).to_have_url(re.compile(rf"therapist={staff.therapist.id}"))
        await expect(page.get_by_role("link", name="Hers Doe")).to_be_visible()
        await expect(page.get_by_role("link", name="Theirs Doe")).to_have_count(0)
        await expect(page.get_by_label("Therapist")).to_have_value(str(staff.therapist.id))
        await assert_accessible(page)
