"""Real Chromium for the page tests: Debian's `chromium`, driven by Playwright for Python.

Every host name but 127.0.0.1 resolves to nothing and every request is watched, so a page that
would load anything from elsewhere fails its test. axe-core (bundled in axe-playwright-python)
checks each page for accessibility; screenshots go to docs/screenshots/ when
ATTUNE_WRITE_SCREENSHOTS=1 (`make screenshots`), else to the test's own folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Request,
    ViewportSize,
    async_playwright,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=375, height=812)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# The WCAG 2.2 AA rules axe-core knows, and the findings that fail a test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})


def _axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed (.ci/run installs Debian's chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Watch:
    """Requests that left 127.0.0.1, and what the console complained of (CSP refusals)."""

    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname != "127.0.0.1":
            self.outside.append(request.url)


async def new_context(
    browser: Browser, base_url: str, *, javascript: bool = True, phone: bool = False
) -> tuple[BrowserContext, Watch]:
    context = await browser.new_context(
        base_url=base_url,
        viewport=PHONE if phone else DESKTOP,
        java_script_enabled=javascript,
        locale="en-GB",
        timezone_id="UTC",
    )
    context.set_default_timeout(15_000)
    watch = Watch()
    context.on("request", watch.on_request)

    def on_console(message: Any) -> None:
        if message.type == "error":
            watch.console_errors.append(message.text)

    context.on("console", on_console)
    return context, watch


async def accessibility_findings(page: Page) -> list[str]:
    """The serious and critical WCAG 2.2 AA findings of axe-core on the page as it is."""
    # evaluate() is not page script: the page's CSP (no inline script) does not refuse it.
    await page.evaluate(_axe_source())
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation.get("impact") in FAILING_IMPACTS
    ]


async def assert_accessible(page: Page) -> None:
    findings = await accessibility_findings(page)
    assert findings == [], f"{page.url}: " + "; ".join(findings)


async def assert_no_sideways_scroll(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


async def screenshots(page: Page, name: str, folder: Path) -> list[Path]:
    """The page at desktop and phone widths; back at the desktop width afterwards."""
    target = SCREENSHOTS if os.environ.get("ATTUNE_WRITE_SCREENSHOTS") == "1" else folder
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(viewport)
        path = target / f"{name}-{width_name}.png"
        await page.screenshot(path=str(path), full_page=True)
        written.append(path)
    await page.set_viewport_size(DESKTOP)
    return written
