"""The appointment request services themselves, as any front door calls them: they ask the
policy and record the audit log, whoever calls."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from attune.models import AppointmentStatus
from attune.platform.actor import ANONYMOUS, SYSTEM, Actor, Role
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.policy import AdminRequired
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from attune.requests.errors import AppointmentNotFound
from attune.requests.intake import NewAppointment, intake_service
from attune.requests.reading import reading_service
from attune.requests.review import review_service
from tests.requests.builders import NOW, STARTS_AT, TUESDAY
from tests.support.people import Person, add_admin, add_client


def work(database: Database, settings: Settings) -> AbstractAsyncContextManager[UnitOfWork]:
    return unit_of_work(database, settings, EventBus(), now=NOW)


def actor_of(person: Person, role: Role) -> Actor:
    return Actor(role, user_id=person.id, verified=True)


def wanted(email: str = "john@example.com") -> NewAppointment:
    return NewAppointment(
        first_name="John",
        last_name="Doe",
        email=email,
        phone=None,
        reason=None,
        preferred_dates=[TUESDAY],
        preferred_time_slots=["morning"],
    )


async def asked(database: Database, settings: Settings, actor: Actor = ANONYMOUS) -> str:
    async with work(database, settings) as uow:
        view = await intake_service.create(uow, actor, wanted())
    return view.id


async def audited(database: Database) -> list[tuple[str, str | None, dict[str, Any]]]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.target_id, entry.details) for entry in rows]


class TestPolicy:
    async def test_a_client_may_not_answer_a_request_whichever_front_door_calls(
        self, database: Database, settings: Settings
    ) -> None:
        request_id = await asked(database, settings)
        client = actor_of(await add_client(database, settings), Role.client)

        async with work(database, settings) as uow:
            with pytest.raises(AdminRequired):
                await review_service.schedule(uow, client, request_id, STARTS_AT, 60)
            with pytest.raises(AdminRequired):
                await review_service.reject(uow, client, request_id, None)
            with pytest.raises(AdminRequired):
                await reading_service.stats(uow, client)
            with pytest.raises(AppointmentNotFound):
                await reading_service.read(uow, client, request_id)

        async with work(database, settings) as uow:
            [view] = await reading_service.listed(uow, SYSTEM)
        assert view.status is AppointmentStatus.pending_review
        assert await audited(database) == []

    async def test_nobody_signed_in_owns_a_request(
        self, database: Database, settings: Settings
    ) -> None:
        await asked(database, settings)

        async with work(database, settings) as uow:
            assert await reading_service.listed(uow, ANONYMOUS) == []
            assert await reading_service.own(uow, ANONYMOUS) == []


class TestAudit:
    async def test_the_system_schedules_without_an_entry(
        self, database: Database, settings: Settings
    ) -> None:
        request_id = await asked(database, settings)
        # The practice's only therapist, whom a request that names none is given.
        await add_admin(database, settings)

        async with work(database, settings) as uow:
            view = await review_service.schedule(uow, SYSTEM, request_id, STARTS_AT, 60)

        assert view.status is AppointmentStatus.scheduled
        # The audit log traces what people of the practice do, not the practice's machinery.
        assert await audited(database) == []

    async def test_an_admin_scheduling_records_the_time_as_given(
        self, database: Database, settings: Settings
    ) -> None:
        request_id = await asked(database, settings)
        admin = actor_of(await add_admin(database, settings), Role.owner)
        given = STARTS_AT.astimezone(timezone(timedelta(hours=1)))

        async with work(database, settings) as uow:
            view = await review_service.schedule(uow, admin, request_id, given, 45)

        assert view.scheduled_at == STARTS_AT
        details = {"scheduled_at": "2025-03-04T11:00:00+01:00", "duration_minutes": 45}
        assert await audited(database) == [("appointment_request.scheduled", request_id, details)]

    async def test_an_admins_own_request_is_not_recorded(
        self, database: Database, settings: Settings
    ) -> None:
        person = await add_admin(database, settings)
        admin = actor_of(person, Role.owner)
        async with work(database, settings) as uow:
            own = await intake_service.create(uow, admin, wanted(person.email))

        async with work(database, settings) as uow:
            view = await reading_service.read(uow, admin, own.id)

        assert view.user_id == person.id
        assert await audited(database) == []
