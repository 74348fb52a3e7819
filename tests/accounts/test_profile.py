from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.accounts.builders import SignedIn, sign_up
from tests.support.mailbox import Mailbox

SEED_000_UPDATE = {
    "first_name": "John",
    "last_name": "Smith",
    "phone": "+1234567891",
    "location": "Los Angeles, CA",
}


async def profile(client: httpx.AsyncClient, signed_in: SignedIn) -> dict[str, object]:
    response = await client.get("/api/auth/profile", headers=signed_in.headers)
    assert response.status_code == 200
    user: dict[str, object] = response.json()["user"]
    return user


class TestReadProfile:
    @pytest.mark.parametrize("path", ["/api/auth/profile", "/api/auth/profile/"])
    async def test_shows_the_account(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        signed_in = await sign_up(client, app, mailbox, phone="+44 20 7946 0000", location="London")

        response = await client.get(path, headers=signed_in.headers)

        assert response.status_code == 200
        user = response.json()["user"]
        assert user["id"] == signed_in.user_id
        assert (user["first_name"], user["last_name"], user["email"]) == (
            "Ada",
            "Lovelace",
            "ada@example.com",
        )
        assert (user["phone"], user["location"], user["date_of_birth"]) == (
            "+44 20 7946 0000",
            "London",
            None,
        )
        assert user["is_admin"] is False
        assert user["created_at"].endswith("Z")
        assert user["updated_at"].endswith("Z")

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/auth/profile")

        assert response.status_code == 401
        assert response.json() == {
            "error": "User not authenticated",
            "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
        }


class TestUpdateProfile:
    @pytest.mark.parametrize("path", ["/api/auth/profile", "/api/auth/profile/"])
    async def test_seed_000_body_updates_the_profile(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, path: str
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        response = await client.put(path, json=SEED_000_UPDATE, headers=signed_in.headers)

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Profile updated successfully"
        for field, value in SEED_000_UPDATE.items():
            assert body["user"][field] == value
        assert (await profile(client, signed_in))["last_name"] == "Smith"

    async def test_date_of_birth_and_phone_number_alias(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        response = await client.put(
            "/api/auth/profile",
            json={"date_of_birth": "1985-12-10", "phone_number": "+1 555 0100"},
            headers=signed_in.headers,
        )

        assert response.status_code == 200
        user = await profile(client, signed_in)
        assert (user["date_of_birth"], user["phone"]) == ("1985-12-10", "+1 555 0100")

    async def test_only_sent_fields_change(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox, location="London")

        await client.put(
            "/api/auth/profile", json={"first_name": "Augusta"}, headers=signed_in.headers
        )

        user = await profile(client, signed_in)
        assert (user["first_name"], user["last_name"], user["location"]) == (
            "Augusta",
            "Lovelace",
            "London",
        )

    async def test_email_is_admin_and_other_fields_change_nothing(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        response = await client.put(
            "/api/auth/profile",
            json={
                "email": "mallory@example.com",
                "is_admin": True,
                "is_active": False,
                "id": 999,
                "password": "new password here",
                "location": "Paris",
            },
            headers=signed_in.headers,
        )

        assert response.status_code == 200
        user = await profile(client, signed_in)
        assert (user["email"], user["is_admin"], user["id"], user["location"]) == (
            "ada@example.com",
            False,
            signed_in.user_id,
            "Paris",
        )
        login = await client.post(
            "/api/auth/login",
            json={"email": "ada@example.com", "password": "correct horse battery"},
        )
        assert login.status_code == 200

    async def test_optional_fields_can_be_cleared(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox, phone="+1 555 0100", location="London")

        await client.put(
            "/api/auth/profile", json={"phone": None, "location": ""}, headers=signed_in.headers
        )

        user = await profile(client, signed_in)
        assert (user["phone"], user["location"]) == (None, None)

    @pytest.mark.parametrize(
        "body",
        [
            {"first_name": ""},
            {"first_name": "A" * 101},
            {"first_name": "Ada\x00"},
            {"last_name": "\u202eecalevol"},
            {"first_name": "🙂"},
            {"location": "x" * 201},
            {"location": "Lon\x00don"},
            {"phone": "+1 (555) <script>"},
            {"date_of_birth": "10/12/1815"},
            {"date_of_birth": "2999-01-01"},
            {"date_of_birth": 0},
            {"date_of_birth": "0"},
            {"date_of_birth": 1733011200},
            {"date_of_birth": "1985-12-10T00:00:00"},
            {"date_of_birth": "0001-01-01"},
            {"first_name": ["Ada"]},
        ],
    )
    async def test_bad_values_are_400_and_change_nothing(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        body: dict[str, object],
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)
        before = await profile(client, signed_in)

        response = await client.put("/api/auth/profile", json=body, headers=signed_in.headers)

        assert response.status_code == 400
        assert await profile(client, signed_in) == before

    async def test_invalid_json_is_400(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        response = await client.put(
            "/api/auth/profile",
            content=b"{first_name: Ada}",
            headers={**signed_in.headers, "Content-Type": "application/json"},
        )

        assert response.status_code == 400

    async def test_needs_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/api/auth/profile", json=SEED_000_UPDATE)

        assert response.status_code == 401
