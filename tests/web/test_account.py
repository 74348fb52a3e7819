"""A person's account pages: creating an account and verifying its address with the mailed
code, a forgotten password, and the profile with its change of password."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, expect

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.browser import (
    assert_accessible,
    assert_no_sideways_scroll,
    new_context,
    screenshots,
)
from tests.support.mailbox import Mailbox, otp_from
from tests.support.pages import sign_in
from tests.support.people import PASSWORD, add_client, add_person

NEW_PASSWORD = "a quieter morning tide"
MARKUP = "<img src=x onerror=alert(1)>"


async def register(page: Page, email: str = "grace@example.com") -> None:
    await page.goto("/register")
    await page.get_by_label("First name").fill("Grace")
    await page.get_by_label("Last name").fill("Hopper")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Phone").fill("+44 20 7946 0000")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()


async def latest_code(mailbox: Mailbox, email: str, count: int = 1) -> str:
    return otp_from((await mailbox.wait_for(email, count))[-1])


class TestRegister:
    async def test_register_verify_and_be_signed_in(
        self, page: Page, mailbox: Mailbox, tmp_path: Path
    ) -> None:
        await page.goto("/register")
        await assert_accessible(page)
        await screenshots(page, "register", tmp_path)

        await register(page)

        await expect(page).to_have_url(re.compile(r"/verify\?email=grace%40example.com$"))
        await expect(page.get_by_text("grace@example.com")).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "verify", tmp_path)
        await page.get_by_label("Code").fill(await latest_code(mailbox, "grace@example.com"))
        await page.get_by_role("button", name="Verify").click()

        await expect(page).to_have_url(re.compile(r"/bookings$"))
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        await page.goto("/profile")
        await expect(page.get_by_label("First name")).to_have_value("Grace")
        await expect(page.get_by_label("Phone")).to_have_value("+44 20 7946 0000")

    async def test_a_wrong_code_is_refused_beside_the_field(
        self, page: Page, mailbox: Mailbox
    ) -> None:
        await register(page)
        code = await latest_code(mailbox, "grace@example.com")
        wrong = "000000" if code != "000000" else "111111"

        await page.get_by_label("Code").fill(wrong)
        await page.get_by_role("button", name="Verify").click()

        await expect(page.get_by_role("alert")).to_contain_text("not right")
        await expect(page.get_by_label("Code")).to_have_accessible_description(
            re.compile("That code is not right")
        )
        await assert_accessible(page)
        await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
        # The right code still works after a wrong one.
        await page.get_by_label("Code").fill(code)
        await page.get_by_role("button", name="Verify").click()
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    async def test_a_new_code_right_away_says_when_to_ask_again(
        self, page: Page, mailbox: Mailbox
    ) -> None:
        await register(page)
        await mailbox.wait_for("grace@example.com")

        await page.get_by_role("button", name="Send a new code").click()

        await expect(page.get_by_role("alert")).to_contain_text(
            re.compile(r"ask for a new one in \d+ (seconds?|minutes?)")
        )
        assert len(mailbox.to("grace@example.com")) == 1

    async def test_refusals_keep_what_was_typed_and_show_markup_as_text(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        await add_client(database, settings)
        await page.goto("/register")
        await page.get_by_label("First name").fill(MARKUP)
        await page.get_by_label("Last name").fill("Hopper")
        await page.get_by_label("Email").fill("client1@example.com")
        await page.get_by_label("Password").fill("short")
        await page.get_by_role("button", name="Create account").click()

        await expect(page.get_by_label("First name")).to_have_accessible_description(
            re.compile("letters")
        )
        await expect(page.get_by_label("First name")).to_have_value(MARKUP)
        await expect(page.locator("img")).to_have_count(0)
        await expect(page.get_by_label("Password")).to_have_value("")
        await assert_accessible(page)

        await page.get_by_label("First name").fill("Grace")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Create account").click()
        await expect(page.get_by_label("Email")).to_have_accessible_description(
            re.compile("already exists")
        )

    async def test_fits_a_phone(self, phone: Page) -> None:
        for path in ("/register", "/verify", "/verify?email=grace@example.com"):
            await phone.goto(path)
            await assert_no_sideways_scroll(phone)
            await assert_accessible(phone)


class TestVerifyAfterSignIn:
    async def test_an_unverified_person_is_told_and_can_get_a_new_code(
        self, page: Page, database: Database, settings: Settings, mailbox: Mailbox
    ) -> None:
        person = await add_person(database, settings, email="ada@example.com", verified=False)
        await page.goto("/login")
        await page.get_by_label("Email").fill(person.email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()

        await expect(page).to_have_url(re.compile(r"/verify\?"))
        await expect(page.get_by_role("status")).to_contain_text("not verified yet")
        await page.get_by_role("button", name="Send a new code").click()
        await expect(page.get_by_role("status")).to_contain_text("a new code is on its way")
        await page.get_by_label("Code").fill(await latest_code(mailbox, person.email))
        await page.get_by_role("button", name="Verify").click()

        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    async def test_an_address_in_the_link_shows_as_text(self, page: Page) -> None:
        await page.goto("/verify?email=" + MARKUP)

        await expect(page.get_by_text(MARKUP)).to_be_visible()
        await expect(page.locator("img")).to_have_count(0)


class TestForgottenPassword:
    async def test_forgot_reset_and_sign_in_with_the_new_password(
        self, page: Page, database: Database, settings: Settings, mailbox: Mailbox, phone: Page
    ) -> None:
        client = await add_client(database, settings)
        await page.goto("/forgot-password")
        await assert_accessible(page)
        await page.get_by_label("Email").fill(client.email)
        await page.get_by_role("button", name="Send code").click()

        await expect(page).to_have_url(re.compile(r"/reset-password\?"))
        await expect(page.get_by_role("status")).to_contain_text("is on its way")
        await expect(page.get_by_label("Email")).to_have_value(client.email)
        await assert_accessible(page)
        await page.get_by_label("Code").fill(await latest_code(mailbox, client.email))
        await page.get_by_label("New password").fill(NEW_PASSWORD)
        await page.get_by_label("Confirm password").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Set new password").click()

        await expect(page).to_have_url(re.compile(r"/login\?"))
        await expect(page.get_by_role("status")).to_contain_text("Sign in with the new password")
        await sign_in(page, client.email, NEW_PASSWORD)

        for path in ("/forgot-password", "/reset-password"):
            await phone.goto(path)
            await assert_no_sideways_scroll(phone)

    async def test_an_unknown_address_is_answered_the_same(self, page: Page) -> None:
        await page.goto("/forgot-password")
        await page.get_by_label("Email").fill("nobody@example.com")
        await page.get_by_role("button", name="Send code").click()

        await expect(page).to_have_url(re.compile(r"/reset-password\?"))
        await expect(page.get_by_role("status")).to_contain_text(
            "If this address has an account, a code to reset its password is on its way"
        )

    async def test_a_weak_password_leaves_the_code_usable(
        self, page: Page, database: Database, settings: Settings, mailbox: Mailbox
    ) -> None:
        client = await add_client(database, settings)
        await page.goto("/forgot-password")
        await page.get_by_label("Email").fill(client.email)
        await page.get_by_role("button", name="Send code").click()
        code = await latest_code(mailbox, client.email)

        # More weak passwords than a code has tries: none of them spends it.
        for _ in range(settings.otp_max_attempts + 1):
            await page.get_by_label("Code").fill(code)
            await page.get_by_label("New password").fill("12345678")
            await page.get_by_label("Confirm password").fill("12345678")
            await page.get_by_role("button", name="Set new password").click()
            await expect(page.get_by_label("New password")).to_have_accessible_description(
                re.compile("too common|entirely numeric")
            )
        await page.get_by_label("Code").fill(code)
        await page.get_by_label("New password").fill(NEW_PASSWORD)
        await page.get_by_label("Confirm password").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Set new password").click()

        await expect(page).to_have_url(re.compile(r"/login\?"))


class TestProfile:
    async def test_a_visitor_signs_in_first(self, page: Page) -> None:
        await page.goto("/profile")

        await expect(page).to_have_url(re.compile(r"/login\?next=/profile"))

    async def test_change_the_profile(
        self, page: Page, phone: Page, database: Database, settings: Settings, tmp_path: Path
    ) -> None:
        client = await add_client(database, settings)
        await sign_in(page, client.email)
        await page.goto("/profile")
        await expect(page.get_by_text(client.email)).to_be_visible()
        await assert_accessible(page)
        await screenshots(page, "profile", tmp_path)

        await page.get_by_label("First name").fill("Augusta")
        await page.get_by_label("Last name").fill("King")
        await page.get_by_label("Phone").fill("+44 20 7946 0001")
        await page.get_by_role("button", name="Save profile").click()

        await expect(page.get_by_role("status")).to_contain_text("Your profile is saved")
        await page.reload()
        await expect(page.get_by_label("First name")).to_have_value("Augusta")
        await expect(page.get_by_label("Last name")).to_have_value("King")
        await expect(page.get_by_label("Phone")).to_have_value("+44 20 7946 0001")

        # An emptied phone number is removed; an emptied name is refused beside its field.
        await page.get_by_label("Phone").fill("")
        await page.get_by_role("button", name="Save profile").click()
        await expect(page.get_by_role("status")).to_contain_text("Your profile is saved")
        await expect(page.get_by_label("Phone")).to_have_value("")
        await page.get_by_label("Last name").fill("")
        await page.get_by_role("button", name="Save profile").click()
        await expect(page.get_by_label("Last name")).to_have_accessible_description(
            re.compile("Last name")
        )
        await assert_accessible(page)

        await sign_in(phone, client.email)
        await phone.goto("/profile")
        await assert_no_sideways_scroll(phone)

    async def test_a_wrong_current_password_or_a_mistyped_new_one_is_refused(
        self, page: Page, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        await sign_in(page, client.email)
        await page.goto("/profile")

        await page.get_by_label("Current password").fill("not the password")
        await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        await page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Change password").click()

        await expect(page.get_by_label("Current password")).to_have_accessible_description(
            re.compile("Current password is incorrect")
        )
        await assert_accessible(page)

        await page.get_by_label("Current password").fill(PASSWORD)
        await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        await page.get_by_label("Confirm new password").fill(NEW_PASSWORD + "!")
        await page.get_by_role("button", name="Change password").click()
        await expect(page.get_by_label("Confirm new password")).to_have_accessible_description(
            re.compile("must be the same as the new password")
        )

    async def test_a_new_password_ends_every_other_sign_in(
        self, page: Page, browser: Browser, site: str, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        await sign_in(page, client.email)
        other_context, _ = await new_context(browser, site)
        other = await other_context.new_page()
        await sign_in(other, client.email)

        await page.goto("/profile")
        await page.get_by_label("Current password").fill(PASSWORD)
        await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        await page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Change password").click()

        await expect(page.get_by_role("status")).to_contain_text("Your password is changed")
        await page.goto("/profile")
        await expect(page).to_have_url(re.compile(r"/profile$"))
        await other.goto("/profile")
        await expect(other).to_have_url(re.compile(r"/login\?next=/profile"))
        await other_context.close()
        # The API login the client had is over too.
        async with httpx.AsyncClient(base_url=site) as http:
            response = await http.get("/api/auth/profile", headers=client.headers)
        assert response.status_code == 401
