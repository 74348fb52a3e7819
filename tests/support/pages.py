"""Steps that many page tests take, through labels and accessible names as a person would."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.support.people import PASSWORD


async def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    await page.goto("/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
