"""The slot service itself, as any front door calls it: it asks the policy whoever calls, and
records the practice's changes to its slots."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from attune.platform.actor import ANONYMOUS, SYSTEM, Actor, Role
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.policy import AdminRequired
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from attune.scheduling.schemas import ScheduleCreate
from attune.scheduling.service import schedule_service
from tests.scheduling.builders import NOW, SEED_START, book, slot_body
from tests.support.people import Person
from tests.support.slots import add_slot


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


class TestNextFreeDay:
    """The day a page points to when the day looked at has no free time."""

    async def test_skips_full_closed_and_same_day_slots(
        self, database: Database, settings: Settings, member: Person
    ) -> None:
        day = SEED_START.date()
        await add_slot(database, SEED_START + timedelta(hours=3))
        full = await add_slot(database, SEED_START + timedelta(days=1))
        await add_slot(database, SEED_START + timedelta(days=2), available=False)
        await add_slot(database, SEED_START + timedelta(days=4))
        await book(database, settings, member, full)

        async with work(database, settings) as uow:
            found = await schedule_service.next_free_day(uow, ANONYMOUS, day)

        assert found == day + timedelta(days=4)

    async def test_is_a_day_in_the_practices_zone(
        self, database: Database, settings: Settings
    ) -> None:
        # 02:00 UTC on the 17th is still the 16th in New York.
        await add_slot(database, datetime(2024, 12, 17, 2, 0, tzinfo=UTC))
        in_new_york = settings.model_copy(update={"practice_timezone": "America/New_York"})

        async with work(database, in_new_york) as uow:
            found = await schedule_service.next_free_day(uow, ANONYMOUS, SEED_START.date())

        assert found == date(2024, 12, 16)

    async def test_none_when_nothing_is_free(self, database: Database, settings: Settings) -> None:
        await add_slot(database, NOW - timedelta(hours=1))

        async with work(database, settings) as uow:
            assert await schedule_service.next_free_day(uow, ANONYMOUS, NOW.date()) is None
