from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from attune.models import PaymentStatus, RefundStatus
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book, set_booking
from tests.admin.test_reports import bookings, pay, refund, report
from tests.conftest import make_settings
from tests.support.mailbox import SmtpServer
from tests.support.people import Person, add_admin, add_client, add_clients

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
    async def test_is_what_payments_brought_in_less_refunds(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        hour, half_hour, refunded, unpaid = await bookings(database, settings, ada, 4)
        await pay(database, hour, 10000, NOW - timedelta(days=1))
        await pay(database, half_hour, 5000, NOW - timedelta(days=2))
        partly = await pay(database, refunded, 10000, NOW - timedelta(days=3))
        await refund(database, partly, 2500, NOW - timedelta(hours=1))
        await refund(database, partly, 7500, None, status=RefundStatus.pending)
        await pay(database, unpaid, 10000, None)

        figures = await stats(client, admin)

        assert (figures["total_revenue"], figures["total_revenue_cents"]) == (225.0, 22500)
        assert (figures["monthly_revenue"], figures["monthly_revenue_cents"]) == (225.0, 22500)

    async def test_payments_in_another_currency_are_left_out(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        usd, eur = await bookings(database, settings, ada, 2)
        await pay(database, usd, 10000, NOW - timedelta(days=1))
        await pay(database, eur, 9000, NOW - timedelta(days=1), currency="eur")

        figures = await stats(client, admin)

        assert (figures["total_revenue_cents"], figures["currency"]) == (10000, "usd")

    async def test_the_month_is_the_practice_zones(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        made = await bookings(database, settings, ada, 4)
        # In New York these are 28 February 22:00, 31 March 22:00, 1 March 00:00 and
        # 1 April 00:00; by the UTC calendar they would be in the other month each.
        moments = [
            datetime(2025, 3, 1, 3, 0, tzinfo=UTC),
            datetime(2025, 4, 1, 2, 0, tzinfo=UTC),
            datetime(2025, 3, 1, 5, 0, tzinfo=UTC),
            datetime(2025, 4, 1, 4, 0, tzinfo=UTC),
        ]
        for booking_id, paid_at in zip(made, moments, strict=True):
            await pay(database, booking_id, 10000, paid_at)

        figures = await stats(client, admin)

        assert figures["total_revenue"] == 400.0
        assert figures["monthly_revenue"] == 200.0
        assert figures["month"] == "2025-03"

    async def test_a_refund_counts_in_the_month_it_was_made(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        [booking] = await bookings(database, settings, ada, 1)
        paid = await pay(database, booking, 10000, datetime(2025, 2, 20, 15, tzinfo=UTC))
        await refund(database, paid, 4000, datetime(2025, 3, 2, 15, tzinfo=UTC))

        figures = await stats(client, admin)

        assert (figures["total_revenue_cents"], figures["monthly_revenue_cents"]) == (6000, -4000)

    async def test_the_month_turns_at_midnight_in_the_practice_zone(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        [march] = await bookings(database, settings, ada, 1)
        await pay(database, march, 10000, datetime(2025, 3, 20, 15, 0, tzinfo=UTC))
        # 1 April 03:30 UTC is still 31 March, 23:30, in New York.
        clock.at = datetime(2025, 4, 1, 3, 30, tzinfo=UTC)

        still_march = await stats(client, admin)
        clock.advance(timedelta(hours=1))
        april = await stats(client, admin)

        assert (still_march["month"], still_march["monthly_revenue"]) == ("2025-03", 100.0)
        assert (april["month"], april["monthly_revenue"]) == ("2025-04", 0.0)
        assert april["total_revenue"] == 100.0

    async def test_equals_the_financial_reports_net(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        made = await bookings(database, settings, ada, 4)
        january = await pay(database, made[0], 10000, datetime(2025, 1, 10, 15, tzinfo=UTC))
        february = await pay(database, made[1], 7500, datetime(2025, 3, 1, 4, 30, tzinfo=UTC))
        await pay(database, made[2], 10000, datetime(2025, 3, 9, 6, 0, tzinfo=UTC))
        await pay(database, made[3], 5000, datetime(2025, 3, 14, 14, 0, tzinfo=UTC))
        await refund(database, january, 10000, datetime(2025, 3, 1, 6, 0, tzinfo=UTC))
        await refund(database, february, 1500, datetime(2025, 2, 28, 15, 0, tzinfo=UTC))

        figures = await stats(client, admin)
        month = await report(client, admin, "2025-03-01", "2025-03-31")
        every_day = await report(client, admin, "2024-12-01", "2025-03-31")

        assert figures["monthly_revenue_cents"] == month["net_cents"] == 5000
        assert figures["monthly_revenue"] == month["net"]
        assert figures["total_revenue_cents"] == every_day["net_cents"] == 21000
        assert figures["total_revenue"] == every_day["net"]
