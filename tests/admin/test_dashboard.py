from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from attune.models import PaymentStatus
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book, set_booking
from tests.conftest import make_settings
from tests.support.mailbox import SmtpServer
from tests.support.people import Person, add_admin, add_clients

# Mid-March in New York (UTC-4 since the 9th): the practice's month is March 2025.
NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(
        tmp_path, database_url, smtp_url=smtp_server.url, practice_timezone="America/New_York"
    )


async def stats(client: httpx.AsyncClient, admin: Person) -> dict[str, object]:
    response = await client.get("/api/admin/dashboard", headers=admin.headers)
    assert response.status_code == 200
    body: dict[str, object] = response.json()["stats"]
    return body


class TestCounts:
    async def test_an_empty_practice(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        assert await stats(client, admin) == {
            "total_users": 1,
            "total_clients": 0,
            "total_bookings": 0,
            "pending_bookings": 0,
            "upcoming_bookings": 0,
            "completed_bookings": 0,
            "no_show_bookings": 0,
            "cancelled_bookings": 0,
            "total_revenue": 0.0,
            "monthly_revenue": 0.0,
            "total_revenue_cents": 0,
            "monthly_revenue_cents": 0,
            "currency": "usd",
            "month": "2025-03",
        }

    async def test_bookings_in_every_state(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada, bob, cy = await add_clients(database, settings, 3)
        day = timedelta(days=1)
        await book(database, settings, ada, NOW + day)
        failed = await book(database, settings, bob, NOW + 2 * day)
        paid = await book(database, settings, cy, NOW + 3 * day)
        completed = await book(database, settings, ada, NOW - 2 * day)
        no_show = await book(database, settings, bob, NOW - 3 * day)
        cancelled = await book(database, settings, cy, NOW + 4 * day)
        await set_booking(database, failed, payment_status=PaymentStatus.failed)
        await set_booking(database, paid, payment_status=PaymentStatus.succeeded)
        for booking_id, status in ((completed, "completed"), (no_show, "no_show")):
            response = await client.put(
                f"/api/admin/bookings/{booking_id}/status",
                json={"status": status},
                headers=admin.headers,
            )
            assert response.status_code == 200
        response = await client.put(
            f"/api/admin/bookings/{cancelled}/cancel", headers=admin.headers
        )
        assert response.status_code == 200

        figures = await stats(client, admin)

        assert (figures["total_users"], figures["total_clients"]) == (4, 3)
        assert figures["total_bookings"] == 6
        # Scheduled and not paid: the unpaid and the failed one, not the paid one.
        assert figures["pending_bookings"] == 2
        assert figures["upcoming_bookings"] == 3
        assert figures["completed_bookings"] == 1
        assert figures["no_show_bookings"] == 1
        assert figures["cancelled_bookings"] == 1

    async def test_a_session_under_way_is_no_longer_upcoming(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        [ada] = await add_clients(database, settings, 1)
        await book(database, settings, ada, NOW - timedelta(minutes=10))

        figures = await stats(client, admin)

        assert (figures["upcoming_bookings"], figures["pending_bookings"]) == (0, 1)


class TestRevenue:
    async def test_only_paid_bookings_count(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada, bob = await add_clients(database, settings, 2)
        day = timedelta(days=1)
        paid_hour = await book(database, settings, ada, NOW + day)
        paid_half_hour = await book(database, settings, bob, NOW + 2 * day, minutes=30)
        refunded = await book(database, settings, ada, NOW + 3 * day)
        failed = await book(database, settings, bob, NOW + 4 * day)
        await book(database, settings, ada, NOW + 5 * day)
        await set_booking(database, paid_hour, payment_status=PaymentStatus.succeeded)
        await set_booking(database, paid_half_hour, payment_status=PaymentStatus.succeeded)
        await set_booking(database, refunded, payment_status=PaymentStatus.refunded)
        await set_booking(database, failed, payment_status=PaymentStatus.failed)

        figures = await stats(client, admin)

        assert (figures["total_revenue"], figures["total_revenue_cents"]) == (150.0, 15000)
        assert (figures["monthly_revenue"], figures["monthly_revenue_cents"]) == (150.0, 15000)

    async def test_the_month_is_the_practice_zones(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada, bob, cy, dee = await add_clients(database, settings, 4)
        # In New York these are 28 February 22:00, 31 March 22:00, 1 March 00:00 and
        # 1 April 00:00; by the UTC calendar they would be in the other month each.
        bookings = [
            await book(database, settings, ada, datetime(2025, 3, 1, 3, 0, tzinfo=UTC)),
            await book(database, settings, bob, datetime(2025, 4, 1, 2, 0, tzinfo=UTC)),
            await book(database, settings, cy, datetime(2025, 3, 1, 5, 0, tzinfo=UTC)),
            await book(database, settings, dee, datetime(2025, 4, 1, 4, 0, tzinfo=UTC)),
        ]
        for booking_id in bookings:
            await set_booking(database, booking_id, payment_status=PaymentStatus.succeeded)

        figures = await stats(client, admin)

        assert figures["total_revenue"] == 400.0
        assert figures["monthly_revenue"] == 200.0
        assert figures["month"] == "2025-03"

    async def test_the_month_turns_at_midnight_in_the_practice_zone(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        admin = await add_admin(database, settings)
        [ada] = await add_clients(database, settings, 1)
        march = await book(database, settings, ada, datetime(2025, 3, 20, 15, 0, tzinfo=UTC))
        await set_booking(database, march, payment_status=PaymentStatus.succeeded)
        # 1 April 03:30 UTC is still 31 March, 23:30, in New York.
        clock.at = datetime(2025, 4, 1, 3, 30, tzinfo=UTC)

        still_march = await stats(client, admin)
        clock.advance(timedelta(hours=1))
        april = await stats(client, admin)

        assert (still_march["month"], still_march["monthly_revenue"]) == ("2025-03", 100.0)
        assert (april["month"], april["monthly_revenue"]) == ("2025-04", 0.0)
        assert april["total_revenue"] == 100.0
