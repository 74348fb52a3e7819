"""`GET /api/meetings/appointments/available-dates/`: the practice-zone dates from today through
the next 29 days that fall on an available weekday (seed 003; docs/decisions.md,
"Appointment requests and availability")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from attune.app import create_app
from attune.availability import service
from attune.models import WeeklyAvailability
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from tests.conftest import http_client, make_settings
from tests.support.people import Person

PATH = "/api/meetings/appointments/available-dates"
ADMIN_PATH = "/api/meetings/admin/availability"
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
# 23:30 on Thursday 29 February 2024 in New York (UTC-5), already 1 March in UTC.
LEAP_DAY_EVENING = datetime(2024, 3, 1, 4, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(LEAP_DAY_EVENING)


def days_from(first: date, count: int) -> list[str]:
    return [(first + timedelta(days=offset)).isoformat() for offset in range(count)]


async def available_dates(client: httpx.AsyncClient) -> list[str]:
    response = await client.get(PATH + "/")
    assert response.status_code == 200
    dates: list[str] = response.json()
    return dates


async def open_on(client: httpx.AsyncClient, admin: Person, days: list[int]) -> None:
    response = await client.put(ADMIN_PATH, json={"available_days": days}, headers=admin.headers)
    assert response.status_code == 200


class TestReach:
    async def test_thirty_days_from_today_when_every_day_is_open(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await open_on(client, admin, EVERY_DAY)

        dates = await available_dates(client)

        assert dates == days_from(date(2024, 2, 29), 30)
        assert dates[-1] == "2024-03-29"

    async def test_is_public_and_answers_without_the_trailing_slash(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(PATH)

        assert response.status_code == 200
        assert response.json() == await available_dates(client)


class TestPracticeZone:
    async def test_today_is_the_practice_s_date_not_utc_s(self, client: httpx.AsyncClient) -> None:
        dates = await available_dates(client)

        # Monday to Friday by default; 29 February is a Thursday in New York.
        assert dates[:3] == ["2024-02-29", "2024-03-01", "2024-03-04"]

    async def test_the_list_moves_on_at_the_practice_s_midnight(
        self, client: httpx.AsyncClient, admin: Person, clock: FrozenClock
    ) -> None:
        await open_on(client, admin, EVERY_DAY)
        clock.advance(timedelta(minutes=29, seconds=59))
        before_midnight = await available_dates(client)

        clock.advance(timedelta(seconds=1))
        after_midnight = await available_dates(client)

        assert before_midnight == days_from(date(2024, 2, 29), 30)
        assert after_midnight == days_from(date(2024, 3, 1), 30)

    async def test_a_zone_ahead_of_utc_is_already_tomorrow(
        self, tmp_path: Path, database_url: str, database: Database
    ) -> None:
        # 00:30 on Thursday 1 February 2024 in Auckland (UTC+13), still 31 January in UTC.
        settings = make_settings(tmp_path, database_url, practice_timezone="Pacific/Auckland")
        clock = FrozenClock(datetime(2024, 1, 31, 11, 30, tzinfo=UTC))
        app = create_app(settings, database=database, clock=clock)

        async with app.router.lifespan_context(app), http_client(app) as client:
            dates = await available_dates(client)

        assert dates[:3] == ["2024-02-01", "2024-02-02", "2024-02-05"]
        assert dates[-1] == "2024-03-01"


class TestWeekdays:
    async def test_monday_to_friday_across_the_month_end(self, client: httpx.AsyncClient) -> None:
        dates = await available_dates(client)

        assert dates == [
            "2024-02-29",
            "2024-03-01",
            *days_from(date(2024, 3, 4), 5),
            *days_from(date(2024, 3, 11), 5),
            *days_from(date(2024, 3, 18), 5),
            *days_from(date(2024, 3, 25), 5),
        ]

    async def test_only_the_days_the_practice_opened(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await open_on(client, admin, [5, 6])

        dates = await available_dates(client)

        assert dates == [
            "2024-03-02",
            "2024-03-03",
            "2024-03-09",
            "2024-03-10",
            "2024-03-16",
            "2024-03-17",
            "2024-03-23",
            "2024-03-24",
        ]

    async def test_a_day_changed_by_patch_shows_at_once(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.patch(
            ADMIN_PATH, json={"available_days": [3]}, headers=admin.headers
        )
        assert response.status_code == 200

        dates = await available_dates(client)

        assert dates == ["2024-02-29", "2024-03-07", "2024-03-14", "2024-03-21", "2024-03-28"]

    async def test_none_while_the_practice_takes_no_requests(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await open_on(client, admin, [])

        assert await available_dates(client) == []


class TestAnsweredFromMemory:
    """Each process keeps the answer for `ATTUNE_AVAILABILITY_CACHE_SECONDS` (1 s here); its own
    writes show at once (TestWeekdays), another process's once that age has passed."""

    async def test_a_change_made_by_another_process_shows_once_the_cache_s_age_has_passed(
        self, client: httpx.AsyncClient, database_url: str, clock: FrozenClock
    ) -> None:
        before = await available_dates(client)
        # Another process: its own connections, whose commits this app does not hear of.
        other = Database(database_url)
        try:
            async with other.transaction() as session:
                session.add(WeeklyAvailability(id=1, available_days=[5, 6]))
        finally:
            await other.dispose()

        still = await available_dates(client)
        clock.advance(timedelta(seconds=1))
        after = await available_dates(client)

        assert still == before
        assert after == [
            "2024-03-02",
            "2024-03-03",
            "2024-03-09",
            "2024-03-10",
            "2024-03-16",
            "2024-03-17",
            "2024-03-23",
            "2024-03-24",
        ]


class TestService:
    """What the appointment-requests package checks preferred dates with."""

    async def test_available_dates_from_a_given_day(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        await open_on(client, admin, [0])

        async with database.transaction(write=False) as session:
            dates = await service.available_dates(session, date(2024, 12, 31))
            days = await service.available_days(session)

        assert dates == [date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20), date(2025, 1, 27)]
        assert service.date_range(date(2024, 12, 31)) == (date(2024, 12, 31), date(2025, 1, 29))
        assert service.is_available_day(date(2025, 1, 6), days)
        assert not service.is_available_day(date(2025, 1, 7), days)
