"""The unit of work: audit that follows the transaction (or outlives a refusal), work after
commit, and domain events handled in the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from attune.platform.actor import SYSTEM, Actor, Role
from attune.platform.audit import AuditAction, AuditEntry, AuditTarget
from attune.platform.database import Database
from attune.platform.errors import Conflict
from attune.platform.events import EventBus
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from tests.support.people import add_admin, add_client

NOW = datetime(2026, 3, 29, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class SomethingHappened:
    slot_id: int


def work(
    database: Database, settings: Settings, events: EventBus | None = None
) -> AbstractAsyncContextManager[UnitOfWork]:
    return unit_of_work(database, settings, events or EventBus(), now=NOW, address="203.0.113.9")


async def refused(
    step: Callable[[UnitOfWork], Awaitable[None]],
    database: Database,
    settings: Settings,
    events: EventBus | None = None,
) -> None:
    """Run `step` in a unit of work whose operation is then refused."""

    async def operation() -> None:
        async with work(database, settings, events) as uow:
            await step(uow)
            raise Conflict()

    with pytest.raises(Conflict):
        await operation()


async def entries(database: Database) -> list[tuple[str, int | None, str | None]]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.actor_id, entry.target_id) for entry in rows]


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Actor:
    person = await add_admin(database, settings)
    return Actor(Role.owner, user_id=person.id, verified=True)


class TestAudit:
    async def test_an_action_commits_with_the_work(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async with work(database, settings) as uow:
            uow.audit(admin, AuditAction.slot_deleted, AuditTarget.slot, 5)

        assert await entries(database) == [("slot.deleted", admin.user_id, "5")]

    async def test_an_action_rolls_back_with_a_refused_operation(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def delete(uow: UnitOfWork) -> None:
            uow.audit(admin, AuditAction.slot_deleted, AuditTarget.slot, 5)

        await refused(delete, database, settings)

        assert await entries(database) == []

    async def test_an_entry_kept_if_refused_outlives_the_refusal_once(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def refund(uow: UnitOfWork) -> None:
            uow.audit(
                admin, AuditAction.booking_refunded, AuditTarget.booking, 9, keep_if_refused=True
            )

        await refused(refund, database, settings)

        assert await entries(database) == [("booking.refunded", admin.user_id, "9")]

    async def test_a_client_and_the_system_leave_no_entry(
        self, database: Database, settings: Settings
    ) -> None:
        client = await add_client(database, settings)
        as_client = Actor(Role.client, user_id=client.id, verified=True)
        async with work(database, settings) as uow:
            uow.audit(as_client, AuditAction.booking_cancelled, AuditTarget.booking, 1)
            uow.audit(SYSTEM, AuditAction.booking_cancelled, AuditTarget.booking, 2)

        assert await entries(database) == []

    async def test_reads_are_kept_even_when_the_reading_transaction_fails(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def read(uow: UnitOfWork) -> None:
            records = [(3, 42), (4, admin.user_id)]
            await uow.audit_reads(admin, AuditAction.booking_viewed, AuditTarget.booking, records)

        await refused(read, database, settings)

        # The admin's own record (4) is not a look at someone else's.
        assert await entries(database) == [("booking.viewed", admin.user_id, "3")]

    async def test_reads_audited_by_a_unit_that_writes_wait_for_no_lock(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        # The unit's own write comes first: on SQLite it then holds the only write lock.
        async with work(database, settings) as uow:
            uow.audit(admin, AuditAction.slot_changed, AuditTarget.slot, 1)
            await uow.session.flush()
            await uow.audit_reads(admin, AuditAction.user_viewed, AuditTarget.user, [(5, 5)])

        assert await entries(database) == [
            ("slot.changed", admin.user_id, "1"),
            ("user.viewed", admin.user_id, "5"),
        ]

    async def test_reads_audited_by_a_unit_that_writes_outlive_its_refusal(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def read_then_fail(uow: UnitOfWork) -> None:
            await uow.session.flush()
            await uow.audit_reads(admin, AuditAction.user_viewed, AuditTarget.user, [(5, 5)])

        await refused(read_then_fail, database, settings)

        assert await entries(database) == [("user.viewed", admin.user_id, "5")]


class TestAfterCommit:
    async def test_runs_after_the_commit_only(self, database: Database, settings: Settings) -> None:
        ran: list[str] = []

        async def note(label: str) -> None:
            ran.append(label)

        async with work(database, settings) as uow:
            uow.after_commit(lambda: note("committed"))
            assert ran == []

        async def roll_back(uow: UnitOfWork) -> None:
            uow.after_commit(lambda: note("rolled back"))

        await refused(roll_back, database, settings)

        assert ran == ["committed"]


class TestEvents:
    async def test_handlers_run_in_the_publishers_transaction(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        events = EventBus()

        async def audit_it(uow: UnitOfWork, event: SomethingHappened) -> None:
            uow.audit(admin, AuditAction.slot_changed, AuditTarget.slot, event.slot_id)

        events.subscribe(SomethingHappened, audit_it)

        async def publish(uow: UnitOfWork) -> None:
            await uow.publish(SomethingHappened(slot_id=11))

        await refused(publish, database, settings, events)
        async with work(database, settings, events) as uow:
            await uow.publish(SomethingHappened(slot_id=12))

        assert await entries(database) == [("slot.changed", admin.user_id, "12")]

    async def test_an_event_nobody_listens_for_does_nothing(
        self, database: Database, settings: Settings
    ) -> None:
        async with work(database, settings) as uow:
            await uow.publish(SomethingHappened(slot_id=1))

        assert await entries(database) == []


class TestRefusalThatCommits:
    async def test_the_work_before_the_marked_refusal_commits(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def spend_a_try(uow: UnitOfWork) -> None:
            uow.audit(admin, AuditAction.slot_changed, AuditTarget.slot, 7)
            raise uow.commit_and_refuse(Conflict())

        with pytest.raises(Conflict):
            async with work(database, settings) as uow:
                await spend_a_try(uow)

        assert await entries(database) == [("slot.changed", admin.user_id, "7")]

    async def test_another_error_still_rolls_back(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def change_then_fail(uow: UnitOfWork) -> None:
            uow.commit_and_refuse(Conflict())
            uow.audit(admin, AuditAction.slot_changed, AuditTarget.slot, 7)

        await refused(change_then_fail, database, settings)

        assert await entries(database) == []


async def refused_attempt(uow: UnitOfWork, step: Callable[[UnitOfWork], Awaitable[None]]) -> None:
    """Run `step` in `uow.attempt()`, then refuse; the unit goes on, as a page's does."""

    async def block() -> None:
        async with uow.attempt():
            await step(uow)
            raise Conflict()

    with pytest.raises(Conflict):
        await block()


