"""Scheduling, declining, moving and withdrawing a request (seed 003 and beyond): the state
rules, the mail and calendar invitations, and no overlap in the therapist's time."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import update

from attune.models import AppointmentRequest, Schedule
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.video.join_links import appointment_join_link
from tests.conftest import run_jobs
from tests.requests.builders import (
    ENDS_AT,
    NOW,
    ROOM_URL_PREFIX,
    STARTS_AT,
    ask,
    schedule,
    scheduled,
)
from tests.support.mailbox import Mailbox, described, session_time, text_body
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot

LIST = "/api/meetings/appointments"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def admin(database: Database, settings: Settings) -> Person:
    return await add_admin(database, settings)


def calendar_of(message: EmailMessage) -> Any:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return part, event


async def post(
    client: httpx.AsyncClient, admin: Person, request_id: str, action: str, body: Any = None
) -> httpx.Response:
    return await client.post(f"{LIST}/{request_id}/{action}", json=body, headers=admin.headers)


class TestScheduling:
    async def test_creates_the_room_and_answers_in_seed_003s_fields(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await ask(client)

        response = await schedule(client, admin, asked["id"])

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "scheduled"
        assert body["scheduled_datetime"] == "2025-03-04T10:00:00Z"
        assert body["scheduled_duration"] == 60
        assert body["has_jitsi_meeting"] is True
        assert body["jitsi_meet_url"] == f"https://meet.jit.si/{body['jitsi_room_id']}"
        assert body["jitsi_meet_url"].startswith(ROOM_URL_PREFIX)
        assert body["meeting_status"] == "scheduled"

    async def test_a_time_with_an_offset_is_stored_as_that_instant(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await ask(client)

        response = await client.post(
            f"{LIST}/{asked['id']}/schedule",
            json={"scheduled_datetime": "2025-03-04T11:00:00+01:00", "scheduled_duration": 15},
            headers=admin.headers,
        )

        assert response.json()["scheduled_datetime"] == "2025-03-04T10:00:00Z"
        assert response.json()["scheduled_end"] == "2025-03-04T10:15:00Z"

    async def test_mails_the_link_with_a_calendar_invitation(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        *,
        database: Database,
        admin: Person,
        mailbox: Mailbox,
        settings: Settings,
    ) -> None:
        asked = await ask(client)
        body = (await schedule(client, admin, asked["id"])).json()
        await run_jobs(app)

        [_ack, message] = mailbox.to("john@example.com")
        text = text_body(message)
        assert message["Subject"] == "Your appointment is scheduled"
        assert session_time(message) == "Tuesday 4 March 2025 at 10:00"
        link = appointment_join_link(settings, asked["id"])
        # Attune's join link, which gives the room only inside the window; never the room.
        assert link in text
        assert body["jitsi_room_id"] not in message.as_string()
        part, event = calendar_of(message)
        assert part.get_param("method") == "REQUEST"
        # A random UUID of its own (RFC 7986 §5.3), kept on the request: unique across
        # installations and unchanged by any setting.
        assert uuid.UUID(str(event["uid"])).version == 4
        async with database.transaction(write=False) as session:
            stored = await session.get(AppointmentRequest, asked["id"])
        assert stored is not None
        assert str(event["uid"]) == stored.calendar_uid
        assert event["dtstart"].dt == STARTS_AT
        assert event["dtend"].dt == ENDS_AT
        assert event["sequence"] == 0
        assert str(event["location"]) == link

    async def test_only_from_pending_review(self, client: httpx.AsyncClient, admin: Person) -> None:
        asked = await scheduled(client, admin)

        again = await schedule(client, admin, asked["id"], STARTS_AT + timedelta(days=1))
        rejected = await post(client, admin, asked["id"], "reject", {})

        assert again.status_code == rejected.status_code == 409
        assert again.json()["error"] == "This appointment request is no longer pending review"

    async def test_an_unknown_request_is_404(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await schedule(client, admin, "00000000-0000-4000-8000-000000000000")

        assert response.status_code == 404

    @pytest.mark.parametrize(
        "body",
        [
            {"scheduled_datetime": NOW.isoformat()},
            {"scheduled_datetime": "2025-03-04T10:00:00"},
            {"scheduled_datetime": "next tuesday"},
            {},
            {"scheduled_datetime": STARTS_AT.isoformat(), "scheduled_duration": 14},
            {"scheduled_datetime": STARTS_AT.isoformat(), "scheduled_duration": 241},
            {"scheduled_datetime": "9999-12-31T23:30:00Z"},
            {"scheduled_datetime": "0001-01-01T00:00:00+01:00"},
            {"scheduled_datetime": "2030-03-04T10:00:00Z"},
            {"scheduled_datetime": 1741082400},
            {"scheduled_datetime": STARTS_AT.isoformat(), "scheduled_duration": 60.0},
            {"scheduled_datetime": STARTS_AT.isoformat(), "scheduled_duration": 10**40},
        ],
        ids=[
            "now",
            "no offset",
            "not a time",
            "missing",
            "too short",
            "too long",
            "last minute of year 9999",
            "before year 1 in UTC",
            "more than five years ahead",
            "a number",
            "minutes as a float",
            "40-digit minutes",
        ],
    )
    async def test_a_bad_time_is_400_and_changes_nothing(
        self, client: httpx.AsyncClient, admin: Person, body: dict[str, Any]
    ) -> None:
        asked = await ask(client)

        response = await post(client, admin, asked["id"], "schedule", body)

        assert response.status_code == 400
        after = await client.get(f"{LIST}/{asked['id']}", headers=admin.headers)
        assert after.json()["status"] == "pending_review"

    async def test_a_past_time_names_the_field(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await ask(client)
        body = {"scheduled_datetime": (NOW - timedelta(hours=1)).isoformat()}

        response = await post(client, admin, asked["id"], "schedule", body)

        assert response.status_code == 400
        [named] = response.json()["fields"]
        assert named["field"] == "scheduled_datetime"


class TestOverlap:
    @pytest.mark.parametrize("offset_minutes", [-59, 0, 30, 59])
    async def test_another_scheduled_appointment_refuses_the_time(
        self, client: httpx.AsyncClient, admin: Person, offset_minutes: int
    ) -> None:
        await scheduled(client, admin)
        second = await ask(client, email="jane@example.com")

        response = await schedule(
            client, admin, second["id"], STARTS_AT + timedelta(minutes=offset_minutes)
        )

        assert response.status_code == 409
        assert response.json()["error"] == "This time overlaps another appointment or a slot"

    @pytest.mark.parametrize("offset_minutes", [-60, 60])
    async def test_back_to_back_is_fine(
        self, client: httpx.AsyncClient, admin: Person, offset_minutes: int
    ) -> None:
        await scheduled(client, admin)
        second = await ask(client, email="jane@example.com")

        response = await schedule(
            client, admin, second["id"], STARTS_AT + timedelta(minutes=offset_minutes)
        )

        assert response.status_code == 200

    async def test_a_booked_slot_refuses_the_time(
        self, client: httpx.AsyncClient, database: Database, admin: Person
    ) -> None:
        slot_id = await add_slot(database, STARTS_AT + timedelta(minutes=30))
        async with database.transaction() as session:
            await session.execute(
                update(Schedule).where(Schedule.id == slot_id).values(booked_count=1)
            )
        asked = await ask(client)

        response = await schedule(client, admin, asked["id"])

        assert response.status_code == 409
        assert response.json()["details"].startswith("A slot that is booked or open for booking")

    async def test_an_open_slot_nobody_booked_yet_refuses_it_too(
        self, client: httpx.AsyncClient, database: Database, admin: Person
    ) -> None:
        # A client could book it the moment after: the therapist would be in two places.
        await add_slot(database, STARTS_AT)
        asked = await ask(client)

        response = await schedule(client, admin, asked["id"])

        assert response.status_code == 409

    async def test_a_closed_slot_nobody_booked_does_not(
        self, client: httpx.AsyncClient, database: Database, admin: Person
    ) -> None:
        await add_slot(database, STARTS_AT, available=False)
        asked = await ask(client)

        response = await schedule(client, admin, asked["id"])

        assert response.status_code == 200

    async def test_a_declined_or_withdrawn_request_frees_nothing_it_never_held(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, admin: Person
    ) -> None:
        ada = await add_client(database, settings)
        first = await scheduled(client, admin, ada)
        await client.post(f"{LIST}/{first['id']}/withdraw", headers=ada.headers)
        second = await ask(client, email="jane@example.com")

        response = await schedule(client, admin, second["id"])

        assert response.status_code == 200


class TestRejecting:
    async def test_stores_the_reason_and_mails_it(
        self, client: httpx.AsyncClient, app: FastAPI, admin: Person, mailbox: Mailbox
    ) -> None:
        asked = await ask(client)

        response = await post(
            client, admin, asked["id"], "reject", {"rejection_reason": "Fully booked"}
        )
        await run_jobs(app)

        body = response.json()
        assert (body["status"], body["rejection_reason"]) == ("rejected", "Fully booked")
        assert body["meeting_status"] == "cancelled"
        assert body["has_jitsi_meeting"] is False
        [_ack, message] = mailbox.to("john@example.com")
        assert message["Subject"] == "Your appointment request could not be accepted"
        assert "Reason: Fully booked" in text_body(message)

    async def test_needs_no_body(self, client: httpx.AsyncClient, admin: Person) -> None:
        asked = await ask(client)

        response = await client.post(f"{LIST}/{asked['id']}/reject", headers=admin.headers)

        assert response.status_code == 200
        assert response.json()["rejection_reason"] is None

    async def test_a_rejected_request_cannot_be_scheduled(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await ask(client)
        await post(client, admin, asked["id"], "reject", {})

        response = await schedule(client, admin, asked["id"])

        assert response.status_code == 409


class TestRescheduling:
    async def test_moves_it_and_raises_the_calendar_sequence(
        self, client: httpx.AsyncClient, app: FastAPI, admin: Person, mailbox: Mailbox
    ) -> None:
        asked = await scheduled(client, admin)
        later = STARTS_AT + timedelta(days=1)

        response = await post(
            client, admin, asked["id"], "reschedule", {"scheduled_datetime": later.isoformat()}
        )
        await run_jobs(app)

        body = response.json()
        assert body["scheduled_datetime"] == "2025-03-05T10:00:00Z"
        assert body["jitsi_room_id"] == asked["jitsi_room_id"]
        [_ack, invited, moved] = mailbox.to("john@example.com")
        assert described(moved) == "Your appointment has moved (Wednesday 5 March 2025 at 10:00)"
        _part, first = calendar_of(invited)
        _part, second = calendar_of(moved)
        assert second["uid"] == first["uid"]
        assert second["sequence"] == 1
        assert second["dtstart"].dt == later

    async def test_keeps_its_length_unless_given_another(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await ask(client)
        await schedule(client, admin, asked["id"], STARTS_AT, 45)
        later = STARTS_AT + timedelta(days=1)

        kept = await post(
            client, admin, asked["id"], "reschedule", {"scheduled_datetime": later.isoformat()}
        )
        changed = await post(
            client,
            admin,
            asked["id"],
            "reschedule",
            {"scheduled_datetime": later.isoformat(), "scheduled_duration": 90},
        )

        assert kept.json()["scheduled_duration"] == 45
        assert kept.json()["scheduled_end"] == "2025-03-05T10:45:00Z"
        assert changed.json()["scheduled_duration"] == 90

    async def test_may_overlap_its_own_old_time(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        asked = await scheduled(client, admin)

        response = await post(
            client,
            admin,
            asked["id"],
            "reschedule",
            {"scheduled_datetime": (STARTS_AT + timedelta(minutes=30)).isoformat()},
        )

        assert response.status_code == 200

    async def test_refuses_another_appointments_time(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await scheduled(client, admin)
        other = await scheduled(
            client, admin, starts_at=STARTS_AT + timedelta(hours=2), email="jane@example.com"
        )

        response = await post(
            client, admin, other["id"], "reschedule", {"scheduled_datetime": STARTS_AT.isoformat()}
        )

        assert response.status_code == 409

    async def test_only_a_scheduled_request(self, client: httpx.AsyncClient, admin: Person) -> None:
        asked = await ask(client)

        response = await post(
            client, admin, asked["id"], "reschedule", {"scheduled_datetime": STARTS_AT.isoformat()}
        )

        assert response.status_code == 409
        assert response.json()["error"] == "This appointment request is not scheduled"


class TestWithdrawing:
    async def test_a_pending_request_is_withdrawn_and_the_admins_told(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        admin: Person,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        asked = await ask(client, ada)

        response = await client.post(f"{LIST}/{asked['id']}/withdraw", headers=ada.headers)
        await run_jobs(app)

        assert response.json()["status"] == "withdrawn"
        [_ack, confirmation] = mailbox.to(ada.email)
        assert confirmation["Subject"] == "Your appointment request is withdrawn"
        assert list(confirmation.iter_attachments()) == []
        [_notice, withdrawn] = mailbox.to(admin.email)
        assert withdrawn["Subject"] == "An appointment request was withdrawn"

    async def test_a_scheduled_one_is_removed_from_the_calendar(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        admin: Person,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        asked = await scheduled(client, admin, ada)

        response = await client.post(f"{LIST}/{asked['id']}/withdraw", headers=ada.headers)
        await run_jobs(app)

        body = response.json()
        assert (body["has_jitsi_meeting"], body["jitsi_meet_url"]) == (False, None)
        assert body["meeting_status"] == "cancelled"
        [_ack, invited, cancelled] = mailbox.to(ada.email)
        part, event = calendar_of(cancelled)
        _part, first = calendar_of(invited)
        assert part.get_param("method") == "CANCEL"
        assert event["uid"] == first["uid"]
        assert event["sequence"] == 1
        assert str(event["status"]) == "CANCELLED"

    async def test_twice_is_409(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        asked = await ask(client, ada)
        await client.post(f"{LIST}/{asked['id']}/withdraw", headers=ada.headers)

        response = await client.post(f"{LIST}/{asked['id']}/withdraw", headers=ada.headers)

        assert response.status_code == 409


class TestStats:
    async def test_counts_and_completion_rate(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        await scheduled(client, admin)
        declined = await ask(client, email="jane@example.com")
        await post(client, admin, declined["id"], "reject", {})
        await ask(client, email="june@example.com")
        await ask(client, email="jim@example.com")

        response = await client.get(f"{LIST}/stats", headers=admin.headers)

        assert response.json() == {
            "total_requests": 4,
            "pending_review": 2,
            "scheduled": 1,
            "rejected": 1,
            "withdrawn": 0,
            "completion_rate": 25.0,
        }

    async def test_zero_when_there_are_no_requests(
        self, client: httpx.AsyncClient, admin: Person
    ) -> None:
        response = await client.get(f"{LIST}/stats/", headers=admin.headers)

        assert response.json()["total_requests"] == 0
        assert response.json()["completion_rate"] == 0
