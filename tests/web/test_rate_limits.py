"""Signing in on the pages is limited like the API's login: five tries a minute per address;
showing the form is not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from attune.app import create_app
from attune.platform.clock import Clock
from attune.platform.database import Database
from tests.conftest import http_client, make_settings
from tests.support.page_client import csrf_token_of


@pytest.fixture
async def limited(
    tmp_path: Path, database_url: str, database: Database, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path, database_url, rate_limits=True)
    app = create_app(settings, database=database, clock=clock)
    async with app.router.lifespan_context(app), http_client(app) as client:
        yield client


async def test_the_sixth_sign_in_in_a_minute_is_refused(limited: httpx.AsyncClient) -> None:
    form = await limited.get("/login")
    token = csrf_token_of(form.text)
    answers = [
        await limited.post(
            "/login", data={"email": "a@example.com", "password": "guess", "csrf_token": token}
        )
        for _ in range(6)
    ]

    assert [answer.status_code for answer in answers[:5]] == [401] * 5
    refused = answers[5]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "Too many requests" in refused.text
    assert int(refused.headers["retry-after"]) > 0


async def test_showing_the_form_does_not_count(limited: httpx.AsyncClient) -> None:
    shown = [await limited.get("/login") for _ in range(8)]

    assert {page.status_code for page in shown} == {200}
    assert shown[-1].headers["x-ratelimit-limit"] == "100"
