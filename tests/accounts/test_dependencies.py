"""The auth dependencies other packages build on, through routes that use them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import update

from attune.accounts.service import account_service
from attune.app import create_app
from attune.models import User
from attune.platform.actor import SYSTEM
from attune.platform.auth import CurrentActor, StaffActor, VerifiedActor, require_staff
from attune.platform.clock import Clock
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.settings import Settings
from attune.platform.unit_of_work import unit_of_work
from tests.accounts.builders import PASSWORD, log_in, registration, sign_up
from tests.conftest import http_client, make_settings
from tests.support.mailbox import Mailbox, SmtpServer

probe = APIRouter(prefix="/probe")
admin_area = APIRouter(prefix="/probe/admin-area", dependencies=[Depends(require_staff)])


@probe.get("/current")
async def current(actor: CurrentActor) -> dict[str, int | None]:
    return {"id": actor.user_id}


@probe.get("/verified")
async def verified(actor: VerifiedActor) -> dict[str, int | None]:
    return {"id": actor.user_id}


@probe.get("/admin")
async def admin(actor: StaffActor) -> dict[str, int | None]:
    return {"id": actor.user_id}


@admin_area.get("/stats")
async def stats() -> dict[str, str]:
    return {"status": "ok"}


def with_probes(app: FastAPI) -> FastAPI:
    app.include_router(probe)
    app.include_router(admin_area)
    return app


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> FastAPI:
    return with_probes(create_app(settings, database=database, clock=clock))


async def make_admin(database: Database, settings: Settings) -> None:
    async with unit_of_work(database, settings, EventBus(), now=datetime.now(UTC)) as uow:
        await account_service.create_admin(
            uow,
            SYSTEM,
            email="therapist@example.com",
            password="practice makes perfect",
            first_name="Thea",
            last_name="Rapist",
        )


class TestStaffActor:
    async def test_client_is_refused_with_403(
        self, client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox
    ) -> None:
        signed_in = await sign_up(client, app, mailbox)

        for path in ("/probe/admin", "/probe/admin-area/stats"):
            response = await client.get(path, headers=signed_in.headers)
            assert response.status_code == 403
            assert response.json() == {
                "error": "Admin access required",
                "details": "Only the practice's admins may do this.",
            }

    async def test_admin_is_let_in(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await make_admin(database, settings)
        signed_in = await log_in(client, "therapist@example.com", "practice makes perfect")

        assert (await client.get("/probe/admin", headers=signed_in.headers)).status_code == 200
        stats = await client.get("/probe/admin-area/stats", headers=signed_in.headers)
        assert stats.json() == {"status": "ok"}

    async def test_anonymous_is_401_not_403(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/probe/admin-area/stats")

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


class TestVerifiedActor:
    """A client who signed in while verification was off, then the operator turned it on."""

    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, require_email_verification=False
        )

    async def test_only_verified_clients_pass_once_verification_is_required(
        self, client: httpx.AsyncClient, settings: Settings, database: Database
    ) -> None:
        await client.post("/api/auth/register", json=registration())
        signed_in = await log_in(client, "ada@example.com", PASSWORD)
        strict = with_probes(
            create_app(
                settings.model_copy(update={"require_email_verification": True}),
                database=database,
            )
        )

        async with http_client(strict) as strict_client:
            current = await strict_client.get("/probe/current", headers=signed_in.headers)
            refused = await strict_client.get("/probe/verified", headers=signed_in.headers)
            async with database.transaction() as session:
                await session.execute(update(User).values(email_verified_at=datetime.now(UTC)))
            admitted = await strict_client.get("/probe/verified", headers=signed_in.headers)

        assert current.status_code == 200
        assert refused.status_code == 403
        assert refused.json()["error"] == "Email address not verified"
        assert admitted.status_code == 200
