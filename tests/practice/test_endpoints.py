"""The practice's API: public profiles and services, and the owner's staff and services, per
role (owner 200, therapist and front desk 403, client 403, visitor 401)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.actor import Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.conftest import run_jobs
from tests.support.mailbox import Mailbox, text_body
from tests.support.people import PASSWORD, Person, add_admin, add_client, add_person

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
NEW_PASSWORD = "a long and quiet harbour"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def people(database: Database, settings: Settings) -> dict[str, Person]:
    return {
        "owner": await add_admin(database, settings),
        "therapist": await add_person(
            database, settings, email="tess@example.com", first_name="Tess", role=Role.therapist
        ),
        "front_desk": await add_person(
            database, settings, email="desk@example.com", first_name="Dee", role=Role.front_desk
        ),
        "client": await add_client(database, settings),
    }


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


ADMIN_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/admin/therapists", None),
    (
        "POST",
        "/api/admin/therapists",
        {"email": "x@example.com", "first_name": "X", "last_name": "Y"},
    ),
    ("PATCH", "/api/admin/therapists/1", {"title": "Dr"}),
    ("GET", "/api/admin/services", None),
    ("POST", "/api/admin/services", {"name": "Couples"}),
    ("PATCH", "/api/admin/services/1", {"price_cents": 9000}),
    ("DELETE", "/api/admin/services/1", None),
]


class TestWhoMay:
    @pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
    async def test_only_the_owner(
        self,
        *,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        method: str,
        path: str,
        body: dict[str, Any] | None,
    ) -> None:
        who = await people(database, settings)
        path = path.replace("/1", f"/{who['therapist'].id}") if "therapists/" in path else path

        visitor = await client.request(method, path, json=body)
        assert visitor.status_code == 401, visitor.text
        for role in ("therapist", "front_desk", "client"):
            refused = await client.request(method, path, json=body, headers=who[role].headers)
            assert refused.status_code == 403, (role, refused.text)
            assert set(refused.json()) >= {"error", "details"}
        allowed = await client.request(method, path, json=body, headers=who["owner"].headers)
        assert allowed.status_code in (200, 201), allowed.text

    @pytest.mark.parametrize("path", ["/api/therapists", "/api/services/"])
    async def test_anyone_reads_the_public_lists(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, path: str
    ) -> None:
        who = await people(database, settings)
        assert (await client.get(path)).status_code == 200
        for person in who.values():
            assert (await client.get(path, headers=person.headers)).status_code == 200


class TestPublic:
    async def test_a_practice_of_one(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)

        therapists = ok(await client.get("/api/therapists/"))["therapists"]
        services = ok(await client.get("/api/services"))["services"]

        assert therapists == [
            {
                "id": owner.id,
                "first_name": "Theo",
                "last_name": "Lovelace",
                "title": None,
                "bio": None,
                "languages": [],
                "photo_url": None,
                "services": [{"id": 1, "name": "Session"}],
            }
        ]
        assert services == [
            {
                "id": 1,
                "name": "Session",
                "description": "A one-to-one session by video.",
                "duration_minutes": 60,
                "price_cents": settings.session_price_cents,
                "amount": settings.session_price_cents / 100,
                "currency": settings.currency,
                "delivery": "video",
                "seats": 1,
                "booking_notice_hours": 0,
                "buffer_minutes": 0,
                "cancel_notice_hours": 24,
                "reschedule_notice_hours": 2,
                "therapist_ids": [owner.id],
            }
        ]

    async def test_deactivated_therapists_and_retired_services_are_not_shown(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        who = await people(database, settings)
        owner = who["owner"].headers
        made = ok(
            await client.post(
                "/api/admin/services",
                json={"name": "Group", "seats": 6, "therapist_ids": [who["therapist"].id]},
                headers=owner,
            ),
            201,
        )["service"]
        ok(
            await client.patch(
                f"/api/admin/therapists/{who['therapist'].id}",
                json={"is_active": False},
                headers=owner,
            )
        )
        ok(
            await client.patch(
                f"/api/admin/services/{made['id']}", json={"is_active": False}, headers=owner
            )
        )

        therapists = ok(await client.get("/api/therapists"))["therapists"]
        services = ok(await client.get("/api/services"))["services"]

        assert [one["id"] for one in therapists] == [who["owner"].id]
        assert [one["name"] for one in services] == ["Session"]
        assert services[0]["therapist_ids"] == [who["owner"].id]


class TestServices:
    async def test_create_change_and_list(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        made = ok(
            await client.post(
                "/api/admin/services",
                json={
                    "name": "Couples session",
                    "description": "For two partners.",
                    "duration_minutes": 90,
                    "price_cents": 15000,
                    "delivery": "both",
                    "booking_notice_hours": 24,
                    "therapist_ids": [owner.id],
                },
                headers=owner.headers,
            ),
            201,
        )["service"]
        assert (made["price_cents"], made["amount"], made["delivery"]) == (15000, 150.0, "both")
        assert (made["booking_notice_hours"], made["price_follows_practice"]) == (24, False)

        changed = ok(
            await client.patch(
                f"/api/admin/services/{made['id']}",
                json={"price_cents": None, "booking_notice_hours": None, "seats": 2},
                headers=owner.headers,
            )
        )["service"]

        # Following the practice again: its price for 90 minutes, its notice.
        assert changed["price_cents"] == settings.session_price_cents * 90 // 60
        assert (changed["booking_notice_hours"], changed["seats"]) == (0, 2)
        assert changed["price_follows_practice"] is True
        listed = ok(await client.get("/api/admin/services", headers=owner.headers))["services"]
        assert [one["name"] for one in listed] == ["Session", "Couples session"]

    @pytest.mark.parametrize(
        "body",
        [
            {"name": ""},
            {"name": "A", "duration_minutes": 2},
            {"name": "A", "price_cents": -1},
            {"name": "A", "delivery": "phone"},
            {"name": "A", "seats": 0},
            {"name": "A", "therapist_ids": [1, 1]},
            {"name": "A", "colour": "red"},
        ],
    )
    async def test_bad_input_is_a_400(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        body: dict[str, Any],
    ) -> None:
        owner = await add_admin(database, settings)
        refused = await client.post("/api/admin/services", json=body, headers=owner.headers)
        assert refused.status_code == 400, refused.text
        assert set(refused.json()) >= {"error", "details"}

    async def test_an_unknown_therapist_or_service(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        unknown = await client.post(
            "/api/admin/services",
            json={"name": "A", "therapist_ids": [999]},
            headers=owner.headers,
        )
        assert unknown.status_code == 400, unknown.text
        missing = await client.patch(
            "/api/admin/services/999", json={"name": "B"}, headers=owner.headers
        )
        assert missing.status_code == 404
        assert (
            await client.delete("/api/admin/services/999", headers=owner.headers)
        ).status_code == 404

    async def test_removing_a_service_deletes_it_unless_something_names_it(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        owner = await add_admin(database, settings)
        client_person = await add_client(database, settings)
        await book(database, settings, client_person, NOW + timedelta(days=2))
        unused = ok(
            await client.post(
                "/api/admin/services", json={"name": "Unused"}, headers=owner.headers
            ),
            201,
        )["service"]

        deleted = ok(
            await client.delete(f"/api/admin/services/{unused['id']}", headers=owner.headers)
        )
        retired = ok(await client.delete("/api/admin/services/1", headers=owner.headers))

        assert deleted["outcome"] == "deleted"
        assert retired["outcome"] == "deactivated"
        assert retired["service"]["is_active"] is False
        listed = ok(await client.get("/api/admin/services", headers=owner.headers))["services"]
        assert [(one["id"], one["is_active"]) for one in listed] == [(1, False)]


async def invitation_link(app: FastAPI, mailbox: Mailbox, address: str) -> str:
    await run_jobs(app)
    message = (await mailbox.wait_for(address))[-1]
    found = re.search(r"https?://\S+/invitation\?token=(\S+)", text_body(message))
    assert found is not None, text_body(message)
    return found.group(1)


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


class TestInvitations:
    async def test_the_mailed_link_sets_the_password_once(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        owner = await add_admin(database, settings)
        invited = ok(
            await client.post(
                "/api/admin/therapists",
                json={"email": "Ada@Example.com", "first_name": "Ada", "last_name": "Moss"},
                headers=owner.headers,
            ),
            201,
        )
        assert invited["new_account"] is True
        member = invited["therapist"]
        assert (member["email"], member["role"], member["therapist"]) == (
            "ada@example.com",
            "therapist",
            True,
        )
        assert member["invitation_pending"] is True
        # No password works before the link sets one, and clients see no profile of someone
        # who has not joined yet.
        assert (await login(client, "ada@example.com", PASSWORD)).status_code == 401
        assert member["id"] not in [
            one["id"] for one in ok(await client.get("/api/therapists"))["therapists"]
        ]

        token = await invitation_link(app, mailbox, "ada@example.com")
        accepted = await client.post(
            "/api/auth/accept-invitation/",
            json={"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        again = await client.post(
            "/api/auth/accept-invitation",
            json={"token": token, "new_password": PASSWORD, "confirm_password": PASSWORD},
        )

        assert accepted.status_code == 200, accepted.text
        assert again.status_code == 400
        assert (await login(client, "ada@example.com", NEW_PASSWORD)).status_code == 200
        listed = ok(await client.get("/api/admin/therapists", headers=owner.headers))
        ada = next(one for one in listed["therapists"] if one["email"] == "ada@example.com")
        assert ada["invitation_pending"] is False
        assert ada["id"] in [
            one["id"] for one in ok(await client.get("/api/therapists"))["therapists"]
        ]

    async def test_the_link_expires(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        owner = await add_admin(database, settings)
        ok(
            await client.post(
                "/api/admin/therapists",
                json={
                    "email": "sam@example.com",
                    "first_name": "Sam",
                    "last_name": "Reyes",
                    "role": "front_desk",
                },
                headers=owner.headers,
            ),
            201,
        )
        token = await invitation_link(app, mailbox, "sam@example.com")
        clock.advance(timedelta(days=7, seconds=1))

        late = await client.post(
            "/api/auth/accept-invitation",
            json={"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )

        assert late.status_code == 400
        assert late.json()["error"] == "Invalid or expired invitation"

    async def test_inviting_again_sends_a_new_link_until_a_password_is_chosen(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        owner = await add_admin(database, settings)
        body = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Moss"}
        ok(await client.post("/api/admin/therapists", json=body, headers=owner.headers), 201)
        first = await invitation_link(app, mailbox, "ada@example.com")

        again = ok(
            await client.post("/api/admin/therapists", json=body, headers=owner.headers), 201
        )
        await run_jobs(app)
        await mailbox.wait_for("ada@example.com", count=2)
        second = await invitation_link(app, mailbox, "ada@example.com")
        stale = await client.post(
            "/api/auth/accept-invitation",
            json={"token": first, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        accepted = await client.post(
            "/api/auth/accept-invitation",
            json={"token": second, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        after = await client.post("/api/admin/therapists", json=body, headers=owner.headers)

        assert again["new_account"] is False
        assert first != second
        assert stale.status_code == 400
        assert accepted.status_code == 200, accepted.text
        assert after.status_code == 409

    async def test_a_clients_account_keeps_its_password(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        owner = await add_admin(database, settings)
        existing = await add_client(database, settings)

        invited = ok(
            await client.post(
                "/api/admin/therapists",
                json={
                    "email": existing.email,
                    "first_name": "Someone",
                    "last_name": "Else",
                    "role": "front_desk",
                },
                headers=owner.headers,
            ),
            201,
        )
        again = await client.post(
            "/api/admin/therapists",
            json={"email": existing.email, "first_name": "A", "last_name": "B"},
            headers=owner.headers,
        )

        assert invited["new_account"] is False
        assert (invited["therapist"]["role"], invited["therapist"]["therapist"]) == (
            "front_desk",
            False,
        )
        assert again.status_code == 409
        assert (await login(client, existing.email, PASSWORD)).status_code == 200
        await run_jobs(app)
        mail = text_body((await mailbox.wait_for(existing.email))[-1])
        assert "/invitation" not in mail
        assert "Sign in with the account you already have" in mail


class TestStaffChanges:
    async def test_profile_role_and_refunds(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        who = await people(database, settings)
        owner = who["owner"].headers
        tess = ok(
            await client.patch(
                f"/api/admin/therapists/{who['therapist'].id}",
                json={
                    "title": "Psychotherapist",
                    "bio": "Anxiety.",
                    "languages": ["English", "Welsh"],
                },
                headers=owner,
            )
        )["therapist"]
        desk = ok(
            await client.patch(
                f"/api/admin/therapists/{who['front_desk'].id}",
                json={"may_refund": True},
                headers=owner,
            )
        )["therapist"]
        no_profile = await client.patch(
            f"/api/admin/therapists/{who['front_desk'].id}", json={"bio": "x"}, headers=owner
        )
        a_client = await client.patch(
            f"/api/admin/therapists/{who['client'].id}", json={"role": "owner"}, headers=owner
        )

        assert (tess["title"], tess["languages"]) == ("Psychotherapist", ["English", "Welsh"])
        assert desk["may_refund"] is True
        assert no_profile.status_code == 400
        assert a_client.status_code == 404
        public = ok(await client.get("/api/therapists"))["therapists"]
        assert next(one for one in public if one["id"] == who["therapist"].id)["bio"] == "Anxiety."

    async def test_the_last_owner_stays(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        who = await people(database, settings)
        owner = who["owner"]
        path = f"/api/admin/therapists/{owner.id}"

        demoted = await client.patch(path, json={"role": "therapist"}, headers=owner.headers)
        deactivated = await client.patch(path, json={"is_active": False}, headers=owner.headers)
        ok(
            await client.patch(
                f"/api/admin/therapists/{who['front_desk'].id}",
                json={"role": "owner"},
                headers=owner.headers,
            )
        )
        stepped_down = await client.patch(path, json={"role": "therapist"}, headers=owner.headers)

        assert (demoted.status_code, deactivated.status_code) == (409, 409)
        assert stepped_down.status_code == 200, stepped_down.text
        assert (await client.get("/api/admin/therapists", headers=owner.headers)).status_code == 403

    async def test_two_owners_demoting_each_other_at_once_leave_one(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        owner = await add_admin(database, settings)
        colleague = await add_person(database, settings, email="colleague@example.com", admin=True)

        responses = await asyncio.gather(
            client.patch(
                f"/api/admin/therapists/{colleague.id}",
                json={"role": "therapist"},
                headers=owner.headers,
            ),
            client.patch(
                f"/api/admin/therapists/{owner.id}",
                json={"role": "therapist"},
                headers=colleague.headers,
            ),
        )

        assert sorted(response.status_code for response in responses) == [200, 403]
        still_owner = [
            (await client.get("/api/admin/therapists", headers=person.headers)).status_code
            for person in (owner, colleague)
        ]
        assert sorted(still_owner) == [200, 403]

    async def test_deactivating_lists_the_sessions_to_reassign(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        owner = await add_admin(database, settings)
        client_person = await add_client(database, settings)
        soon = NOW + timedelta(days=2)
        booking = await book(database, settings, client_person, soon)
        await book(database, settings, client_person, NOW - timedelta(days=2))

        changed = ok(
            await client.patch(
                f"/api/admin/therapists/{owner.id}",
                json={"therapist": False},
                headers=owner.headers,
            )
        )

        assert changed["therapist"]["therapist"] is False
        assert [(one["kind"], one["id"]) for one in changed["sessions_to_reassign"]] == [
            ("booking", booking)
        ]
        assert ok(await client.get("/api/therapists"))["therapists"] == []

    async def test_a_deactivated_member_cannot_sign_in(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        who = await people(database, settings)

        ok(
            await client.patch(
                f"/api/admin/therapists/{who['therapist'].id}",
                json={"is_active": False},
                headers=who["owner"].headers,
            )
        )

        assert (
            await client.get("/api/auth/profile", headers=who["therapist"].headers)
        ).status_code == 401
        assert (await login(client, "tess@example.com", PASSWORD)).status_code in (401, 403)
