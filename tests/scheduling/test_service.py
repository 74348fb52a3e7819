"""The slot service itself, as any front door calls it: it asks the policy whoever calls, and
records the practice's changes to its slots."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from attune.platform.actor import ANONYMOUS, SYSTEM, Actor, Role
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.policy import AdminRequired
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from attune.scheduling.schemas import ScheduleCreate, ScheduleGenerate
from attune.scheduling.service import SKIPPED_OVERLAP, schedule_service
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
                uow, actor_of(admin, Role.owner), ScheduleCreate.model_validate(slot_body())
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


class TestGeneratePreview:
    """A dry run answers what the same request would make, and makes nothing."""

    async def test_the_preview_counts_what_generating_then_makes(
        self, database: Database, settings: Settings, admin: Person
    ) -> None:
        as_admin = actor_of(admin, Role.owner)
        monday = date(2024, 12, 16)
        taken = PracticeCalendar.of(settings).instant_at(monday, time(10, 30))
        assert taken is not None
        async with work(database, settings) as uow:
            await schedule_service.create(
                uow, as_admin, ScheduleCreate.model_validate(slot_body(taken))
            )
        body = ScheduleGenerate.model_validate(
            {
                "weekdays": [0, 2, 4],
                "start_time": "09:00",
                "end_time": "12:00",
                "session_minutes": 50,
                "break_minutes": 10,
                "start_date": "2024-12-16",
                "end_date": "2024-12-20",
            }
        )

        async with work(database, settings) as uow:
            preview = await schedule_service.generate(uow, as_admin, body, dry_run=True)
        before = await audited(database)
        async with work(database, settings) as uow:
            stored = await schedule_service.list_days(uow, SYSTEM, monday, date(2024, 12, 20))
        assert len(stored[2]) == 1

        async with work(database, settings) as uow:
            made = await schedule_service.generate(uow, as_admin, body)

        assert len(preview.created) == len(made.created) == 7
        assert [slot.start_at for slot in preview.created] == [
            slot.start_at for slot in made.created
        ]
        assert [(item.local, item.reason) for item in preview.skipped] == [
            (item.local, item.reason) for item in made.skipped
        ]
        assert [item.reason for item in preview.skipped] == [SKIPPED_OVERLAP] * 2
        # The preview recorded nothing; generating did.
        assert [action for action, _ in before] == ["slot.created"]
