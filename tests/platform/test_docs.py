"""`/docs`: Swagger UI served by Attune itself, so it works on a machine without internet."""

from __future__ import annotations

import asyncio
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import REQUIRE_SERVICES
from tests.support.live_server import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Every host name resolves to nothing, so a page that needs the internet shows it.
NO_NETWORK = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}


class Assets(HTMLParser):
    """The URLs a page loads (scripts, stylesheets, icons) and whether it runs inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if values.get("src"):
                self.urls.append(str(values["src"]))
            else:
                self._in_script_without_src = True
        elif tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))
        elif tag == "img" and values.get("src"):
            self.urls.append(str(values["src"]))

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False


def assets_of(html: str) -> Assets:
    parser = Assets()
    parser.feed(html)
    return parser


class TestSameOrigin:
    async def test_the_page_loads_only_its_own_assets(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/docs")

        assert response.status_code == 200
        assets = assets_of(response.text)
        assert len(assets.urls) >= 3  # Swagger UI's script and style, and the page's own script
        for url in assets.urls:
            parts = urlsplit(url)
            assert not parts.scheme, f"{url} is not same-origin"
            assert not parts.netloc, f"{url} is not same-origin"
            assert url.startswith("/"), url
        assert assets.inline_scripts == 0

    async def test_every_asset_is_served_with_its_type(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/docs")

        for url in assets_of(page.text).urls:
            response = await client.get(url)
            assert response.status_code == 200, url
            assert response.content, url
            media_type = response.headers["content-type"].split(";")[0]
            assert media_type in CONTENT_TYPES[Path(urlsplit(url).path).suffix], url

    async def test_the_policy_names_no_other_origin(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/docs")

        policy = response.headers["content-security-policy"]
        assert "http" not in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy

    async def test_the_page_starts_swagger_ui_on_the_service_s_document(
        self, client: httpx.AsyncClient
    ) -> None:
        page = await client.get("/docs")
        scripts = [url for url in assets_of(page.text).urls if url.endswith(".js")]

        starters = [(await client.get(url)).text for url in scripts]

        assert any("SwaggerUIBundle(" in text and "/openapi.json" in text for text in starters)

    async def test_redoc_is_not_offered(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/redoc")).status_code == 404


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        if REQUIRE_SERVICES:
            pytest.fail("chromium is not installed (ATTUNE_TEST_REQUIRE_SERVICES=1)")
        pytest.skip("chromium is not installed")
    return CHROMIUM


async def render(chromium: str, url: str, tmp_path: Path, *flags: str) -> str:
    """The page's DOM after its scripts ran, in headless Chromium with no network."""
    process = await asyncio.create_subprocess_exec(
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium'}",
        f"--host-resolver-rules={NO_NETWORK}",
        "--virtual-time-budget=15000",
        *flags,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with asyncio.timeout(120):
        out, _ = await process.communicate()
    assert process.returncode == 0
    return out.decode()


async def test_chromium_without_network_shows_every_operation(
    app: FastAPI, chromium: str, tmp_path: Path
) -> None:
    async with live_server(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as http:
            document = (await http.get("/openapi.json")).json()
        dom = await render(chromium, f"{base_url}/docs", tmp_path, "--dump-dom")
        await render(
            chromium,
            f"{base_url}/docs",
            tmp_path,
            f"--screenshot={tmp_path / 'docs.png'}",
            "--window-size=1280,2400",
        )

    assert (tmp_path / "docs.png").stat().st_size > 10_000
    operations = sum(
        1
        for item in document["paths"].values()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    )
    assert dom.count('class="opblock opblock-') == operations
    shown = set(re.findall(r'data-path="([^"]+)"', dom))
    assert shown == set(document["paths"])
    assert {"/api/bookings", "/api/meetings/appointments/create", "/api/admin/users"} <= shown
