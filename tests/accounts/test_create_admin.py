"""The service call behind `attune create-admin`."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from attune.accounts.errors import InvalidEmail, WeakPassword
from attune.accounts.service import account_service
from attune.platform.actor import SYSTEM, Actor, Role
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.policy import AdminRequired
from attune.platform.settings import Settings
from attune.platform.unit_of_work import unit_of_work
from tests.accounts.builders import PASSWORD, log_in, registration, sign_up
from tests.support.mailbox import Mailbox

ADMIN_PASSWORD = "practice makes perfect"


async def create_admin(
    database: Database, settings: Settings, email: str, password: str = ADMIN_PASSWORD
) -> int:
    async with unit_of_work(database, settings, EventBus(), now=datetime.now(UTC)) as uow:
        account = await account_service.create_admin(
            uow, SYSTEM, email=email, password=password, first_name="Thea", last_name="Peutic"
        )
        return account.id


class TestCreateAdmin:
    async def test_new_admin_can_log_in_at_once(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await create_admin(database, settings, " Therapist@Example.com ")

        signed_in = await log_in(client, "therapist@example.com", ADMIN_PASSWORD)

        profile = await client.get("/api/auth/profile", headers=signed_in.headers)
        assert profile.json()["user"]["is_admin"] is True

    async def test_existing_client_is_promoted_and_re_passworded(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        mailbox: Mailbox,
        database: Database,
        settings: Settings,
    ) -> None:
        before = await sign_up(client, app, mailbox)

        user_id = await create_admin(database, settings, "ada@example.com")

        assert user_id == before.user_id
        old_password = await client.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert old_password.status_code == 401
        assert (await client.get("/api/auth/profile", headers=before.headers)).status_code == 401
        signed_in = await log_in(client, "ada@example.com", ADMIN_PASSWORD)
        profile = (await client.get("/api/auth/profile", headers=signed_in.headers)).json()
        assert (profile["user"]["is_admin"], profile["user"]["first_name"]) == (True, "Ada")

    async def test_unverified_client_is_verified_by_promotion(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await client.post("/api/auth/register", json=registration())

        await create_admin(database, settings, "ada@example.com")

        await log_in(client, "ada@example.com", ADMIN_PASSWORD)

    async def test_weak_password_is_refused(self, database: Database, settings: Settings) -> None:
        with pytest.raises(WeakPassword) as refused:
            await create_admin(database, settings, "therapist@example.com", password="admin123")

        assert refused.value.details == "This password is too common."

    async def test_invalid_email_is_refused(self, database: Database, settings: Settings) -> None:
        with pytest.raises(InvalidEmail):
            await create_admin(database, settings, "therapist at example")

    async def test_only_the_practice_may_make_an_admin(
        self, database: Database, settings: Settings
    ) -> None:
        client = Actor(Role.client, user_id=1, verified=True)
        with pytest.raises(AdminRequired):
            async with unit_of_work(database, settings, EventBus(), now=datetime.now(UTC)) as uow:
                await account_service.create_admin(
                    uow,
                    client,
                    email="ada@example.com",
                    password=ADMIN_PASSWORD,
                    first_name="Ada",
                    last_name="Lovelace",
                )
