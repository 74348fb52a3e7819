"""Slots in a practice zone with daylight saving time (America/New_York, 2027): every slot
starts at the local time asked, none is duplicated or lost, and a day is the local day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.mailbox import SmtpServer
from tests.support.people import Person

ZONE = ZoneInfo("America/New_York")
# Before both changes of 2027: clocks go forward on 14 March and back on 7 November.
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        smtp_url=smtp_server.url,
        practice_timezone="America/New_York",
        # The admin's token is issued at the real time and must still be valid in 2027.
        access_token_minutes=3 * 365 * 24 * 60,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


def every_day(first: str, last: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "weekdays": list(range(7)),
        "start_date": first,
        "end_date": last,
        "max_bookings": 1,
    }
    body.update(overrides)
    return body


async def generate(
    client: httpx.AsyncClient, admin: Person, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post("/api/admin/schedules/generate", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def local(instant: str) -> datetime:
    return datetime.fromisoformat(instant).astimezone(ZONE)


def local_starts(schedules: list[dict[str, Any]]) -> list[str]:
    return [local(slot["start_time"]).strftime("%Y-%m-%d %H:%M") for slot in schedules]


def lengths(schedules: list[dict[str, Any]]) -> set[timedelta]:
    return {
        datetime.fromisoformat(slot["end_time"]) - datetime.fromisoformat(slot["start_time"])
        for slot in schedules
    }


class TestSpringForward:
    async def test_every_slot_starts_at_the_local_time_asked(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = every_day(
            "2027-03-13",
            "2027-03-15",
            start_time="01:30",
            end_time="04:00",
            session_minutes=30,
            break_minutes=0,
        )

        result = await generate(client, admin, body)

        starts = local_starts(result["created"])
        assert starts == [
            *(f"2027-03-13 {hour}" for hour in ("01:30", "02:00", "02:30", "03:00", "03:30")),
            *(f"2027-03-14 {hour}" for hour in ("01:30", "03:00", "03:30")),
            *(f"2027-03-15 {hour}" for hour in ("01:30", "02:00", "02:30", "03:00", "03:30")),
        ]
        assert lengths(result["created"]) == {timedelta(minutes=30)}
        assert Counter(start[:10] for start in starts) == {
            "2027-03-13": 5,
            "2027-03-14": 3,
            "2027-03-15": 5,
        }

    async def test_a_start_the_clocks_skip_is_reported(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = every_day(
            "2027-03-14",
            "2027-03-14",
            start_time="01:30",
            end_time="04:00",
            session_minutes=30,
            break_minutes=0,
        )

        result = await generate(client, admin, body)

        reason = "this local time does not exist on this day (daylight saving time starts)"
        assert result["skipped"] == [
            {
                "start_time": "2027-03-14T02:00:00",
                "local_time": "2027-03-14T02:00",
                "reason": reason,
            },
            {
                "start_time": "2027-03-14T02:30:00",
                "local_time": "2027-03-14T02:30",
                "reason": reason,
            },
        ]
        assert result["skipped_count"] == 2

    async def test_09_00_is_09_00_on_both_sides_of_the_change(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = every_day("2027-03-08", "2027-03-21", start_time="09:00", end_time="10:00")

        result = await generate(client, admin, body)

        assert result["created_count"] == 14
        assert {local(slot["start_time"]).strftime("%H:%M") for slot in result["created"]} == {
            "09:00"
        }
        offsets = [slot["start_time"][11:16] for slot in result["created"]]
        assert offsets == ["14:00"] * 6 + ["13:00"] * 8
        assert lengths(result["created"]) == {timedelta(hours=1)}

    async def test_a_session_lengthened_by_the_change_is_not_overlapped(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        # 01:30 EST + 90 minutes is 04:00 EDT, so the 03:00 start would overlap it.
        body = every_day(
            "2027-03-14",
            "2027-03-14",
            start_time="00:00",
            end_time="06:00",
            session_minutes=90,
            break_minutes=0,
        )

        result = await generate(client, admin, body)

        assert local_starts(result["created"]) == [
            "2027-03-14 00:00",
            "2027-03-14 01:30",
            "2027-03-14 04:30",
        ]
        assert [(item["local_time"], item["reason"]) for item in result["skipped"]] == [
            ("2027-03-14T03:00", "overlaps another slot of this request")
        ]


class TestFallBack:
    async def test_a_time_that_happens_twice_gets_one_slot(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = every_day(
            "2027-11-06",
            "2027-11-08",
            start_time="00:30",
            end_time="04:00",
            session_minutes=60,
            break_minutes=0,
        )

        result = await generate(client, admin, body)

        starts = local_starts(result["created"])
        assert starts == [
            f"2027-11-{day:02d} {hour}" for day in (6, 7, 8) for hour in ("00:30", "01:30", "02:30")
        ]
        assert result["skipped"] == []
        assert lengths(result["created"]) == {timedelta(hours=1)}
        # The first 01:30 (daylight time, UTC-4) is the one taken.
        fall_back = [slot for slot in result["created"] if slot["start_time"][:10] == "2027-11-07"]
        assert [slot["start_time"] for slot in fall_back] == [
            "2027-11-07T04:30:00Z",
            "2027-11-07T05:30:00Z",
            "2027-11-07T07:30:00Z",
        ]

    async def test_09_00_is_09_00_on_both_sides_of_the_change(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        body = every_day("2027-11-01", "2027-11-14", start_time="09:00", end_time="10:00")

        result = await generate(client, admin, body)

        assert result["created_count"] == 14
        assert {local(slot["start_time"]).strftime("%H:%M") for slot in result["created"]} == {
            "09:00"
        }
        offsets = [slot["start_time"][11:16] for slot in result["created"]]
        assert offsets == ["13:00"] * 6 + ["14:00"] * 8


class TestLocalDay:
    async def test_a_late_evening_slot_is_on_its_local_date(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await generate(
            client,
            admin,
            every_day(
                "2027-03-15", "2027-03-16", start_time="23:30", end_time="23:59", session_minutes=25
            ),
        )
        await generate(
            client,
            admin,
            every_day("2027-03-15", "2027-03-15", start_time="00:00", end_time="01:00"),
        )

        monday = await client.get("/api/schedules", params={"date": "2027-03-15"})

        assert monday.status_code == 200
        assert [slot["start_time"] for slot in monday.json()["slots"]] == [
            "2027-03-15T04:00:00Z",
            "2027-03-16T03:30:00Z",
        ]
        tuesday = await client.get("/api/schedules", params={"date": "2027-03-16"})
        assert [slot["start_time"] for slot in tuesday.json()["slots"]] == ["2027-03-17T03:30:00Z"]

    async def test_the_short_day_of_the_change(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await generate(
            client,
            admin,
            every_day(
                "2027-03-13",
                "2027-03-15",
                start_time="00:00",
                end_time="23:59",
                session_minutes=60,
                break_minutes=0,
            ),
        )

        counts = {}
        for date in ("2027-03-13", "2027-03-14", "2027-03-15"):
            response = await client.get("/api/schedules", params={"date": date})
            slots = response.json()["slots"]
            assert {local(slot["start_time"]).date().isoformat() for slot in slots} == {date}
            counts[date] = len(slots)

        # 00:00 to 22:00 each day, but 02:00 does not exist on the 14th.
        assert counts == {"2027-03-13": 23, "2027-03-14": 22, "2027-03-15": 23}

    async def test_the_admin_list_uses_local_days(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await generate(
            client,
            admin,
            every_day(
                "2027-11-06", "2027-11-08", start_time="23:00", end_time="23:59", session_minutes=30
            ),
        )

        response = await client.get(
            "/api/admin/schedules",
            params={"from": "2027-11-07", "to": "2027-11-07"},
            headers=admin.headers,
        )

        assert [slot["start_time"] for slot in response.json()["schedules"]] == [
            "2027-11-08T04:00:00Z"
        ]
