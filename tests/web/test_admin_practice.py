"""The owner's therapists and services pages, in Chromium: inviting a therapist whose mailed
link sets their password, and adding, changing and removing a service."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Page, expect

from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.browser import assert_accessible, screenshots
from tests.support.mailbox import Mailbox, text_body
from tests.support.pages import sign_in
from tests.support.people import add_admin, add_person

CHOSEN = "a long and quiet harbour"


async def invitation_path(mailbox: Mailbox, address: str) -> str:
    message = (await mailbox.wait_for(address))[-1]
    found = re.search(r"https?://\S+/invitation\?token=\S+", text_body(message))
    assert found is not None, text_body(message)
    link = urlsplit(found.group(0))
    return f"{link.path}?{link.query}"


class TestTherapists:
    async def test_an_invited_therapist_chooses_a_password_once(
        self,
        page: Page,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        tmp_path: Path,
    ) -> None:
        owner = await add_admin(database, settings)
        await sign_in(page, owner.email)
        await page.goto("/admin/")
        await page.get_by_role("link", name="Therapists", exact=True).click()
        await expect(page.get_by_role("heading", name="Therapists and staff")).to_be_visible()
        await assert_accessible(page)

        await page.get_by_role("button", name="Send invitation").click()
        await expect(page.get_by_role("alert")).to_contain_text("There is a problem")
        await assert_accessible(page)

        await page.get_by_label("Email").fill("ada@example.com")
        await page.get_by_label("First name").fill("Ada")
        await page.get_by_label("Last name").fill("Moss")
        await page.get_by_label("Role").select_option(label="Therapist")
        await page.get_by_role("button", name="Send invitation").click()

        await expect(page.get_by_role("status")).to_contain_text("The invitation is sent")
        row = page.get_by_role("row").filter(has_text="ada@example.com")
        await expect(row).to_contain_text("Invited")
        await screenshots(page, "admin-therapists", tmp_path)

        link = await invitation_path(mailbox, "ada@example.com")
        await page.get_by_role("button", name="Sign out").click()
        await page.goto(link)
        await expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
        await expect(page.get_by_text("Welcome, Ada")).to_be_visible()
        await assert_accessible(page)
        await page.get_by_label("New password", exact=True).fill(CHOSEN)
        await page.get_by_label("Confirm password").fill(CHOSEN)
        await page.get_by_role("button", name="Set password").click()

        await expect(page).to_have_url(re.compile(r"/login\?notice=invitation-accepted$"))
        await page.goto(link)
        await expect(page.get_by_text("has expired or has already been used")).to_be_visible()
        await sign_in(page, "ada@example.com", CHOSEN)
        await page.goto("/admin/")
        # A therapist does not manage the practice's staff.
        await expect(page.get_by_role("link", name="Therapists", exact=True)).to_have_count(0)

    async def test_deactivating_a_therapist_lists_their_sessions(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        tess = await add_person(
            database, settings, email="tess@example.com", first_name="Tess", role=Role.therapist
        )
        await sign_in(page, owner.email)

        await page.goto(f"/admin/therapists/{tess.id}")
        await assert_accessible(page)
        await page.get_by_label("Title").fill("Psychotherapist")
        await page.get_by_label("Active (may sign in)").uncheck()
        await page.get_by_role("button", name="Save changes").click()

        await expect(page.get_by_role("status")).to_contain_text("The changes are saved")
        await expect(page.get_by_label("Active (may sign in)")).not_to_be_checked()
        await expect(page.get_by_label("Title")).to_have_value("Psychotherapist")
        await page.goto("/admin/therapists")
        await expect(page.get_by_role("row").filter(has_text="tess@example.com")).to_contain_text(
            "Deactivated"
        )


class TestServices:
    async def test_add_change_and_remove_a_service(
        self, page: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        owner = await add_admin(database, settings)
        await sign_in(page, owner.email)
        await page.goto("/admin/")
        await page.get_by_role("link", name="Services", exact=True).click()
        await expect(page.get_by_role("heading", name="Services", exact=True)).to_be_visible()
        await assert_accessible(page)

        await page.get_by_label("Name").fill("Couples session")
        await page.get_by_label("Length in minutes").fill("90")
        await page.get_by_label(re.compile(r"^Price")).fill("15O")
        await page.get_by_role("button", name="Add service").click()
        await expect(page.get_by_role("alert")).to_contain_text("price")
        await assert_accessible(page)

        await page.get_by_label(re.compile(r"^Price")).fill("150")
        await page.get_by_label("Held").select_option(label="Video or in person")
        await page.get_by_label("Theo Lovelace").check()
        await page.get_by_role("button", name="Add service").click()

        await expect(page.get_by_role("status")).to_contain_text("The service is added")
        row = page.get_by_role("row").filter(has_text="Couples session")
        await expect(row).to_contain_text("90 min")
        await expect(row).to_contain_text("$150.00")
        await screenshots(page, "admin-services", tmp_path)

        await row.get_by_role("link", name="Couples session").click()
        await assert_accessible(page)
        await page.get_by_label(re.compile(r"^Price")).fill("")
        await page.get_by_role("button", name="Save service").click()
        await expect(page.get_by_role("status")).to_contain_text("The service is saved")
        # No price of its own: the practice's, for 90 minutes.
        price = settings.session_price_cents * 90 // 60 / 100
        await expect(page.get_by_text(f"90 minutes, ${price:,.2f}")).to_be_visible()

        await page.get_by_role("button", name="Remove service").click()
        await expect(page.get_by_role("status")).to_contain_text("The service is deleted")
        await expect(page.get_by_role("row").filter(has_text="Couples session")).to_have_count(0)
