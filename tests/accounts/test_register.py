from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.accounts.builders import PASSWORD, mailed_code, registration, row_counts
from tests.conftest import make_settings, run_jobs
from tests.support.mailbox import Mailbox, SmtpServer, text_body

SEED_000_REGISTRATION = {
    "first_name": "John",
    "last_name": "Doe",
    "email": "john.doe@example.com",
    "phone": "+1234567890",
    "location": "New York, NY",
    "password": "securepassword123",
}
SEED_003_REGISTRATION = {
    "email": "user@example.com",
    "first_name": "John",
    "last_name": "Doe",
    "phone_number": "+1234567890",
    "password": "SecurePassword123",
    "password2": "SecurePassword123",
}


class TestRegister:
    @pytest.mark.parametrize("path", ["/api/auth/register", "/api/auth/register/"])
    async def test_seed_000_body_creates_the_account(
        self, client: httpx.AsyncClient, path: str
    ) -> None:
        response = await client.post(path, json=SEED_000_REGISTRATION)

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "User registered successfully"
        assert body["email_verification_required"] is True
        user = body["user"]
        assert {key: user[key] for key in ("first_name", "last_name", "email", "phone")} == {
            "first_name": "John",
            "last_name": "Doe",
            "email": "john.doe@example.com",
            "phone": "+1234567890",
        }
        assert user["location"] == "New York, NY"
        assert user["is_admin"] is False
        assert isinstance(user["id"], int)
        assert user["created_at"].endswith("Z")
        assert "password" not in str(body)

    async def test_seed_003_body_with_aliases(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/auth/register/", json=SEED_003_REGISTRATION)

        assert response.status_code == 201
        assert response.json()["user"]["phone"] == "+1234567890"

    async def test_confirm_password_is_an_alias_of_password2(
        self, client: httpx.AsyncClient
    ) -> None:
        body = registration(confirm_password=PASSWORD)

        response = await client.post("/api/auth/register", json=body)

        assert response.status_code == 201

    async def test_email_is_stored_trimmed_and_lower_case(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register", json=registration(email="  Ada@Example.COM ")
        )

        assert response.status_code == 201
        assert response.json()["user"]["email"] == "ada@example.com"

    async def test_mails_a_verification_code(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        await client.post("/api/auth/register", json=registration())

        code = await mailed_code(app, mailbox, "ada@example.com")

        assert len(code) == 6
        assert "Ada" in text_body(mailbox.to("ada@example.com")[0])


class TestWithoutVerification:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, require_email_verification=False
        )

    async def test_no_mail_is_sent(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        response = await client.post("/api/auth/register", json=registration())
        await run_jobs(app)

        assert response.json()["email_verification_required"] is False
        assert mailbox.to("ada@example.com") == []


class TestDuplicateEmail:
    async def test_taken_address_is_409(self, client: httpx.AsyncClient) -> None:
        await client.post("/api/auth/register", json=registration())

        response = await client.post(
            "/api/auth/register", json=registration(email="ADA@example.com", first_name="Other")
        )

        assert response.status_code == 409
        assert response.json() == {
            "error": "An account with this e-mail already exists",
            "details": "Log in instead; "
            "POST /api/auth/forgot-password resets a forgotten password.",
        }

    async def test_taken_address_creates_nothing(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        await client.post("/api/auth/register", json=registration())
        before = await row_counts(database)

        await client.post("/api/auth/register", json=registration())

        assert await row_counts(database) == before


class TestPasswordRules:
    async def test_mismatched_confirmation_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register", json=registration(password2="something else entirely")
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Passwords do not match"

    async def test_weak_password_is_refused_with_the_reason(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/api/auth/register", json=registration(password="12345678"))

        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "Password does not meet the requirements"
        assert "entirely numeric" in body["details"]
        assert "too common" in body["details"]

    async def test_password_like_the_name_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/auth/register", json=registration(password="lovelace1"))

        assert response.status_code == 400
        assert "similar to your name" in response.json()["details"]


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"last_name": "L", "email": "a@example.com", "password": PASSWORD}, "first_name"),
            (registration(email=None), "email"),
            (registration(is_admin=True), "is_admin"),
            (registration(role="admin"), "role"),
            (registration(first_name=123), "first_name"),
            (registration(password=["a", "b"]), "password"),
            (registration(first_name="x" * 10_000), "first_name"),
            (registration(password="p" * 10_000), "password"),
            (registration(first_name="Ada\x00"), "first_name"),
            (registration(first_name="Ada\u202eecalevol"), "first_name"),
            (registration(last_name="\u200fLovelace"), "last_name"),
            (registration(first_name="Ada 😀"), "first_name"),
            (registration(location="London\x00"), "location"),
            (registration(location="London\u202e"), "location"),
            (registration(email="adá@exämple.com"), "email"),
            (registration(email="not-an-address"), "email"),
            (registration(phone="call me maybe"), "phone"),
            (registration(date_of_birth="yesterday"), "date_of_birth"),
            (registration(first_name="   "), "first_name"),
            (registration(phone="+1", phone_number="+2"), "phone_number"),
        ],
    )
    async def test_refused_with_400_and_nothing_created(
        self, client: httpx.AsyncClient, database: Database, body: dict[str, Any], field: str
    ) -> None:
        before = await row_counts(database)

        response = await client.post("/api/auth/register", json=body)

        assert response.status_code == 400
        error = response.json()
        assert error["error"] == "Invalid request format"
        assert field in [item["field"] for item in error["fields"]]
        assert await row_counts(database) == before

    async def test_invalid_json_is_400(self, client: httpx.AsyncClient, database: Database) -> None:
        before = await row_counts(database)

        response = await client.post(
            "/api/auth/register",
            content=b'{"first_name": "Ada",',
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"
        assert await row_counts(database) == before

    async def test_form_body_is_refused(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        before = await row_counts(database)

        response = await client.post("/api/auth/register", data=registration())

        assert response.status_code == 415
        assert await row_counts(database) == before

    async def test_future_date_of_birth_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register", json=registration(date_of_birth="2999-01-01")
        )

        assert response.status_code == 400
        assert response.json()["error"] == "Date of birth cannot be in the future"

    @pytest.mark.parametrize("date_of_birth", [0, 1e9, "0", "1990-01-02T00:00:00"])
    async def test_a_date_of_birth_is_a_date_not_a_number(
        self, client: httpx.AsyncClient, date_of_birth: object
    ) -> None:
        response = await client.post(
            "/api/auth/register", json=registration(date_of_birth=date_of_birth)
        )

        assert response.status_code == 400
        assert response.json()["fields"][0]["field"] == "date_of_birth"

    async def test_names_in_other_scripts_are_accepted(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            json=registration(first_name="Zoë-Anne", last_name="O’Brien 李"),
        )

        assert response.status_code == 201
        assert response.json()["user"]["last_name"] == "O’Brien 李"
