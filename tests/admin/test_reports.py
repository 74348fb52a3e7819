from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from attune.admin.report_schemas import ReportQuery
from attune.admin.reports import report_service
from attune.models import Booking, IntentStatus, Payment, PaymentProvider, Refund, RefundStatus
from attune.platform.actor import Actor, Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.admin.builders import book
from tests.conftest import make_settings
from tests.support.people import Person, add_admin, add_client
from tests.support.work import work

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
REPORT = "/api/admin/reports/financial"
MARCH = {"start_date": "2025-03-01", "end_date": "2025-03-31"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, practice_timezone="America/New_York")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An instant given as the wall-clock time in New York."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


async def bookings(database: Database, settings: Settings, client: Person, count: int) -> list[int]:
    """`count` bookings of the client's, on days after the figures of these tests."""
    first = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)
    return [
        await book(database, settings, client, first + timedelta(days=n), booked_at=NOW)
        for n in range(count)
    ]


async def pay(
    database: Database,
    booking_id: int,
    amount_cents: int,
    succeeded_at: datetime | None,
    *,
    currency: str = "usd",
) -> int:
    """A payment for the booking that succeeded at `succeeded_at` (None: still open)."""
    async with database.transaction() as session:
        payment = Payment(
            booking_id=booking_id,
            user_id=await _owner(database, booking_id),
            provider=PaymentProvider.demo,
            intent_id=f"pi_report_{booking_id}_{amount_cents}_{currency}",
            client_secret_encrypted="sealed",
            amount_cents=amount_cents,
            currency=currency,
            status=IntentStatus.succeeded if succeeded_at else IntentStatus.requires_payment_method,
            succeeded_at=succeeded_at,
        )
        session.add(payment)
        await session.flush()
        return payment.id


async def refund(
    database: Database,
    payment_id: int,
    amount_cents: int,
    succeeded_at: datetime | None,
    *,
    status: RefundStatus = RefundStatus.succeeded,
) -> None:
    async with database.transaction() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        session.add(
            Refund(
                payment_id=payment_id,
                booking_id=payment.booking_id,
                amount_cents=amount_cents,
                reason="requested_by_customer",
                status=status,
                idempotency_key=f"refund:{payment_id}:{amount_cents}:{status}",
                succeeded_at=succeeded_at,
            )
        )


async def _owner(database: Database, booking_id: int) -> int:
    async with database.transaction(write=False) as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        return booking.user_id


