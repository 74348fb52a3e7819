"""The web pages driven over plain HTTP (no browser), for tests that walk many routes: a form's
CSRF token is read from the page that shows it, as a browser would send it."""

from __future__ import annotations

import re

import httpx

from tests.support.people import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, form_page: str, action: str, data: dict[str, str]
) -> httpx.Response:
    """Open `form_page`, then post `data` to `action` with the page's CSRF token."""
    shown = await client.get(form_page)
    return await client.post(action, data={**data, "csrf_token": csrf_token_of(shown.text)})


async def sign_in_over_http(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, *, next_path: str = "/"
) -> str:
    """Sign in with the login form; gives where the form sent the person (always this site)."""
    response = await post_form(
        client, "/login", "/login", {"email": email, "password": password, "next": next_path}
    )
    assert response.status_code == 303, response.text
    assert "attune_session" in client.cookies
    location = response.headers["location"]
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location
    return location
