"""The web pages in real Chromium against the app served on 127.0.0.1, with the in-process
worker sending mail to the test SMTP server (tests/support/browser.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page

from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.browser import Watch, chromium, new_context
from tests.support.live_server import live_server
from tests.support.mailbox import SmtpServer


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    """The worker runs in the served app, as under `attune serve`, so mailed codes arrive."""
    return make_settings(
        tmp_path,
        database_url,
        smtp_url=smtp_server.url,
        run_worker=True,
        job_poll_seconds=0.05,
    )


@pytest.fixture
async def site(settings: Settings, database: Database, clock: Clock) -> AsyncIterator[str]:
    """The base URL of the app served on 127.0.0.1."""
    app: FastAPI = create_app(settings, database=database, clock=clock)
    async with live_server(app) as base_url:
        yield base_url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


async def _page(browser: Browser, site: str, **options: bool) -> AsyncIterator[Page]:
    context, watch = await new_context(browser, site, **options)
    page = await context.new_page()
    page.watch = watch  # type: ignore[attr-defined]
    yield page
    await context.close()
    assert watch.outside == [], f"requests left 127.0.0.1: {watch.outside}"


@pytest.fixture
async def page(browser: Browser, site: str) -> AsyncIterator[Page]:
    """A desktop-sized page; the test fails if anything it loads leaves 127.0.0.1."""
    async for page in _page(browser, site):
        yield page


@pytest.fixture
async def phone(browser: Browser, site: str) -> AsyncIterator[Page]:
    """A page 375 px wide."""
    async for page in _page(browser, site, phone=True):
        yield page


@pytest.fixture
async def no_script(browser: Browser, site: str) -> AsyncIterator[Page]:
    """A page with JavaScript switched off."""
    async for page in _page(browser, site, javascript=False):
        yield page


def watch_of(page: Page) -> Watch:
    watch: Watch = page.watch  # type: ignore[attr-defined]
    return watch