async def report(
    client: httpx.AsyncClient, admin: Person, start: str, end: str
) -> dict[str, object]:
    response = await client.get(
        REPORT, params={"start_date": start, "end_date": end}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def by_day(body: dict[str, object]) -> dict[str, dict[str, object]]:
    days = body["days"]
    assert isinstance(days, list)
    return {day["date"]: day for day in days}


class TestFigures:
    async def test_each_day_and_the_totals_are_the_sums_made_that_local_day(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        made = await bookings(database, settings, ada, 7)
        # Across a month's end (28 February) and a daylight-saving change (9 March, 23 hours).
        payments = [
            (made[0], 10000, local(2025, 2, 26, 23, 59)),  # the day before the range
            (made[1], 10000, local(2025, 2, 28, 23, 30)),  # 1 March by UTC
            (made[2], 5000, local(2025, 3, 1, 0, 15)),
            (made[3], 10000, local(2025, 3, 9, 0, 30)),  # before the clocks go forward
            (made[4], 7500, local(2025, 3, 9, 23, 30)),  # 10 March by UTC
            (made[5], 10000, local(2025, 3, 10, 23, 59)),  # the last minute of the range
            (made[6], 10000, local(2025, 3, 11, 0, 0)),  # the day after the range
        ]
        ids = [await pay(database, booking, cents, at) for booking, cents, at in payments]
        refunds = [
            (ids[1], 2500, local(2025, 3, 9, 12, 0)),
            (ids[0], 10000, local(2025, 2, 27, 9, 0)),  # of a payment made before the range
            (ids[3], 10000, local(2025, 3, 11, 0, 5)),  # after the range
        ]
        for payment_id, cents, at in refunds:
            await refund(database, payment_id, cents, at)
        first, last = date(2025, 2, 27), date(2025, 3, 10)
        gross: Counter[date] = Counter()
        sessions: Counter[date] = Counter()
        refunded: Counter[date] = Counter()
        for _, cents, at in payments:
            gross[at.astimezone(NEW_YORK).date()] += cents
            sessions[at.astimezone(NEW_YORK).date()] += 1
        for _, cents, at in refunds:
            refunded[at.astimezone(NEW_YORK).date()] += cents
        in_range = [first + timedelta(days=n) for n in range((last - first).days + 1)]

        body = await report(client, admin, "2025-02-27", "2025-03-10")

        assert body["days"] == [
            {
                "date": day.isoformat(),
                "gross": gross[day] / 100,
                "gross_cents": gross[day],
                "refunds": refunded[day] / 100,
                "refunds_cents": refunded[day],
                "net": (gross[day] - refunded[day]) / 100,
                "net_cents": gross[day] - refunded[day],
                "paid_sessions": sessions[day],
            }
            for day in in_range
        ]
        total_gross = sum(gross[day] for day in in_range)
        total_refunds = sum(refunded[day] for day in in_range)
        assert (body["gross_cents"], body["refunds_cents"]) == (total_gross, total_refunds)
        assert (body["gross_cents"], body["refunds_cents"]) == (42500, 12500)
        assert (body["net_cents"], body["net"]) == (30000, 300.0)
        assert (body["gross"], body["refunds"]) == (425.0, 125.0)
        assert body["paid_sessions"] == 5
        assert (body["start_date"], body["end_date"]) == ("2025-02-27", "2025-03-10")
        assert (body["timezone"], body["currency"]) == ("America/New_York", "usd")

    async def test_a_payment_at_23_30_counts_on_that_local_day(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        [booking] = await bookings(database, settings, ada, 1)
        await pay(database, booking, 10000, local(2025, 3, 31, 23, 30))

        march = by_day(await report(client, admin, "2025-03-31", "2025-04-01"))

        assert march["2025-03-31"]["gross_cents"] == 10000
        assert march["2025-04-01"]["gross_cents"] == 0

    async def test_open_payments_and_unfinished_refunds_do_not_count(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        open_booking, paid_booking = await bookings(database, settings, ada, 2)
        await pay(database, open_booking, 10000, None)
        paid = await pay(database, paid_booking, 10000, local(2025, 3, 3, 10))
        await refund(database, paid, 4000, None, status=RefundStatus.pending)
        await refund(database, paid, 6000, None, status=RefundStatus.failed)

        body = await report(client, admin, "2025-03-01", "2025-03-31")

        assert (body["gross_cents"], body["refunds_cents"], body["net_cents"]) == (10000, 0, 10000)
        assert body["paid_sessions"] == 1

    async def test_a_refund_counts_on_its_own_day_and_can_make_the_net_negative(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        [booking] = await bookings(database, settings, ada, 1)
        paid = await pay(database, booking, 10000, local(2025, 2, 20, 10))
        await refund(database, paid, 10000, local(2025, 3, 2, 10))

        body = await report(client, admin, "2025-03-01", "2025-03-31")

        assert (body["gross"], body["refunds"], body["net"]) == (0.0, 100.0, -100.0)
        assert by_day(body)["2025-03-02"]["net_cents"] == -10000
        assert body["paid_sessions"] == 0

    async def test_payments_in_another_currency_are_left_out_and_counted(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        usd, eur = await bookings(database, settings, ada, 2)
        await pay(database, usd, 10000, local(2025, 3, 3, 10))
        in_euros = await pay(database, eur, 9000, local(2025, 3, 3, 11), currency="eur")
        await refund(database, in_euros, 9000, local(2025, 3, 4, 11))

        body = await report(client, admin, "2025-03-01", "2025-03-31")

        assert (body["gross_cents"], body["refunds_cents"]) == (10000, 0)
        assert body["other_currency_payments"] == 1

    async def test_every_day_is_listed_even_without_money(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        body = await report(client, admin, "2025-03-08", "2025-03-10")

        assert [day["date"] for day in body["days"]] == [  # type: ignore[attr-defined]
            "2025-03-08",
            "2025-03-09",
            "2025-03-10",
        ]
        assert {day["net_cents"] for day in body["days"]} == {0}  # type: ignore[attr-defined]
        assert (body["gross"], body["net"], body["paid_sessions"]) == (0.0, 0.0, 0)

    async def test_a_single_day(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        body = await report(client, admin, "2025-03-09", "2025-03-09")

        assert list(by_day(body)) == ["2025-03-09"]

    async def test_a_whole_leap_year_is_the_longest_range(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)

        body = await report(client, admin, "2024-01-01", "2024-12-31")

        assert len(by_day(body)) == 366

    @pytest.mark.parametrize(
        ("start", "end"),
        [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")],
        ids=["first days", "last days"],
    )
    async def test_the_ends_of_the_calendar_are_refused(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        start: str,
        end: str,
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.get(
            REPORT, params={"start_date": start, "end_date": end}, headers=admin.headers
        )

        assert response.status_code == 400
        assert response.json()["details"].endswith("must be within five years of today")


class TestCsv:
    async def test_parses_back_to_the_same_figures(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        first, second, third = await bookings(database, settings, ada, 3)
        paid = await pay(database, first, 10000, local(2025, 3, 8, 23, 30))
        await pay(database, second, 5050, local(2025, 3, 9, 9))
        await pay(database, third, 10000, local(2025, 3, 10, 9))
        await refund(database, paid, 2525, local(2025, 3, 10, 10))
        params = {"start_date": "2025-03-07", "end_date": "2025-03-10"}
        as_json = (await client.get(REPORT, params=params, headers=admin.headers)).json()

        response = await client.get(
            REPORT, params={**params, "format": "csv"}, headers=admin.headers
        )

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == (
            'attachment; filename="financial-2025-03-07-2025-03-10.csv"'
        )
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows == [
            {
                "date": day["date"],
                "currency": "usd",
                "gross": f"{day['gross']:.2f}",
                "refunds": f"{day['refunds']:.2f}",
                "net": f"{day['net']:.2f}",
                "paid_sessions": str(day["paid_sessions"]),
            }
            for day in as_json["days"]
        ] + [
            {
                "date": "total",
                "currency": "usd",
                "gross": "250.50",
                "refunds": "25.25",
                "net": "225.25",
                "paid_sessions": "3",
            }
        ]
        assert rows[1]["gross"] == "100.00"  # 8 March, 23:30 in New York

    async def test_a_negative_net_keeps_its_sign(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        [booking] = await bookings(database, settings, ada, 1)
        paid = await pay(database, booking, 10000, local(2025, 2, 20, 10))
        await refund(database, paid, 505, local(2025, 3, 2, 10))

        response = await client.get(
            REPORT,
            params={"start_date": "2025-03-02", "end_date": "2025-03-02", "format": "csv"},
            headers=admin.headers,
        )

        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [row["net"] for row in rows] == ["-5.05", "-5.05"]


class TestInvalidRequests:
    @pytest.mark.parametrize(
        "params",
        [
            pytest.param({"end_date": "2025-03-31"}, id="no start"),
            pytest.param({"start_date": "2025-03-01"}, id="no end"),
            pytest.param({"start_date": "2025-03-01", "end_date": ""}, id="empty end"),
            pytest.param({"start_date": "2025-02-30", "end_date": "2025-03-31"}, id="no such day"),
            pytest.param({"start_date": "03/01/2025", "end_date": "2025-03-31"}, id="us format"),
            pytest.param({"start_date": "1740787200", "end_date": "2025-03-31"}, id="timestamp"),
            pytest.param(
                {"start_date": "2025-03-01T00:00:00", "end_date": "2025-03-31"}, id="datetime"
            ),
            pytest.param({"start_date": "2025-03-31", "end_date": "2025-03-01"}, id="reversed"),
            pytest.param({"start_date": "2024-01-01", "end_date": "2025-01-01"}, id="367 days"),
            pytest.param(
                {"start_date": "2025-03-01", "end_date": "2025-03-31", "format": "xlsx"},
                id="unknown format",
            ),
        ],
    )
    async def test_refused_with_400(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
        params: dict[str, str],
    ) -> None:
        admin = await add_admin(database, settings)

        response = await client.get(REPORT, params=params, headers=admin.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Invalid request format"


class TestAccess:
    async def test_anonymous_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get(REPORT, params=MARCH)

        assert response.status_code == 401

    async def test_a_client_is_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)

        response = await client.get(REPORT, params=MARCH, headers=ada.headers)

        assert response.status_code == 403


class TestMonths:
    async def test_the_days_add_up_by_local_month_to_the_same_totals(
        self, database: Database, settings: Settings
    ) -> None:
        admin = await add_admin(database, settings)
        ada = await add_client(database, settings)
        made = await bookings(database, settings, ada, 3)
        first = await pay(database, made[0], 10000, local(2025, 2, 28, 9, 0))
        # 23:30 in New York on 31 March is April by UTC: it counts in March.
        await pay(database, made[1], 8000, local(2025, 3, 31, 23, 30))
        await pay(database, made[2], 5000, local(2025, 4, 1, 10, 0))
        await refund(database, first, 4000, local(2025, 4, 2, 12, 0))
        actor = Actor(Role.owner, user_id=admin.id, verified=True)

        async with work(database, settings, now=NOW) as uow:
            report = await report_service.financial(
                uow,
                actor,
                ReportQuery.model_validate({"start_date": "2025-02-27", "end_date": "2025-04-02"}),
            )

        assert [
            (m.month, m.paid_sessions, m.gross_cents, m.refunds_cents, m.net_cents)
            for m in report.months
        ] == [
            (date(2025, 2, 1), 1, 10000, 0, 10000),
            (date(2025, 3, 1), 1, 8000, 0, 8000),
            (date(2025, 4, 1), 1, 5000, 4000, 1000),
        ]
        assert sum(m.net_cents for m in report.months) == report.net_cents
        assert sum(m.paid_sessions for m in report.months) == report.paid_sessions
