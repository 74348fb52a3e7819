"""Slots and scheduled appointment requests share the one therapist's time: neither may be
placed where the other is, whichever comes first."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.requests.builders import ENDS_AT, NOW, STARTS_AT, TUESDAY, scheduled
from tests.support.people import Person, add_admin
from tests.support.slots import add_slot

SLOTS = "/api/admin/schedules"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


class TestSlotsKeepClearOfAppointments:
    async def test_a_slot_over_a_scheduled_appointment_is_refused(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await scheduled(client, admin)

        response = await client.post(
            SLOTS,
            json={
                "start_time": (STARTS_AT + timedelta(minutes=30)).isoformat(),
                "end_time": (ENDS_AT + timedelta(minutes=30)).isoformat(),
            },
            headers=admin.headers,
        )

        assert response.status_code == 409
        assert response.json()["error"] == "The slot overlaps a scheduled appointment"

    async def test_a_slot_right_after_it_is_fine(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await scheduled(client, admin)

        response = await client.post(
            SLOTS,
            json={
                "start_time": ENDS_AT.isoformat(),
                "end_time": (ENDS_AT + timedelta(hours=1)).isoformat(),
            },
            headers=admin.headers,
        )

        assert response.status_code == 201

    async def test_the_generator_skips_the_appointments_time(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await scheduled(client, admin)  # Tuesday 10:00-11:00 UTC

        response = await client.post(
            f"{SLOTS}/generate",
            json={
                "weekdays": [TUESDAY.weekday()],
                "start_time": "09:00",
                "end_time": "12:00",
                "session_minutes": 60,
                "start_date": TUESDAY.isoformat(),
                "end_date": TUESDAY.isoformat(),
            },
            headers=admin.headers,
        )

        assert response.status_code == 201
        body = response.json()
        assert [slot["start_time"] for slot in body["created"]] == [
            "2025-03-04T09:00:00Z",
            "2025-03-04T11:00:00Z",
        ]
        assert [skipped["start_time"] for skipped in body["skipped"]] == ["2025-03-04T10:00:00Z"]

    async def test_a_closed_slot_under_an_appointment_cannot_reopen(
        self, client: httpx.AsyncClient, database: Database, admin: Person
    ) -> None:
        slot_id = await add_slot(database, STARTS_AT, available=False)
        await scheduled(client, admin)

        response = await client.put(
            f"{SLOTS}/{slot_id}", json={"is_available": True}, headers=admin.headers
        )

        assert response.status_code == 409
        listed = await client.get(
            SLOTS,
            params={"from": TUESDAY.isoformat(), "to": TUESDAY.isoformat()},
            headers=admin.headers,
        )
        assert [slot["is_available"] for slot in listed.json()["schedules"]] == [False]
