"""The client's booking page for a practice of several therapists and services, over HTTP:
filters in the address that every link keeps, each time's therapist and services, choosing the
service of a time that offers several, and where a session in person is held."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from attune.models import Booking, Delivery, Schedule
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.scheduling.builders import SEED_START
from tests.scheduling.practice_builders import add_service, add_therapist, set_terms
from tests.support.mailbox import SmtpServer
from tests.support.page_client import post_form, sign_in_over_http
from tests.support.people import Person
from tests.support.slots import add_slot

DAY = "2024-12-15"
ADDRESS = "12 High Street, Springfield"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, smtp_url=smtp_server.url, practice_address=ADDRESS)


def slot_links(html: str) -> list[str]:
    return re.findall(r'class="slot" href="([^"]+)"', html)


class TestBookByTherapistOrService:
    async def test_a_therapist_s_own_booking_page(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        await add_slot(database, SEED_START, therapist_id=admin.id)
        idas = await add_slot(database, SEED_START, therapist_id=ida.id)

        page = await client.get("/book", params={"date": DAY, "therapist": ida.id})

        assert page.status_code == 200
        assert "Book a session: with Ida Lovelace" in page.text
        assert slot_links(page.text) == [f"/book/{idas}"]
        assert f"/book?date=2024-12-16&amp;therapist={ida.id}" in page.text
        assert f'name="therapist" value="{ida.id}"' in page.text

    async def test_every_time_names_its_therapist_and_services(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        await add_service(database, "Couples", [admin.id])
        await add_slot(database, SEED_START, therapist_id=ida.id)

        page = await client.get("/book", params={"date": DAY})

        assert '<span class="slot-note">Ida Lovelace</span>' in page.text
        assert '<span class="slot-note">Session</span>' in page.text

    async def test_a_practice_of_one_names_nobody(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await add_slot(database, SEED_START)

        page = await client.get("/book", params={"date": DAY})

        assert "Theo Lovelace" not in page.text
        assert '<span class="slot-note">Session</span>' not in page.text

    async def test_by_service_the_time_opens_with_that_service(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        couples = await add_service(database, "Couples", [admin.id])
        both = await add_slot(database, SEED_START)
        await add_slot(database, SEED_START + timedelta(hours=2), service_ids=[1])

        page = await client.get("/book", params={"date": DAY, "service": couples})

        assert slot_links(page.text) == [f"/book/{both}?service={couples}"]
        assert "Book a session: Couples" in page.text


class TestChoosingTheService:
    async def test_the_client_books_the_service_they_choose(
        self, client: httpx.AsyncClient, admin: Person, member: Person, database: Database
    ) -> None:
        couples = await add_service(database, "Couples", [admin.id], price_cents=15000)
        slot = await add_slot(database, SEED_START)
        await sign_in_over_http(client, member.email)

        shown = await client.get(f"/book/{slot}")
        posted = await post_form(
            client, f"/book/{slot}", f"/book/{slot}", {"service_id": str(couples), "notes": ""}
        )

        assert '<label for="field-service_id">Service</label>' in shown.text
        assert "Couples: $150.00" in shown.text
        assert "Session: $100.00" in shown.text
        assert posted.status_code == 303, posted.text
        async with database.transaction(write=False) as session:
            booking = await session.scalar(select(Booking))
        assert booking is not None
        assert (booking.service_id, booking.amount_cents) == (couples, 15000)

    async def test_a_time_of_one_service_asks_nothing(
        self, client: httpx.AsyncClient, admin: Person, member: Person, database: Database
    ) -> None:
        slot = await add_slot(database, SEED_START)
        await sign_in_over_http(client, member.email)

        shown = await client.get(f"/book/{slot}")

        assert 'name="service_id"' not in shown.text
        assert "By video" in shown.text

    async def test_in_person_says_where(
        self, client: httpx.AsyncClient, admin: Person, member: Person, database: Database
    ) -> None:
        await set_terms(database, 1, delivery=Delivery.both)
        slot = await add_slot(database, SEED_START)
        async with database.transaction() as session:
            stored = await session.get(Schedule, slot)
            assert stored is not None
            stored.delivery = Delivery.in_person
        await sign_in_over_http(client, member.email)

        shown = await client.get(f"/book/{slot}")

        assert f"In person at {ADDRESS}" in shown.text
