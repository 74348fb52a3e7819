"""Each therapist's calendar: slots overlap only across therapists, show whose they are and
what they offer, filter by therapist and service, and a therapist manages only their own."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from attune.models import AppointmentRequest, AppointmentStatus
from attune.platform.actor import Role
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.builders import SEED_START, iso, slot_body
from tests.scheduling.practice_builders import add_service, add_therapist
from tests.support.people import Person
from tests.support.slots import add_slot

PATH = "/api/admin/schedules"
DAY = "2024-12-15"


async def day(client: httpx.AsyncClient, **params: int) -> list[dict[str, object]]:
    response = await client.get("/api/schedules", params={"date": DAY, **params})
    assert response.status_code == 200, response.text
    slots: list[dict[str, object]] = response.json()["slots"]
    return slots


async def scheduled_appointment(database: Database, therapist_id: int) -> None:
    async with database.transaction() as session:
        session.add(
            AppointmentRequest(
                id=str(uuid.uuid4()),
                therapist_id=therapist_id,
                first_name_encrypted="x",
                last_name_encrypted="x",
                email_encrypted="x",
                email_hash=uuid.uuid4().hex,
                preferred_dates=[],
                preferred_time_slots=[],
                status=AppointmentStatus.scheduled,
                scheduled_at=SEED_START,
                scheduled_duration=60,
                scheduled_end_at=SEED_START + timedelta(hours=1),
                room_id=uuid.uuid4().hex,
            )
        )


class TestNoTherapistInTwoPlaces:
    async def test_two_therapists_slots_may_overlap(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        first = await client.post(PATH, json=slot_body(), headers=admin.headers)

        second = await client.post(
            PATH,
            json=slot_body(SEED_START + timedelta(minutes=30), therapist_id=ida.id),
            headers=admin.headers,
        )

        assert (first.status_code, second.status_code) == (201, 201)
        assert second.json()["schedule"]["therapist_id"] == ida.id

    async def test_one_therapist_s_slots_may_not(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        await add_slot(database, SEED_START, therapist_id=ida.id)

        response = await client.post(
            PATH, json=slot_body(SEED_START + timedelta(minutes=30)), headers=ida.headers
        )

        assert response.status_code == 409
        assert response.json()["error"] == "The slot overlaps another slot"

    async def test_a_slot_never_overlaps_its_therapist_s_appointment(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        await scheduled_appointment(database, ida.id)

        own = await client.post(PATH, json=slot_body(), headers=ida.headers)
        others = await client.post(PATH, json=slot_body(), headers=admin.headers)

        assert own.status_code == 409
        assert own.json()["error"] == "The slot overlaps a scheduled appointment"
        assert others.status_code == 201

    async def test_moving_a_slot_onto_its_therapist_s_other_slot(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        await add_slot(database, SEED_START, therapist_id=ida.id)
        own_later = await add_slot(database, SEED_START + timedelta(hours=2), therapist_id=ida.id)
        theirs = await add_slot(database, SEED_START + timedelta(hours=2))
        move = {"start_time": iso(SEED_START), "end_time": iso(SEED_START + timedelta(hours=1))}

        own = await client.put(f"{PATH}/{own_later}", json=move, headers=ida.headers)
        other = await client.put(f"{PATH}/{theirs}", json=move, headers=admin.headers)

        assert (own.status_code, other.status_code) == (409, 200)

    async def test_the_generator_skips_only_its_therapist_s_time(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        await add_slot(database, SEED_START, therapist_id=ida.id)
        week = {
            "weekdays": [6],
            "start_time": "10:00",
            "end_time": "12:00",
            "start_date": DAY,
            "end_date": DAY,
        }

        own = await client.post(f"{PATH}/generate", json=week, headers=ida.headers)
        other = await client.post(f"{PATH}/generate", json=week, headers=admin.headers)

        assert (own.json()["created_count"], own.json()["skipped_count"]) == (1, 1)
        assert (other.json()["created_count"], other.json()["skipped_count"]) == (2, 0)


class TestSlotsShowAndFilter:
    async def test_each_slot_names_its_therapist_and_services(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        couples = await add_service(database, "Couples", [ida.id], duration_minutes=90)
        slot = await add_slot(database, SEED_START, therapist_id=ida.id)

        [shown] = await day(client)

        assert shown["id"] == slot
        assert shown["therapist_id"] == ida.id
        assert shown["therapist"] == "Ida Lovelace"
        assert shown["services"] == [
            {"id": 1, "name": "Session"},
            {"id": couples, "name": "Couples"},
        ]
        assert shown["delivery"] == "video"

    async def test_filters_by_therapist_and_by_service(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        couples = await add_service(database, "Couples", [ida.id])
        theos = await add_slot(database, SEED_START, therapist_id=admin.id)
        idas = await add_slot(database, SEED_START, therapist_id=ida.id, service_ids=[1])
        idas_couples = await add_slot(
            database, SEED_START + timedelta(hours=2), therapist_id=ida.id, service_ids=[couples]
        )

        assert [s["id"] for s in await day(client)] == [theos, idas, idas_couples]
        assert [s["id"] for s in await day(client, therapist_id=ida.id)] == [idas, idas_couples]
        assert [s["id"] for s in await day(client, therapist_id=admin.id)] == [theos]
        assert [s["id"] for s in await day(client, service_id=couples)] == [idas_couples]
        assert [s["id"] for s in await day(client, service_id=1)] == [theos, idas]
        assert await day(client, therapist_id=admin.id, service_id=couples) == []

    @pytest.mark.parametrize("value", ["0", "x", "1.5", "-1"])
    async def test_a_bad_filter_is_refused(self, client: httpx.AsyncClient, value: str) -> None:
        response = await client.get("/api/schedules", params={"date": DAY, "therapist_id": value})

        assert response.status_code == 400
        assert {"error", "details"} <= set(response.json())


class TestEachManagesTheirOwnCalendar:
    async def test_a_therapist_lists_only_their_own_slots(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        await add_slot(database, SEED_START, therapist_id=admin.id)
        idas = await add_slot(database, SEED_START, therapist_id=ida.id)
        window = {"from": DAY, "to": DAY}

        own = await client.get(PATH, params=window, headers=ida.headers)
        another = await client.get(
            PATH, params={**window, "therapist_id": admin.id}, headers=ida.headers
        )

        assert [slot["id"] for slot in own.json()["schedules"]] == [idas]
        assert another.status_code == 403

    async def test_the_front_desk_and_the_owner_list_every_calendar(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        desk = await add_therapist(database, settings, "Desk", role=Role.front_desk)
        theos = await add_slot(database, SEED_START, therapist_id=admin.id)
        idas = await add_slot(database, SEED_START, therapist_id=ida.id)
        window = {"from": DAY, "to": DAY}

        for person in (admin, desk):
            every = await client.get(PATH, params=window, headers=person.headers)
            one = await client.get(
                PATH, params={**window, "therapist_id": ida.id}, headers=person.headers
            )
            assert [slot["id"] for slot in every.json()["schedules"]] == [theos, idas]
            assert [slot["id"] for slot in one.json()["schedules"]] == [idas]

    async def test_another_therapist_s_slot_is_not_found(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        theos = await add_slot(database, SEED_START, therapist_id=admin.id)

        changed = await client.put(f"{PATH}/{theos}", json={"max_bookings": 3}, headers=ida.headers)
        deleted = await client.delete(f"{PATH}/{theos}", headers=ida.headers)
        created = await client.post(
            PATH, json=slot_body(therapist_id=admin.id), headers=ida.headers
        )

        assert (changed.status_code, deleted.status_code) == (404, 404)
        assert changed.json()["error"] == "Schedule not found"
        assert created.status_code == 403

    async def test_the_front_desk_changes_any_therapist_s_slot(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        desk = await add_therapist(database, settings, "Desk", role=Role.front_desk)
        idas = await add_slot(database, SEED_START, therapist_id=ida.id)

        changed = await client.put(f"{PATH}/{idas}", json={"max_bookings": 3}, headers=desk.headers)
        deleted = await client.delete(f"{PATH}/{idas}", headers=desk.headers)

        assert (changed.status_code, deleted.status_code) == (200, 200)

    async def test_a_client_may_not_list_slots(
        self, client: httpx.AsyncClient, member: Person
    ) -> None:
        response = await client.get(PATH, headers=member.headers)

        assert response.status_code == 403


class TestServiceDefaults:
    async def test_a_group_service_s_slots_have_its_seats_and_length(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        group = await add_service(database, "Group", [admin.id], seats=6, duration_minutes=90)
        week = {
            "weekdays": [6],
            "start_time": "17:00",
            "end_time": "20:00",
            "start_date": DAY,
            "end_date": DAY,
            "service_ids": [group],
        }

        generated = await client.post(f"{PATH}/generate", json=week, headers=admin.headers)
        single = await client.post(
            PATH,
            json={
                "start_time": iso(SEED_START),
                "end_time": iso(SEED_START + timedelta(minutes=90)),
                "service_ids": [group],
            },
            headers=admin.headers,
        )

        created = generated.json()["created"]
        assert [(slot["start_time"][11:16], slot["max_bookings"]) for slot in created] == [
            ("17:00", 6),
            ("18:30", 6),
        ]
        assert all(slot["services"] == [{"id": group, "name": "Group"}] for slot in created)
        assert single.json()["schedule"]["max_bookings"] == 6
