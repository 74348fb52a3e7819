"""A practice of several therapists and services for the slot tests, written straight into the
database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, update

from attune.models import Service, service_therapists
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.people import Person, add_person


async def add_therapist(
    database: Database, settings: Settings, name: str = "Ida", *, role: Role = Role.therapist
) -> Person:
    return await add_person(
        database, settings, email=f"{name.lower()}@example.com", first_name=name, role=role
    )


async def add_service(database: Database, name: str, therapist_ids: list[int], **terms: Any) -> int:
    """A service offered by these therapists; `terms` are its own columns (seats, buffer...)."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        service = Service(
            name=name,
            duration_minutes=terms.pop("duration_minutes", 60),
            is_active=True,
            created_at=now,
            updated_at=now,
            **terms,
        )
        session.add(service)
        await session.flush()
        if therapist_ids:
            await session.execute(
                insert(service_therapists),
                [{"service_id": service.id, "therapist_id": one} for one in therapist_ids],
            )
        return service.id


async def set_terms(database: Database, service_id: int, **terms: Any) -> None:
    async with database.transaction() as session:
        await session.execute(update(Service).where(Service.id == service_id).values(**terms))
