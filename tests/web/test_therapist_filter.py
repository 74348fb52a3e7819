"""The back office's filter by therapist shows only where there is a choice: for the owner and
the front desk of a practice with more than one therapist, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.practice_builders import add_therapist
from tests.support.page_client import sign_in_over_http
from tests.support.people import add_admin

PAGES = ["/admin/", "/admin/bookings", "/admin/calendar", "/admin/clients", "/admin/reports"]
PICKER = '<label for="field-therapist'


@pytest.mark.parametrize("path", PAGES)
async def test_a_practice_of_one_therapist_has_nothing_to_choose(
    client: httpx.AsyncClient, database: Database, settings: Settings, path: str
) -> None:
    owner = await add_admin(database, settings)
    await sign_in_over_http(client, owner.email)

    page = await client.get(path)

    assert page.status_code == 200
    assert PICKER not in page.text


@pytest.mark.parametrize("path", PAGES)
async def test_the_front_desk_of_two_therapists_chooses_between_them(
    client: httpx.AsyncClient, database: Database, settings: Settings, path: str
) -> None:
    await add_admin(database, settings)
    await add_therapist(database, settings, "Ida")
    desk = await add_therapist(database, settings, "Dee", role=Role.front_desk)
    await sign_in_over_http(client, desk.email)

    page = await client.get(path)

    assert page.status_code == 200
    assert PICKER in page.text
    assert "Ida Lovelace" in page.text
