"""Sessions held in person: a slot says how it is held and where; its bookings get no video
room and no join link, and their mail and calendar entry carry the address instead."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from attune.models import Delivery
from attune.notifications.mail import compose, unseal
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings
from tests.scheduling.builders import NOW, SEED_START, slot_body
from tests.scheduling.practice_builders import add_service, set_terms
from tests.support.mailbox import SmtpServer, text_body
from tests.support.outbox import mail_jobs
from tests.support.people import Person

PATH = "/api/admin/schedules"
ADDRESS = "12 High Street, Springfield"


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, smtp_url=smtp_server.url, practice_address=ADDRESS)


async def in_person_slot(
    client: httpx.AsyncClient, admin: Person, database: Database, **fields: str
) -> dict[str, object]:
    await set_terms(database, 1, delivery=Delivery.both)
    body = {**slot_body(delivery="in_person"), **fields}
    response = await client.post(PATH, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    schedule: dict[str, object] = response.json()["schedule"]
    return schedule


def calendar_event(message: EmailMessage) -> Any:
    [ics] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    payload = ics.get_payload(decode=True)
    assert isinstance(payload, bytes)
    [event] = Calendar.from_ical(payload).walk("VEVENT")
    return event


async def confirmation(database: Database, settings: Settings) -> EmailMessage:
    [job] = [job for job in await mail_jobs(database) if "confirmed" in str(job.payload)]
    return compose(settings, unseal(settings, job.payload), NOW)


class TestInPersonSlots:
    async def test_a_slot_held_in_person_in_a_room(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        slot = await in_person_slot(client, admin, database, location="Room 2")

        assert (slot["delivery"], slot["location"]) == ("in_person", "Room 2")
        [shown] = (await client.get("/api/schedules", params={"date": "2024-12-15"})).json()[
            "slots"
        ]
        assert (shown["delivery"], shown["location"]) == ("in_person", "Room 2")

    async def test_every_service_must_be_offered_in_person(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        response = await client.post(
            PATH, json=slot_body(delivery="in_person"), headers=admin.headers
        )

        assert response.status_code == 400
        assert "Not offered in person: Session" in response.json()["details"]

    async def test_a_video_slot_has_no_location(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.post(PATH, json=slot_body(location="Room 2"), headers=admin.headers)

        assert response.status_code == 400

    async def test_an_unknown_delivery_is_refused(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.post(PATH, json=slot_body(delivery="phone"), headers=admin.headers)

        assert response.status_code == 400

    async def test_the_generator_makes_in_person_slots(
        self, client: httpx.AsyncClient, admin: Person, database: Database
    ) -> None:
        room = await add_service(database, "Walk and talk", [admin.id], delivery="in_person")
        week = {
            "weekdays": [6],
            "start_time": "10:00",
            "end_time": "12:00",
            "start_date": "2024-12-15",
            "end_date": "2024-12-15",
            "service_ids": [room],
            "delivery": "in_person",
        }

        response = await client.post(f"{PATH}/generate", json=week, headers=admin.headers)

        assert [slot["delivery"] for slot in response.json()["created"]] == ["in_person"] * 2


class TestInPersonBookings:
    async def test_no_video_room_and_the_answer_says_where(
        self, client: httpx.AsyncClient, admin: Person, member: Person, database: Database
    ) -> None:
        slot = await in_person_slot(client, admin, database)
        booked = await client.post(
            "/api/bookings", json={"schedule_id": slot["id"]}, headers=member.headers
        )
        booking = booked.json()["booking"]

        meeting = await client.get(f"/api/bookings/{booking['id']}/meeting", headers=member.headers)
        hosted = await client.get(f"/api/bookings/{booking['id']}/meeting", headers=admin.headers)

        assert (booking["jitsi_room_id"], booking["jitsi_room_url"]) == (None, None)
        for answer in (meeting.json(), hosted.json()):
            assert (answer["meeting_url"], answer["room_id"], answer["can_join"]) == (
                None,
                None,
                False,
            )
            assert answer["in_person_at"] == ADDRESS
            assert ADDRESS in answer["join_instructions"]

    async def test_the_mail_and_calendar_entry_carry_the_address(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        member: Person,
        database: Database,
        settings: Settings,
    ) -> None:
        slot = await in_person_slot(client, admin, database)
        await client.post("/api/bookings", json={"schedule_id": slot["id"]}, headers=member.headers)

        message = await confirmation(database, settings)

        body = text_body(message)
        assert f"in person at {ADDRESS}" in body
        assert "/api/bookings/" not in body
        event = calendar_event(message)
        assert str(event["location"]) == ADDRESS
        assert "in person" in str(event["description"])

    async def test_a_video_booking_keeps_its_room(
        self,
        client: httpx.AsyncClient,
        admin: Person,
        member: Person,
        database: Database,
        settings: Settings,
    ) -> None:
        await client.post(
            PATH, json=slot_body(SEED_START + timedelta(hours=3)), headers=admin.headers
        )
        [slot] = (await client.get("/api/schedules", params={"date": "2024-12-15"})).json()["slots"]
        await client.post("/api/bookings", json={"schedule_id": slot["id"]}, headers=member.headers)

        message = await confirmation(database, settings)

        event = calendar_event(message)
        assert "/api/bookings/" in str(event["location"])
        assert "by video" in text_body(message)
