"""The pages' own assets: served by Attune, light, and nothing else on a page."""

from __future__ import annotations

import httpx

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.page_client import sign_in_over_http
from tests.support.people import add_client

# The budget: under 100 KB of style sheets and scripts on any page (Stripe.js aside).
ASSET_BUDGET_BYTES = 100_000


async def test_style_and_script_of_a_page_stay_under_100_kb(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assets = ["/static/attune.css", "/static/attune.js"]

    sizes = {path: len((await client.get(path)).content) for path in assets}

    assert all(path.split("?")[0] in page.text for path in assets)
    assert all(size > 0 for size in sizes.values())
    assert sum(sizes.values()) < ASSET_BUDGET_BYTES


async def test_assets_are_served_with_their_types(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/attune.css")
    script = await client.get("/static/attune.js")
    icon = await client.get("/static/favicon.svg")

    assert css.headers["content-type"].startswith("text/css")
    assert script.headers["content-type"].split(";")[0] in (
        "text/javascript",
        "application/javascript",
    )
    assert icon.headers["content-type"].startswith("image/svg+xml")


async def test_sign_in_never_sends_anyone_to_another_site(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    person = await add_client(database, settings)
    for next_path in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        shown = await client.get("/login", params={"next": next_path})
        assert shown.status_code == 200
        await sign_in_over_http(client, person.email, next_path=next_path)
