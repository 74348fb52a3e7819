"""People for tests that are not about accounts: users written straight into the database and
signed in with a real access token, so a test can have a hundred clients in a second."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from attune.accounts.passwords import hash_password
from attune.accounts.tokens import issue_access_token
from attune.models import AuthSession, User
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.practice.repository import make_therapist

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    first_name: str
    is_admin: bool
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def add_person(
    database: Database,
    settings: Settings,
    *,
    email: str,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    admin: bool = False,
    role: Role | None = None,
    therapist: bool | None = None,
    verified: bool = True,
    password_hash: str | None = None,
) -> Person:
    """A user with a live login; pass `password_hash` to reuse one hash for many users.

    `admin` makes the practice's owner (the seeds' admin), who is also a therapist unless
    `therapist=False`; `role` makes any other member of staff (a therapist has a calendar)."""
    now = datetime.now(UTC)
    role = role or (Role.owner if admin else Role.client)
    if therapist is None:
        therapist = role in (Role.owner, Role.therapist)
    async with database.transaction() as session:
        user = User(
            email=email,
            password_hash=password_hash or await hash_password(settings, PASSWORD),
            first_name=first_name,
            last_name=last_name,
            role=role,
            is_active=True,
            email_verified_at=now if verified else None,
        )
        session.add(user)
        await session.flush()
        if therapist:
            await make_therapist(session, user.id, now)
        login = AuthSession(id=str(uuid.uuid4()), user_id=user.id, created_at=now)
        session.add(login)
    token = issue_access_token(settings, user_id=user.id, session_id=login.id, now=now)
    return Person(user.id, email, first_name, role != Role.client, token)


async def add_client(database: Database, settings: Settings, number: int = 1) -> Person:
    return await add_person(
        database, settings, email=f"client{number}@example.com", first_name=f"Client{number}"
    )


async def add_admin(database: Database, settings: Settings) -> Person:
    return await add_person(
        database, settings, email="therapist@example.com", first_name="Theo", admin=True
    )


async def add_clients(database: Database, settings: Settings, count: int) -> list[Person]:
    password_hash = await hash_password(settings, PASSWORD)
    return [
        await add_person(
            database,
            settings,
            email=f"client{number}@example.com",
            first_name=f"Client{number}",
            password_hash=password_hash,
        )
        for number in range(1, count + 1)
    ]
