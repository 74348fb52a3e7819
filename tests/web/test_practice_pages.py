"""The practice's therapists (`/therapists`) and services (`/services`) as a client reads them:
every active therapist's profile and services, every active service and who offers it, each
with its way into booking (`/book?therapist=`, `/book?service=`); linked from the home page and
the site's navigation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect
from sqlalchemy import insert

from attune.models import Service, Therapist
from attune.models.practice import Delivery, service_therapists
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.web.pages.practice import photo_on_this_site
from tests.support.browser import assert_accessible, assert_no_sideways_scroll, screenshots
from tests.support.mailbox import SmtpServer
from tests.support.people import add_person
from tests.web.test_booking import web_settings

ADDRESS = "12 Harbour Street, Portsmouth"
OWN_PHOTO = "/static/favicon.svg"
PHOTO_ELSEWHERE = "https://photos.elsewhere.example/bea.jpg"
TYPED = "<b>Calm</b> & careful"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return web_settings(tmp_path, database_url, smtp_server, practice_address=ADDRESS)


@dataclass(frozen=True)
class Practice:
    ada: int  # the owner, who sees clients too
    bea: int
    couples: int  # Bea's in-person service


async def practice_of_three(database: Database, settings: Settings) -> Practice:
    """Ada (owner) and Bea offer the first service, "Session"; Bea also offers couples sessions
    in person; Cid has left (inactive) and a retired group is no longer offered."""
    ada = await add_person(
        database, settings, email="ada@practice.example", admin=True, last_name="Lovelace"
    )
    bea = await add_person(
        database,
        settings,
        email="bea@practice.example",
        first_name="Bea",
        last_name="Okafor",
        role=Role.therapist,
    )
    cid = await add_person(
        database,
        settings,
        email="cid@practice.example",
        first_name="Cid",
        last_name="Moreau",
        role=Role.therapist,
    )
    now = datetime.now(UTC)
    async with database.transaction() as session:
        first, second, gone = [
            await session.get_one(Therapist, person.id) for person in (ada, bea, cid)
        ]
        first.title = "Clinical psychologist"
        first.bio = f"Ten years of work with anxiety and grief. {TYPED}."
        first.languages = ["English", "Deutsch"]
        first.photo_url = OWN_PHOTO
        second.title = "Couples therapist"
        second.photo_url = PHOTO_ELSEWHERE
        gone.is_active = False
        couples = Service(
            name="Couples session",
            description="Both partners, together in the room.",
            duration_minutes=90,
            price_cents=18000,
            delivery=Delivery.in_person,
            created_at=now,
            updated_at=now,
        )
        retired = Service(
            name="Retired group",
            duration_minutes=120,
            delivery=Delivery.video,
            seats=6,
            is_active=False,
            created_at=now,
            updated_at=now,
        )
        session.add_all([couples, retired])
        await session.flush()
        await session.execute(
            insert(service_therapists),
            [
                {"service_id": couples.id, "therapist_id": bea.id},
                {"service_id": retired.id, "therapist_id": ada.id},
            ],
        )
    return Practice(ada=ada.id, bea=bea.id, couples=couples.id)


def card(page: Page, name: str) -> Locator:
    return page.get_by_role("article", name=name, exact=True)


async def fits_a_phone_and_passes_axe(page: Page, name: str, folder: Path) -> None:
    await assert_accessible(page)
    await screenshots(page, name, folder)
    await page.set_viewport_size({"width": 375, "height": 812})
    await assert_no_sideways_scroll(page)
    await assert_accessible(page)
    await page.set_viewport_size({"width": 1280, "height": 900})


class TestTherapists:
    async def test_every_active_therapist_with_profile_services_and_booking_link(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        practice = await practice_of_three(database, settings)

        await page.goto("/therapists")

        await expect(page.get_by_role("heading", level=1)).to_have_text("Our therapists")
        articles = page.get_by_role("article")
        await expect(articles).to_have_count(2)
        ada = card(page, "Ada Lovelace")
        await expect(ada).to_contain_text("Clinical psychologist")
        # What the owner typed is shown as text, never as markup.
        await expect(ada).to_contain_text(TYPED)
        await expect(ada).to_contain_text("English, Deutsch")
        await expect(ada.get_by_role("img", name="Photo of Ada Lovelace")).to_have_attribute(
            "src", OWN_PHOTO
        )
        await expect(ada.get_by_role("listitem")).to_have_text(
            ["Session: 60 min, $100.00, by video"]
        )
        await expect(ada.get_by_role("link", name="Book with Ada Lovelace")).to_have_attribute(
            "href", f"/book?therapist={practice.ada}"
        )
        bea = card(page, "Bea Okafor")
        await expect(bea).to_contain_text("Couples therapist")
        # A photo kept on another site is left out: the pages load images only from here.
        await expect(bea.get_by_role("img")).to_have_count(0)
        await expect(bea.get_by_role("listitem")).to_have_text(
            ["Session: 60 min, $100.00, by video", "Couples session: 90 min, $180.00, in person"]
        )
        await expect(page.get_by_text("Cid")).to_have_count(0)
        await expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Therapists")
        ).to_have_attribute("aria-current", "page")
        await fits_a_phone_and_passes_axe(page, "therapists", tmp_path)

    async def test_book_with_a_therapist_opens_their_booking_page(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        practice = await practice_of_three(database, settings)
        await page.goto("/")

        await page.get_by_role("link", name="Meet our therapists").click()
        await card(page, "Bea Okafor").get_by_role("link", name="Book with Bea Okafor").click()

        await expect(page).to_have_url(f"/book?therapist={practice.bea}")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()

    async def test_a_practice_without_therapists_says_so(self, page: Page) -> None:
        await page.goto("/therapists")

        await expect(page.get_by_role("article")).to_have_count(0)
        await expect(page.get_by_role("main")).to_contain_text(
            "The practice has not listed its therapists yet."
        )
        await expect(page.get_by_role("link", name="Request an appointment")).to_be_visible()
        await assert_accessible(page)


class TestServices:
    async def test_every_active_service_with_terms_who_offers_it_and_booking_link(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        practice = await practice_of_three(database, settings)

        await page.goto("/services")

        await expect(page.get_by_role("heading", level=1)).to_have_text("Services")
        await expect(page.get_by_role("article")).to_have_count(2)
        session = card(page, "Session")
        await expect(session).to_contain_text("A one-to-one session by video.")
        await expect(session.get_by_role("definition")).to_have_text(
            ["60 min", "$100.00", "By video", "Ada Lovelace, Bea Okafor"]
        )
        await expect(session.get_by_role("link", name="Book Session")).to_have_attribute(
            "href", "/book?service=1"
        )
        couples = card(page, "Couples session")
        await expect(couples).to_contain_text("Both partners, together in the room.")
        await expect(couples.get_by_role("definition")).to_have_text(
            ["90 min", "$180.00", f"In person, at {ADDRESS}", "Bea Okafor"]
        )
        await expect(couples.get_by_role("link", name="Book Couples session")).to_have_attribute(
            "href", f"/book?service={practice.couples}"
        )
        await expect(couples.get_by_role("link", name="Bea Okafor")).to_have_attribute(
            "href", f"/therapists#therapist-{practice.bea}"
        )
        await expect(page.get_by_text("Retired group")).to_have_count(0)
        await fits_a_phone_and_passes_axe(page, "services", tmp_path)

    async def test_the_home_page_and_navigation_lead_here(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        await practice_of_three(database, settings)
        await page.goto("/")

        await page.get_by_role("link", name="See our services and prices").click()

        await expect(page).to_have_url("/services")
        await page.goto("/book")
        await (
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
        )
        await expect(page.get_by_role("heading", level=1)).to_have_text("Services")


SITE = "https://care.harbour.example"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/static/photos/ada.jpg", "/static/photos/ada.jpg"),
        ("/media/bea.png?v=2", "/media/bea.png?v=2"),
        (f"{SITE}/media/ada.jpg", f"{SITE}/media/ada.jpg"),
        ("https://photos.example.com/ada.jpg", None),
        ("http://care.harbour.example/media/ada.jpg", None),
        ("https://care.harbour.example:8443/media/ada.jpg", None),
        ("https://care.harbour.example.evil.example/ada.jpg", None),
        ("//photos.example.com/ada.jpg", None),
        ("/\\photos.example.com/ada.jpg", None),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("photos/ada.jpg", None),
        ("", None),
        (None, None),
    ],
)
def test_only_a_photo_on_this_site_is_shown(url: str | None, shown: str | None) -> None:
    assert photo_on_this_site(url, SITE) == shown
