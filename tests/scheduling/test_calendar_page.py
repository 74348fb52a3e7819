"""The back office calendar's Add slot and Generate forms name the therapist and the services
of a practice that has a choice to make, over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from attune.models import Schedule, schedule_services
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.scheduling.practice_builders import add_service, add_therapist
from tests.support.page_client import post_form, sign_in_over_http
from tests.support.people import Person

CALENDAR = "/admin/calendar?week=2024-12-09"


async def stored(database: Database) -> list[tuple[int, list[int]]]:
    async with database.transaction(write=False) as session:
        slots = list(await session.scalars(select(Schedule).order_by(Schedule.start_at)))
        offered = (await session.execute(select(schedule_services))).all()
    return [
        (slot.therapist_id, sorted(s for slot_id, s in offered if slot_id == slot.id))
        for slot in slots
    ]


class TestCalendarForms:
    async def test_a_practice_of_one_shows_no_choice(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await sign_in_over_http(client, admin.email)

        page = await client.get(CALENDAR)

        assert 'name="slot_therapist"' not in page.text
        assert 'name="service_ids"' not in page.text

    async def test_the_owner_adds_a_slot_for_a_therapist_and_a_service(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        couples = await add_service(database, "Couples", [ida.id])
        await sign_in_over_http(client, admin.email)

        page = await client.get(CALENDAR)
        posted = await post_form(
            client,
            CALENDAR,
            "/admin/calendar/slots",
            {
                "week": "2024-12-09",
                "day": "2024-12-15",
                "start": "10:00",
                "end": "11:00",
                "seats": "1",
                "slot_therapist": str(ida.id),
                "slot_services": str(couples),
            },
        )

        assert '<label for="field-slot_therapist">Whose time</label>' in page.text
        assert "Couples" in page.text
        assert posted.status_code == 303, posted.text
        assert await stored(database) == [(ida.id, [couples])]

    async def test_the_owner_generates_a_therapist_s_timetable(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        ida = await add_therapist(database, settings)
        couples = await add_service(database, "Couples", [ida.id])
        await sign_in_over_http(client, admin.email)
        form = {
            "week": "2024-12-09",
            "weekdays": "6",
            "start_time": "10:00",
            "end_time": "12:00",
            "session_minutes": "60",
            "break_minutes": "0",
            "start_date": "2024-12-15",
            "end_date": "2024-12-15",
            "max_bookings": "1",
            "therapist_id": str(ida.id),
            "service_ids": str(couples),
            "action": "generate",
        }

        posted = await post_form(client, CALENDAR, "/admin/calendar/generate", form)

        assert posted.status_code == 303, posted.text
        assert await stored(database) == [(ida.id, [couples])] * 2


async def held(database: Database) -> list[tuple[str, str | None]]:
    async with database.transaction(write=False) as session:
        slots = await session.scalars(select(Schedule).order_by(Schedule.start_at))
        return [(slot.delivery, slot.location) for slot in slots]


class TestInPersonSlots:
    async def test_a_practice_offering_only_video_shows_no_choice_of_how(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await sign_in_over_http(client, admin.email)

        page = await client.get(CALENDAR)

        assert 'name="slot_delivery"' not in page.text
        assert 'name="delivery"' not in page.text

    async def test_the_owner_adds_a_slot_held_in_a_room(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        await add_service(database, "Couples", [admin.id], delivery="in_person")
        await sign_in_over_http(client, admin.email)

        page = await client.get(CALENDAR)
        posted = await post_form(
            client,
            CALENDAR,
            "/admin/calendar/slots",
            {
                "week": "2024-12-09",
                "day": "2024-12-15",
                "start": "10:00",
                "end": "11:00",
                "seats": "1",
                "slot_services": "2",
                "slot_delivery": "in_person",
                "slot_location": "Room 2",
            },
        )

        assert '<label for="field-slot_delivery">How it is held</label>' in page.text
        assert posted.status_code == 303, posted.text
        assert await held(database) == [("in_person", "Room 2")]

    async def test_a_video_service_in_person_is_refused_beside_the_field(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        await add_service(database, "Couples", [admin.id], delivery="in_person")
        await sign_in_over_http(client, admin.email)

        await client.get(CALENDAR)
        posted = await post_form(
            client,
            CALENDAR,
            "/admin/calendar/slots",
            {
                "week": "2024-12-09",
                "day": "2024-12-15",
                "start": "10:00",
                "end": "11:00",
                "seats": "1",
                "slot_services": "1",
                "slot_delivery": "in_person",
                "slot_location": "",
            },
        )

        assert posted.status_code == 400
        assert 'id="error-slot_delivery"' in posted.text
        assert "Not offered in person: Session" in posted.text
        assert await held(database) == []

    async def test_the_owner_generates_an_in_person_timetable(
        self, client: httpx.AsyncClient, admin: Person, database: Database, settings: Settings
    ) -> None:
        await add_service(database, "Couples", [admin.id], delivery="both")
        await sign_in_over_http(client, admin.email)
        form = {
            "week": "2024-12-09",
            "weekdays": "6",
            "start_time": "10:00",
            "end_time": "12:00",
            "session_minutes": "60",
            "break_minutes": "0",
            "start_date": "2024-12-15",
            "end_date": "2024-12-15",
            "max_bookings": "1",
            "service_ids": "2",
            "delivery": "in_person",
            "location": "",
            "action": "generate",
        }

        await client.get(CALENDAR)
        posted = await post_form(client, CALENDAR, "/admin/calendar/generate", form)

        assert posted.status_code == 303, posted.text
        assert await held(database) == [("in_person", None)] * 2
