"""The admin service itself, as any front door calls it: it asks the policy, whoever calls."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from attune.admin.schemas import AccountUpdate, AuditQuery, UserQuery
from attune.admin.service import admin_service
from attune.bookings.errors import BookingNotFound
from attune.models import User
from attune.platform.actor import SYSTEM, Actor, Role
from attune.platform.audit import AuditEntry
from attune.platform.database import Database
from attune.platform.events import EventBus
from attune.platform.policy import AdminRequired
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from tests.admin.builders import book
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client, add_person

NOW = datetime(2026, 3, 29, 9, 30, tzinfo=UTC)


def work(
    database: Database, settings: Settings, *, write: bool = True
) -> AbstractAsyncContextManager[UnitOfWork]:
    return unit_of_work(database, settings, EventBus(), now=NOW, write=write)


def actor_of(person: Person, role: Role) -> Actor:
    return Actor(role, user_id=person.id, verified=True)


async def audited(database: Database) -> list[tuple[str, str | None]]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.target_id) for entry in rows]


class TestPolicy:
    async def test_a_client_is_refused_whichever_front_door_calls(
        self, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)
        client = actor_of(ada, Role.client)

        async with work(database, settings) as uow:
            with pytest.raises(AdminRequired):
                await admin_service.dashboard(uow, client)
            with pytest.raises(AdminRequired):
                await admin_service.list_accounts(uow, client, UserQuery())
            with pytest.raises(AdminRequired):
                await admin_service.update_account(
                    uow, client, ada.id, AccountUpdate(is_admin=True)
                )

        async with database.transaction(write=False) as session:
            user = await session.get(User, ada.id)
            assert user is not None
            assert not user.is_admin
        assert await audited(database) == []

    async def test_the_system_deactivates_an_account_without_an_entry(
        self, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)

        async with work(database, settings) as uow:
            detail = await admin_service.update_account(
                uow, SYSTEM, ada.id, AccountUpdate(is_active=False)
            )

        assert not detail.account.is_active
        # The audit log traces what people of the practice do, not the practice's machinery.
        assert await audited(database) == []


class TestLeftToRefund:
    async def test_all_of_a_payment_then_what_no_refund_has_asked_for(
        self, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(days=2), booked_at=NOW)
        therapist = actor_of(admin, Role.owner)

        async with work(database, settings) as uow:
            assert await admin_service.left_to_refund(uow, therapist, booking_id) == 0
        await record_paid(database, booking_id)
        async with work(database, settings) as uow:
            price = await admin_service.left_to_refund(uow, therapist, booking_id)
            await admin_service.refund_booking(uow, therapist, booking_id, amount_cents=1000)
        async with work(database, settings) as uow:
            assert await admin_service.left_to_refund(uow, therapist, booking_id) == price - 1000

        assert price > 1000

    async def test_a_client_is_refused_and_an_unknown_booking_not_found(
        self, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        booking_id = await book(database, settings, ada, NOW + timedelta(days=2), booked_at=NOW)

        async with work(database, settings) as uow:
            with pytest.raises(AdminRequired):
                await admin_service.left_to_refund(uow, actor_of(ada, Role.client), booking_id)
            with pytest.raises(BookingNotFound):
                await admin_service.left_to_refund(uow, actor_of(admin, Role.owner), 999_999)


class TestAudit:
    async def test_an_admin_listing_accounts_leaves_an_entry_for_every_other_account(
        self, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)

        # A look runs read-only, as a GET does: its entries commit in a transaction of their own.
        async with work(database, settings, write=False) as uow:
            page = await admin_service.list_accounts(uow, actor_of(admin, Role.owner), UserQuery())

        assert {view.id for view in page.items} == {admin.id, ada.id}
        assert await audited(database) == [("user.viewed", str(ada.id))]


class TestAuditLogByEmail:
    async def test_who_may_be_an_address_in_any_case(
        self, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        other = await add_person(
            database, settings, email="front@example.com", first_name="Fran", admin=True
        )
        ada = await add_client(database, settings, 1)
        # Each admin reads Ada's account once: one entry each.
        for person in (admin, other):
            async with work(database, settings, write=False) as uow:
                await admin_service.account(uow, actor_of(person, Role.owner), ada.id)

        async with work(database, settings, write=False) as uow:
            theirs = await admin_service.audit_log(
                uow, actor_of(admin, Role.owner), AuditQuery(), actor_email="FRONT@Example.com"
            )
            nobody = await admin_service.audit_log(
                uow, actor_of(admin, Role.owner), AuditQuery(), actor_email="no@example.com"
            )

        assert [(entry.actor_email, entry.action) for entry in theirs.items] == [
            ("front@example.com", "user.viewed")
        ]
        assert theirs.total == 1
        assert (nobody.items, nobody.total) == ([], 0)


class TestPracticeSettings:
    async def test_says_what_is_configured_and_holds_no_secret(
        self, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        configured = settings.model_copy(
            update={
                "stripe_secret_key": SecretStr("sk_test_service_secret"),
                "redis_url": "redis://:pass@127.0.0.1:6379/0",
                "jitsi_app_id": "attune",
            }
        )

        async with work(database, settings, write=False) as uow:
            demo = await admin_service.practice_settings(uow, actor_of(admin, Role.owner))
        async with work(database, configured, write=False) as uow:
            live = await admin_service.practice_settings(uow, actor_of(admin, Role.owner))

        assert (demo.stripe_configured, demo.redis_configured) == (False, False)
        assert demo.jitsi_tokens_configured is False
        assert (live.stripe_configured, live.redis_configured) == (True, True)
        assert live.jitsi_tokens_configured is True
        assert (live.cancel_notice_hours, live.join_opens_minutes_before) == (24, 10)
        shown = repr(live)
        assert "sk_test" not in shown
        assert "pass@" not in shown

    async def test_a_client_is_refused(self, database: Database, settings: Settings) -> None:
        ada = await add_client(database, settings, 1)

        async with work(database, settings, write=False) as uow:
            with pytest.raises(AdminRequired):
                await admin_service.practice_settings(uow, actor_of(ada, Role.client))


class TestSessions:
    async def test_the_days_bookings_come_soonest_first_and_each_look_is_recorded(
        self, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings, 1)
        later = await book(database, settings, ada, datetime(2026, 4, 2, 15, 0, tzinfo=UTC))
        sooner = await book(database, settings, ada, datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
        await book(database, settings, ada, datetime(2026, 4, 6, 9, 0, tzinfo=UTC))

        async with work(database, settings) as uow:
            shown = await admin_service.sessions(
                uow, actor_of(admin, Role.owner), date(2026, 3, 30), date(2026, 4, 5)
            )

        assert [item.booking.id for item in shown] == [sooner, later]
        assert [item.client.first_name for item in shown] == ["Client1", "Client1"]
        assert sorted(await audited(database)) == sorted(
            [("booking.viewed", str(sooner)), ("booking.viewed", str(later))]
        )

    async def test_a_client_may_not_read_the_diary(
        self, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings, 1)

        async with work(database, settings) as uow:
            with pytest.raises(AdminRequired):
                await admin_service.sessions(
                    uow, actor_of(ada, Role.client), date(2026, 3, 30), date(2026, 4, 5)
                )
