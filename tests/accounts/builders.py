"""Small builders for the account tests: a registration body, a verified client, row counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from attune.models import AuthSession, OtpCode, RefreshToken, RevokedAccessToken, User
from attune.platform.database import Database
from attune.platform.job_model import Job
from tests.conftest import run_jobs
from tests.support.mailbox import Mailbox, otp_from

PASSWORD = "correct horse battery"
COUNTED_TABLES = (User, OtpCode, AuthSession, RefreshToken, RevokedAccessToken, Job)


def registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "password": PASSWORD,
    }
    body.update(overrides)
    return body


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


async def mailed_code(app: FastAPI, mailbox: Mailbox, email: str, count: int = 1) -> str:
    """Run the outbox and read the newest code mailed to this address."""
    await run_jobs(app)
    messages = await mailbox.wait_for(email, count=count)
    return otp_from(messages[-1])


async def register_verified(
    client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, **overrides: Any
) -> dict[str, Any]:
    """Register a client and verify the address with the mailed code; returns the body sent."""
    body = registration(**overrides)
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    code = await mailed_code(app, mailbox, body["email"])
    verified = await client.post("/api/auth/verify-otp", json={"email": body["email"], "otp": code})
    assert verified.status_code == 200, verified.text
    return body


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> SignedIn:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    data = response.json()
    return SignedIn(data["user"]["id"], data["user"]["email"], data["access"], data["refresh"])


async def sign_up(
    client: httpx.AsyncClient, app: FastAPI, mailbox: Mailbox, **overrides: Any
) -> SignedIn:
    body = await register_verified(client, app, mailbox, **overrides)
    return await log_in(client, body["email"].strip().lower(), body["password"])


async def row_counts(database: Database) -> dict[str, int]:
    async with database.transaction(write=False) as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED_TABLES
        }