class TestAttempt:
    """A page that shows a refusal itself goes on with the unit: the refused block's writes
    must not commit with it."""

    async def test_a_refused_block_leaves_nothing_and_the_unit_goes_on(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def delete(uow: UnitOfWork) -> None:
            uow.audit(admin, AuditAction.slot_deleted, AuditTarget.slot, 2)
            await uow.session.flush()

        async with work(database, settings) as uow:
            uow.audit(admin, AuditAction.slot_created, AuditTarget.slot, 1)
            await refused_attempt(uow, delete)

        assert await entries(database) == [("slot.created", admin.user_id, "1")]

    async def test_a_block_that_succeeds_commits_with_the_unit(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async with work(database, settings) as uow, uow.attempt():
            uow.audit(admin, AuditAction.slot_deleted, AuditTarget.slot, 2)

        assert await entries(database) == [("slot.deleted", admin.user_id, "2")]

    async def test_the_refusal_that_commits_keeps_its_writes(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def spend_a_try(uow: UnitOfWork) -> None:
            uow.audit(admin, AuditAction.slot_changed, AuditTarget.slot, 7)
            raise uow.commit_and_refuse(Conflict())

        async with work(database, settings) as uow:
            with pytest.raises(Conflict):
                await _in_attempt(uow, spend_a_try)

        assert await entries(database) == [("slot.changed", admin.user_id, "7")]

    async def test_an_entry_kept_if_refused_outlives_the_refused_block_once(
        self, database: Database, settings: Settings, admin: Actor
    ) -> None:
        async def refund(uow: UnitOfWork) -> None:
            uow.audit(
                admin, AuditAction.booking_refunded, AuditTarget.booking, 9, keep_if_refused=True
            )
            uow.audit(admin, AuditAction.slot_deleted, AuditTarget.slot, 2)

        async with work(database, settings) as uow:
            await refused_attempt(uow, refund)

        assert await entries(database) == [("booking.refunded", admin.user_id, "9")]


async def _in_attempt(uow: UnitOfWork, step: Callable[[UnitOfWork], Awaitable[None]]) -> None:
    async with uow.attempt():
        await step(uow)
