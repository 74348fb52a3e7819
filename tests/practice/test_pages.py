"""The owner's therapists and services pages over HTTP, per role: only an owner opens or
posts them; the invitation page answers a link that is not live without a form."""

from __future__ import annotations

import re

import httpx
import pytest

from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.page_client import post_form, sign_in_over_http
from tests.support.people import add_admin, add_person

OWNER_PAGES = ["/admin/therapists", "/admin/services", "/admin/services/1"]


class TestWhoMay:
    @pytest.mark.parametrize("role", [Role.therapist, Role.front_desk])
    async def test_other_staff_are_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, role: Role
    ) -> None:
        owner = await add_admin(database, settings)
        member = await add_person(database, settings, email="staff@example.com", role=role)
        await sign_in_over_http(client, member.email)

        opened = {path: (await client.get(path)).status_code for path in OWNER_PAGES}
        member_page = await client.get(f"/admin/therapists/{owner.id}")
        today = await client.get("/admin/")

        assert opened == dict.fromkeys(OWNER_PAGES, 403)
        assert member_page.status_code == 403
        assert "/admin/therapists" not in today.text
        posted = await post_form(
            client,
            "/admin/",
            "/admin/services",
            {"name": "Sneaky", "duration_minutes": "60", "delivery": "video"},
        )
        assert posted.status_code == 403

    async def test_the_owner_opens_them_and_sees_them_in_the_navigation(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        await sign_in_over_http(client, owner.email)

        opened = {path: (await client.get(path)).status_code for path in OWNER_PAGES}
        today = await client.get("/admin/")

        assert opened == dict.fromkeys(OWNER_PAGES, 200)
        assert 'href="/admin/therapists"' in today.text
        assert 'href="/admin/services"' in today.text


class TestInvitationPage:
    @pytest.mark.parametrize("query", ["", "?token=nothing-like-a-token"])
    async def test_a_link_that_is_not_live(self, client: httpx.AsyncClient, query: str) -> None:
        response = await client.get(f"/invitation{query}")

        assert response.status_code == 400
        assert "has expired or has already been used" in response.text
        assert response.headers["referrer-policy"] == "no-referrer"


class TestMemberPage:
    async def test_a_front_desk_member_is_saved_with_the_profile_left_empty(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        desk = await add_person(database, settings, email="desk@example.com", role=Role.front_desk)
        await sign_in_over_http(client, owner.email)
        path = f"/admin/therapists/{desk.id}"

        saved = await post_form(
            client,
            path,
            path,
            {"role": "front_desk", "is_active": "on", "may_refund": "on", "title": "", "bio": ""},
        )

        assert saved.status_code == 303, saved.text
        shown = await client.get(saved.headers["location"])
        assert "The changes are saved" in shown.text


class TestServicePage:
    async def test_the_form_shows_the_terms_the_service_sets_itself(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        made = await client.post(
            "/api/admin/services",
            json={"name": "Group", "seats": 8, "booking_notice_hours": 24, "price_cents": 4050},
            headers=owner.headers,
        )
        service_id = made.json()["service"]["id"]
        await sign_in_over_http(client, owner.email)

        shown = (await client.get(f"/admin/services/{service_id}")).text

        assert re.search(r'id="field-seats"[^>]*value="8"', shown)
        assert re.search(r'id="field-booking_notice_hours"[^>]*value="24"', shown)
        assert re.search(r'id="field-buffer_minutes"[^>]*value=""', shown)
        assert re.search(r'id="field-price"[^>]*value="40.50"', shown)
