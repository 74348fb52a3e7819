"""The slot service itself, as any front door calls it: it asks the policy whoever calls, and
records the practice's changes to its slots."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import pytest
from sqlalchemy import select

from attune.platform.actor import SYSTEM, Actor, Role
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.policy import AdminRequired
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from attune.scheduling.schemas import ScheduleCreate
from attune.scheduling.service import schedule_service
from tests.scheduling.builders import NOW, SEED_START, slot_body
from tests.support.people import Person


def work(database: Database, settings: Settings) -> AbstractAsyncContextManager[UnitOfWork]:
    return unit_of_work(database, settings, EventBus(), now=NOW)


def actor_of(person: Person, role: Role) -> Actor:
    return Actor(role, user_id=person.id, verified=True)


async def audited(database: Database) -> list[tuple[str, str | None]]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.target_id) for entry in rows]


class TestPolicy:
    async def test_a_client_may_not_open_a_slot(
        self, database: Database, settings: Settings, member: Person
    ) -> None:
        body = ScheduleCreate.model_validate(slot_body())

        with pytest.raises(AdminRequired):
            async with work(database, settings) as uow:
                await schedule_service.create(uow, actor_of(member, Role.client), body)

        async with work(database, settings) as uow:
            assert await schedule_service.day_view(uow, SYSTEM, SEED_START.date()) == []


class TestAudit:
    async def test_an_admins_slot_is_recorded_and_the_systems_is_not(
        self, database: Database, settings: Settings, admin: Person
    ) -> None:
        async with work(database, settings) as uow:
            by_admin = await schedule_service.create(
                uow, actor_of(admin, Role.admin), ScheduleCreate.model_validate(slot_body())
            )
            await schedule_service.delete(uow, SYSTEM, by_admin.id)

        assert await audited(database) == [("slot.created", str(by_admin.id))]
