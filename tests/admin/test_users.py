from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.support.people import PASSWORD, Person, add_admin, add_clients, add_person

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


async def listed(client: httpx.AsyncClient, admin: Person, **params: str | int) -> dict[str, Any]:
    response = await client.get("/api/admin/users", params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def emails(body: dict[str, Any]) -> list[str]:
    return [user["email"] for user in body["users"]]


async def update(
    client: httpx.AsyncClient, admin: Person, user_id: int, body: object
) -> httpx.Response:
    return await client.put(f"/api/admin/users/{user_id}", json=body, headers=admin.headers)


async def profile_status(client: httpx.AsyncClient, person: Person) -> int:
    return (await client.get("/api/auth/profile", headers=person.headers)).status_code


class TestList:
    async def test_every_field_of_a_user(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await add_person(
            database, settings, email="ada@example.com", last_name="Byron", verified=False
        )

        body = await listed(client, admin)

        user = body["users"][0]
        assert set(user) >= {
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "location",
            "is_admin",
            "is_active",
            "email_verified",
            "created_at",
            "updated_at",
        }
        assert "password_hash" not in user
        assert (user["email"], user["last_name"], user["email_verified"]) == (
            "ada@example.com",
            "Byron",
            False,
        )
        assert (user["is_admin"], user["is_active"]) == (False, True)

    async def test_newest_first_a_page_at_a_time(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await add_clients(database, settings, 4)

        first = await listed(client, admin, limit=2)
        second = await listed(client, admin, limit=2, offset=2)
        last = await listed(client, admin, limit=2, offset=4)

        assert emails(first) == ["client4@example.com", "client3@example.com"]
        assert emails(second) == ["client2@example.com", "client1@example.com"]
        assert emails(last) == ["therapist@example.com"]
        assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
        assert (last["total"], last["limit"], last["offset"]) == (5, 2, 4)

    async def test_fifty_by_default(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        await add_clients(database, settings, 51)

        body = await listed(client, admin)

        assert (len(emails(body)), body["total"], body["limit"]) == (50, 52, 50)

    @pytest.mark.parametrize("limit", [1, 200])
    async def test_limit_within_bounds(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, limit: int
    ) -> None:
        admin = await add_admin(database, settings)

        assert (await listed(client, admin, limit=limit))["limit"] == limit

    @pytest.mark.parametrize(
        "params",
        [{"limit": 0}, {"limit": 201}, {"limit": "ten"}, {"offset": -1}, {"offset": 2**63}],
    )
    async def test_bad_paging_is_refused(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        params: dict[str, str | int],
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.get("/api/admin/users", params=params, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"


class TestSearch:
    @pytest.fixture
    async def admin(self, database: Database, settings: Settings) -> Person:
        admin = await add_admin(database, settings)
        for email, first, last in [
            ("ada@example.com", "Ada", "Lovelace"),
            ("grace@navy.example", "Grace", "Hopper"),
            ("100%sure@example.com", "Percy", "Shelley"),
            ("first_last@example.com", "Mary", "Godwin"),
            ("firstxlast@example.com", "Claire", "Clairmont"),
        ]:
            await add_person(database, settings, email=email, first_name=first, last_name=last)
        return admin

    @pytest.mark.parametrize(
        ("search", "found"),
        [
            ("grace", ["grace@navy.example"]),
            ("HOPP", ["grace@navy.example"]),
            ("navy.EXAMPLE", ["grace@navy.example"]),
            ("ada lovelace", ["ada@example.com"]),
            ("  hopper ", ["grace@navy.example"]),
            ("nobody", []),
        ],
    )
    async def test_by_name_or_email_ignoring_case(
        self, client: httpx.AsyncClient, admin: Person, search: str, found: list[str]
    ) -> None:
        body = await listed(client, admin, search=search)

        assert emails(body) == found
        assert body["total"] == len(found)

    async def test_percent_matches_only_itself(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        assert emails(await listed(client, admin, search="%")) == ["100%sure@example.com"]

    async def test_underscore_matches_only_itself(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        assert emails(await listed(client, admin, search="first_last")) == [
            "first_last@example.com"
        ]

    async def test_backslash_matches_only_itself(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        assert emails(await listed(client, admin, search="\\")) == []

    async def test_an_empty_search_lists_everyone(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        assert (await listed(client, admin, search=""))["total"] == 6

    async def test_control_characters_are_refused(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.get(
            "/api/admin/users", params={"search": "ada\x00"}, headers=admin.headers
        )

        assert response.status_code == 400


class TestRead:
    async def test_shows_the_user_with_booking_counts(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada, bob = await add_clients(database, settings, 2)
        await book(database, settings, ada, NOW + timedelta(days=1))
        await book(database, settings, ada, NOW + timedelta(days=2))
        await book(database, settings, bob, NOW + timedelta(days=3))
        cancelled = await book(database, settings, ada, NOW + timedelta(days=4))
        await client.put(f"/api/admin/bookings/{cancelled}/cancel", headers=admin.headers)

        response = await client.get(f"/api/admin/users/{ada.id}", headers=admin.headers)

        assert response.status_code == 200
        user = response.json()["user"]
        assert (user["id"], user["email"]) == (ada.id, "client1@example.com")
        assert user["bookings"] == {
            "total": 3,
            "scheduled": 2,
            "completed": 0,
            "no_show": 0,
            "cancelled": 1,
        }

    @pytest.mark.parametrize("user_id", ["999", "2147483647"])
    async def test_unknown_user_is_404(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, user_id: str
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.get(f"/api/admin/users/{user_id}", headers=admin.headers)

        assert response.status_code == 404
        assert response.json() == {"error": "User not found", "details": "No user has this id."}

    @pytest.mark.parametrize("user_id", ["0", "abc", "2147483648", "99999999999999999999"])
    async def test_impossible_id_is_400(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, user_id: str
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.get(f"/api/admin/users/{user_id}", headers=admin.headers)

        assert response.status_code == 400


class TestAdminRight:
    async def test_granted_admin_can_use_the_admin_routes(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        [colleague] = await add_clients(database, settings, 1)

        response = await update(client, admin, colleague.id, {"is_admin": True})

        assert response.status_code == 200
        assert response.json()["message"] == "User updated successfully"
        assert response.json()["user"]["is_admin"] is True
        dashboard = await client.get("/api/admin/dashboard", headers=colleague.headers)
        assert dashboard.status_code == 200

    async def test_revoked_admin_is_refused_at_once(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        colleague = await add_person(database, settings, email="colleague@example.com", admin=True)

        response = await update(client, admin, colleague.id, {"is_admin": False})

        assert response.status_code == 200
        assert response.json()["user"]["is_admin"] is False
        dashboard = await client.get("/api/admin/dashboard", headers=colleague.headers)
        assert dashboard.status_code == 403
        # Still a signed-in client: only the admin right is gone.
        assert await profile_status(client, colleague) == 200

    async def test_a_revoked_admin_cannot_revoke_back(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        colleague = await add_person(database, settings, email="colleague@example.com", admin=True)
        await update(client, admin, colleague.id, {"is_admin": False})

        response = await update(client, colleague, admin.id, {"is_admin": False})

        assert response.status_code == 403
        dashboard = await client.get("/api/admin/dashboard", headers=admin.headers)
        assert dashboard.status_code == 200

    async def test_two_admins_demoting_each_other_at_once_leave_one(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        colleague = await add_person(database, settings, email="colleague@example.com", admin=True)

        responses = await asyncio.gather(
            update(client, admin, colleague.id, {"is_admin": False}),
            update(client, colleague, admin.id, {"is_admin": False}),
        )

        assert sorted(response.status_code for response in responses) == [200, 403]
        still_admin = [
            (await client.get("/api/admin/dashboard", headers=person.headers)).status_code
            for person in (admin, colleague)
        ]
        assert sorted(still_admin) == [200, 403]


class TestDeactivation:
    async def test_the_users_token_stops_working_at_once(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        [ada] = await add_clients(database, settings, 1)
        assert await profile_status(client, ada) == 200

        response = await update(client, admin, ada.id, {"is_active": False})

        assert response.status_code == 200
        assert response.json()["user"]["is_active"] is False
        assert await profile_status(client, ada) == 401
        login = await client.post(
            "/api/auth/login", json={"email": ada.email, "password": PASSWORD}
        )
        assert login.status_code == 401

    async def test_reactivated_user_logs_in_again(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        [ada] = await add_clients(database, settings, 1)
        await update(client, admin, ada.id, {"is_active": False})

        response = await update(client, admin, ada.id, {"is_active": True})

        assert response.status_code == 200
        assert response.json()["user"]["is_active"] is True
        # The old logins stay ended; a new one works.
        assert await profile_status(client, ada) == 401
        login = await client.post(
            "/api/auth/login", json={"email": ada.email, "password": PASSWORD}
        )
        assert login.status_code == 200
        token = login.json()["token"]
        profile = await client.get(
            "/api/auth/profile", headers={"Authorization": f"Bearer {token}"}
        )
        assert profile.status_code == 200

    async def test_an_admin_can_deactivate_another_admin(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        colleague = await add_person(database, settings, email="colleague@example.com", admin=True)

        response = await update(client, admin, colleague.id, {"is_active": False})

        assert response.status_code == 200
        assert await profile_status(client, colleague) == 401


class TestSelfProtection:
    @pytest.mark.parametrize(
        "body", [{"is_admin": False}, {"is_active": False}, {"is_admin": False, "is_active": True}]
    )
    async def test_an_admin_cannot_lock_themselves_out(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        body: dict[str, bool],
    ) -> None:
        admin = await add_admin(database, settings)

        response = await update(client, admin, admin.id, body)

        assert response.status_code == 409
        assert response.json()["error"] == (
            "You cannot revoke your own admin access or deactivate your own account"
        )
        assert await profile_status(client, admin) == 200
        dashboard = await client.get("/api/admin/dashboard", headers=admin.headers)
        assert dashboard.status_code == 200

    async def test_confirming_ones_own_rights_changes_nothing(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        response = await update(client, admin, admin.id, {"is_admin": True, "is_active": True})

        assert response.status_code == 200
        assert response.json()["user"]["is_admin"] is True


class TestUpdateInput:
    async def test_unknown_user_is_404(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        response = await update(client, admin, 999, {"is_admin": True})

        assert response.status_code == 404
        assert response.json() == {"error": "User not found", "details": "No user has this id."}

    @pytest.mark.parametrize(
        "body",
        [{}, {"is_admin": None}, {"is_admin": "maybe"}, {"email": "x@example.com"}, [True]],
    )
    async def test_bad_bodies_are_refused_and_change_nothing(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        body: object,
    ) -> None:
        admin = await add_admin(database, settings)
        [ada] = await add_clients(database, settings, 1)

        response = await update(client, admin, ada.id, body)

        assert response.status_code == 400
        user = (await client.get(f"/api/admin/users/{ada.id}", headers=admin.headers)).json()
        assert (user["user"]["is_admin"], user["user"]["email"]) == (False, ada.email)

    async def test_a_missing_body_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        [ada] = await add_clients(database, settings, 1)

        response = await client.put(f"/api/admin/users/{ada.id}", headers=admin.headers)

        assert response.status_code == 400
