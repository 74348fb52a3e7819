"""No two slots overlap under many real concurrent requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import httpx
from sqlalchemy import select, text

from attune.models import Schedule
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.builders import SEED_START, slot_body
from tests.support.people import Person, add_person

PATH = "/api/admin/schedules"


async def second_admin(database: Database, settings: Settings) -> Person:
    """A second owner who sees no clients: the slots both make are the one therapist's."""
    return await add_person(
        database,
        settings,
        email="associate@example.com",
        first_name="Ida",
        admin=True,
        therapist=False,
    )


async def until_waiting_for_a_lock(database: Database) -> None:
    """Return once another connection waits for a row lock (PostgreSQL), so the test knows the
    request is inside its INSERT. SQLite's request waits for the write lock before it reads
    anything, so there is nothing to wait for there."""
    if database.is_sqlite:
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(1000):
        async with database.engine.connect() as connection:
            if await connection.scalar(query):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the request never waited for the uncommitted slot")


async def assert_no_overlap(database: Database) -> list[Schedule]:
    """Every slot, after checking that no therapist's two slots overlap."""
    async with database.transaction(write=False) as session:
        slots = list(await session.scalars(select(Schedule).order_by(Schedule.start_at)))
    by_therapist = itertools.groupby(
        sorted(slots, key=lambda slot: (slot.therapist_id, slot.start_at)),
        key=lambda slot: slot.therapist_id,
    )
    for _, own in by_therapist:
        for earlier, later in itertools.pairwise(own):
            assert earlier.end_at <= later.start_at, f"slots {earlier.id} and {later.id} overlap"
    return slots


class TestConcurrentSlots:
    async def test_two_admins_create_overlapping_slots_at_once(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        other = await second_admin(database, settings)

        responses = await asyncio.gather(
            client.post(PATH, json=slot_body(), headers=admin.headers),
            client.post(
                PATH,
                json=slot_body(SEED_START + timedelta(minutes=30)),
                headers=other.headers,
            ),
        )

        assert sorted(response.status_code for response in responses) == [201, 409]
        loser = next(response for response in responses if response.status_code == 409)
        assert loser.json()["error"] == "The slot overlaps another slot"
        assert len(await assert_no_overlap(database)) == 1

    async def test_many_requests_for_one_time(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        other = await second_admin(database, settings)

        responses = await asyncio.gather(
            *(
                client.post(
                    PATH,
                    json=slot_body(SEED_START + timedelta(minutes=5 * number)),
                    headers=(admin if number % 2 else other).headers,
                )
                for number in range(8)
            )
        )

        assert sorted(response.status_code for response in responses) == [201] + [409] * 7
        assert len(await assert_no_overlap(database)) == 1

    async def test_generators_and_single_slots_racing(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        other = await second_admin(database, settings)
        week = {
            "weekdays": [6],
            "start_time": "09:00",
            "end_time": "17:00",
            "session_minutes": 45,
            "break_minutes": 0,
            "start_date": "2024-12-15",
            "end_date": "2024-12-15",
        }

        responses = await asyncio.gather(
            client.post(f"{PATH}/generate", json=week, headers=admin.headers),
            client.post(f"{PATH}/generate", json=week, headers=other.headers),
            client.post(PATH, json=slot_body(), headers=other.headers),
            client.post(
                PATH, json=slot_body(SEED_START + timedelta(hours=3)), headers=admin.headers
            ),
        )

        assert {response.status_code for response in responses} <= {201, 409}
        created = sum(
            response.json().get("created_count", 1)
            for response in responses
            if response.status_code == 201
        )
        assert len(await assert_no_overlap(database)) == created

    async def test_a_slot_written_after_the_check_is_refused_by_the_database(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        async with database.transaction() as session:
            # Not committed yet: the request's own check cannot see it.
            held = Schedule(
                therapist_id=admin.id,
                start_at=SEED_START,
                end_at=SEED_START + timedelta(hours=1),
                max_bookings=1,
                booked_count=0,
                is_available=True,
            )
            session.add(held)
            await session.flush()
            request = asyncio.ensure_future(
                client.post(
                    PATH, json=slot_body(SEED_START + timedelta(minutes=30)), headers=admin.headers
                )
            )
            await until_waiting_for_a_lock(database)

        response = await request

        assert response.status_code == 409
        # SQLite: the request waited for the write lock, then its own check saw the slot.
        # PostgreSQL: the check could not see it, and the exclusion constraint refused it.
        details = (
            f"It overlaps slot {held.id}."
            if database.is_sqlite
            else "Another slot was created at this time meanwhile."
        )
        assert response.json() == {"error": "The slot overlaps another slot", "details": details}
        assert len(await assert_no_overlap(database)) == 1


class TestEachTherapistsCalendar:
    """One therapist is never in two places at once; two therapists are two calendars."""

    async def test_many_requests_for_one_therapist_s_time(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        therapist = await add_person(
            database, settings, email="ida@example.com", first_name="Ida", role=Role.therapist
        )
        desk = await add_person(database, settings, email="desk@example.com", role=Role.front_desk)

        responses = await asyncio.gather(
            *(
                client.post(
                    PATH,
                    json=slot_body(
                        SEED_START + timedelta(minutes=5 * number), therapist_id=therapist.id
                    ),
                    headers=(therapist if number % 2 else desk).headers,
                )
                for number in range(10)
            )
        )

        assert sorted(response.status_code for response in responses) == [201] + [409] * 9
        slots = await assert_no_overlap(database)
        assert [slot.therapist_id for slot in slots] == [therapist.id]

    async def test_two_therapists_at_the_same_time_both_win(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        others = [
            await add_person(
                database,
                settings,
                email=f"t{n}@example.com",
                first_name=f"T{n}",
                role=Role.therapist,
            )
            for n in range(3)
        ]
        people = [admin, *others]

        responses = await asyncio.gather(
            *(
                client.post(PATH, json=slot_body(), headers=person.headers)
                for person in people
                for _ in range(3)
            )
        )

        codes = [response.status_code for response in responses]
        assert sorted(codes) == [201] * len(people) + [409] * (2 * len(people))
        slots = await assert_no_overlap(database)
        assert sorted(slot.therapist_id for slot in slots) == sorted(p.id for p in people)

    async def test_generators_of_two_therapists_racing(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        other = await add_person(
            database, settings, email="ida@example.com", first_name="Ida", role=Role.therapist
        )
        week = {
            "weekdays": [6],
            "start_time": "09:00",
            "end_time": "12:00",
            "start_date": "2024-12-15",
            "end_date": "2024-12-15",
        }

        responses = await asyncio.gather(
            client.post(f"{PATH}/generate", json=week, headers=admin.headers),
            client.post(f"{PATH}/generate", json=week, headers=other.headers),
            client.post(f"{PATH}/generate", json=week, headers=other.headers),
        )

        assert [response.status_code for response in responses] == [201, 201, 201]
        counts = sorted(response.json()["created_count"] for response in responses)
        assert counts == [0, 3, 3]
        assert len(await assert_no_overlap(database)) == 6
