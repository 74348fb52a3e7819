"""The weekly availability service itself, as any front door calls it: it asks the policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from attune.availability.service import availability_service
from attune.platform.actor import SYSTEM, Actor, Role
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.policy import AdminRequired
from attune.platform.settings import Settings
from attune.platform.unit_of_work import unit_of_work
from tests.support.people import Person

NOW = datetime(2024, 12, 1, 9, 0, tzinfo=UTC)


class TestPolicy:
    async def test_a_client_may_not_set_the_weekly_availability(
        self, database: Database, settings: Settings, member: Person
    ) -> None:
        with pytest.raises(AdminRequired):
            async with unit_of_work(database, settings, EventBus(), now=NOW) as uow:
                await availability_service.set_weekly(
                    uow, Actor(Role.client, user_id=member.id, verified=True), [6]
                )

        async with unit_of_work(database, settings, EventBus(), now=NOW) as uow:
            assert await availability_service.weekly(uow, SYSTEM) == [0, 1, 2, 3, 4]
