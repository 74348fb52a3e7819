"""Reminders for scheduled appointment requests, 24 h and 1 h before the appointment, as bookings
get them. Time moves on a frozen clock and the worker runs the periodic sweep as it would in
production; mail is read from the SMTP server."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from attune.models import AppointmentRequest
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.job_model import Job
from attune.platform.settings import Settings
from attune.requests import jobs, repository
from attune.video.join_links import appointment_join_link
from tests.conftest import make_settings, run_jobs
from tests.requests.builders import NOW, ROOM_URL_PREFIX, STARTS_AT, ask, scheduled
from tests.support.mailbox import Mailbox, SmtpServer, described, text_body
from tests.support.people import Person, add_admin, add_client
from tests.support.sweeps import SweptApp

ONE_SECOND = timedelta(seconds=1)
JOHN = "john@example.com"
# STARTS_AT is Tuesday 4 March 2025, 10:00 UTC: 25 hours after NOW.
DAY_BEFORE = "Reminder: your appointment is coming up (Tuesday 4 March 2025 at 10:00)"
HOUR_BEFORE = "Your appointment starts soon (Tuesday 4 March 2025 at 10:00)"
# Wednesday 5 March 2025, 15:00 UTC.
MOVED_TO = STARTS_AT + timedelta(days=1, hours=5)
MOVED_DAY_BEFORE = "Reminder: your appointment is coming up (Wednesday 5 March 2025 at 15:00)"
MOVED_HOUR_BEFORE = "Your appointment starts soon (Wednesday 5 March 2025 at 15:00)"


@dataclass(frozen=True)
class Practice(SweptApp):
    admin: Person

    async def scheduled(self, starts_at: datetime = STARTS_AT, **changes: Any) -> str:
        """A request asked for and scheduled at `starts_at` for an hour; its id."""
        body = await scheduled(self.client, self.admin, starts_at=starts_at, **changes)
        request_id: str = body["id"]
        return request_id

    async def post(self, request_id: str, action: str, person: Person, **body: Any) -> None:
        response = await self.client.post(
            f"/api/meetings/appointments/{request_id}/{action}", json=body, headers=person.headers
        )
        assert response.status_code == 200, response.text

    async def reschedule(self, request_id: str, starts_at: datetime) -> None:
        await self.post(
            request_id, "reschedule", self.admin, scheduled_datetime=starts_at.isoformat()
        )

    def reminders(self, address: str = JOHN) -> list[str]:
        """Each reminder's subject and the time it reminds of."""
        return [
            described(message)
            for message in self.mailbox.to(address)
            if str(message["Subject"]).startswith(("Reminder:", "Your appointment starts soon"))
        ]

    def reminder_text(self, address: str = JOHN) -> str:
        [message] = [
            message
            for message in self.mailbox.to(address)
            if str(message["Subject"]).startswith("Reminder:")
        ]
        return text_body(message)


async def stored(database: Database, request_id: str) -> AppointmentRequest:
    async with database.transaction(write=False) as session:
        request = await session.get(AppointmentRequest, request_id)
        assert request is not None
        return request


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def practice(
    app: FastAPI,
    client: httpx.AsyncClient,
    *,
    database: Database,
    settings: Settings,
    clock: FrozenClock,
    mailbox: Mailbox,
) -> Practice:
    admin = await add_admin(database, settings)
    return Practice(app, client, database, settings, clock, mailbox, admin)


class TestDayBeforeReminder:
    async def test_arrives_when_its_window_opens_and_not_a_second_before(
        self, practice: Practice
    ) -> None:
        await practice.scheduled()

        await practice.run_at(STARTS_AT - timedelta(hours=24) - ONE_SECOND)
        assert practice.reminders() == []

        await practice.run_at(STARTS_AT - timedelta(hours=24))
        assert practice.reminders() == [DAY_BEFORE]

    async def test_is_sent_once_however_often_the_sweep_runs(self, practice: Practice) -> None:
        await practice.scheduled()
        practice.clock.at = STARTS_AT - timedelta(hours=23)

        await jobs.send_reminders(practice.job_context(), {})
        await jobs.send_reminders(practice.job_context(), {})
        await run_jobs(practice.app)
        await practice.run_at(practice.clock.at + timedelta(minutes=5))

        assert practice.reminders() == [DAY_BEFORE]

    async def test_sweeps_running_at_once_send_it_once(self, practice: Practice) -> None:
        people = ["ada@example.com", "bob@example.com", "cy@example.com"]
        for hours, email in enumerate(people):
            await practice.scheduled(STARTS_AT + timedelta(hours=hours), email=email)
        practice.clock.at = STARTS_AT - timedelta(hours=22)

        await asyncio.gather(*(jobs.send_reminders(practice.job_context(), {}) for _ in range(4)))
        await run_jobs(practice.app)

        assert [len(practice.reminders(email)) for email in people] == [1, 1, 1]

    async def test_gives_the_time_and_how_to_join(self, practice: Practice) -> None:
        request_id = await practice.scheduled()

        await practice.run_at(STARTS_AT - timedelta(hours=23))

        text = practice.reminder_text()
        assert "Tuesday 4 March 2025, 10:00–11:00 (UTC time), 60 minutes" in text
        # Attune's join link, which gives the room only inside the window; never the room.
        assert appointment_join_link(practice.settings, request_id) in text
        assert ROOM_URL_PREFIX not in text
        assert (
            "The video room opens at 09:50, 10 minutes before your appointment starts, and "
            "closes at 11:15, 15 minutes after it ends (UTC time)."
        ) in " ".join(text.split())

    async def test_carries_the_personal_data_sealed_until_it_is_sent(
        self, practice: Practice
    ) -> None:
        await practice.scheduled()
        practice.clock.at = STARTS_AT - timedelta(hours=23)

        await jobs.send_reminders(practice.job_context(), {})

        async with practice.database.transaction(write=False) as session:
            payloads = (await session.scalars(select(Job.payload))).all()
        [reminder] = [p for p in payloads if p.get("template") == "appointment_reminder"]
        assert set(reminder) == {"template", "sealed"}
        # Neither the address nor the first name ("John", quoted as JSON would carry it).
        assert JOHN not in json.dumps(reminder)
        assert '"John"' not in json.dumps(reminder)


class TestInThePracticeZone:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, practice_timezone="Europe/Berlin"
        )

    async def test_times_are_the_practice_s(self, practice: Practice) -> None:
        await practice.scheduled()

        await practice.run_at(STARTS_AT - timedelta(hours=23))

        text = " ".join(practice.reminder_text().split())
        assert practice.reminders() == [
            "Reminder: your appointment is coming up (Tuesday 4 March 2025 at 11:00)"
        ]
        assert "Tuesday 4 March 2025, 11:00–12:00 (Europe/Berlin time)" in text
        assert "opens at 10:50" in text
        assert "closes at 12:15" in text


class TestWithJitsiTokens:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path,
            database_url,
            smtp_url=smtp_server.url,
            jitsi_app_id="attune",
            jitsi_app_secret="jitsi-secret-0123456789abcdefghijkl",
        )

    async def test_the_join_link_instead_of_a_room_link_that_would_not_open(
        self, practice: Practice
    ) -> None:
        request_id = await practice.scheduled()

        await practice.run_at(STARTS_AT - timedelta(hours=23))

        text = practice.reminder_text()
        assert "attune-" not in text
        assert (
            f"Join the video meeting here: {appointment_join_link(practice.settings, request_id)}"
            in text
        )


class TestHourBeforeReminder:
    async def test_arrives_an_hour_before_the_start_and_not_a_second_earlier(
        self, practice: Practice
    ) -> None:
        await practice.scheduled()

        await practice.run_at(STARTS_AT - timedelta(hours=1) - ONE_SECOND)
        assert practice.reminders() == [DAY_BEFORE]

        await practice.run_at(STARTS_AT - timedelta(hours=1))
        assert practice.reminders() == [DAY_BEFORE, HOUR_BEFORE]

    async def test_none_once_the_appointment_has_started(self, practice: Practice) -> None:
        await practice.scheduled()

        await practice.run_at(STARTS_AT)

        assert practice.reminders() == []


class TestNotScheduled:
    """Each case beside a scheduled appointment at the same hour, which is reminded."""

    async def test_a_request_pending_review_gets_none(self, practice: Practice) -> None:
        await ask(practice.client)
        await practice.scheduled(email="jane@example.com")

        await practice.run_at(STARTS_AT - timedelta(hours=23))
        await practice.run_at(STARTS_AT - timedelta(minutes=30))

        assert practice.reminders() == []
        assert len(practice.reminders("jane@example.com")) == 2

    async def test_a_rejected_request_gets_none(self, practice: Practice) -> None:
        asked = await ask(practice.client)
        await practice.post(asked["id"], "reject", practice.admin)
        await practice.scheduled(email="jane@example.com")

        await practice.run_at(STARTS_AT - timedelta(hours=23))
        await practice.run_at(STARTS_AT - timedelta(minutes=30))

        assert practice.reminders() == []
        assert len(practice.reminders("jane@example.com")) == 2

    async def test_a_withdrawn_appointment_gets_none(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        request_id = await practice.scheduled(person=ada)
        await practice.post(request_id, "withdraw", ada)
        await practice.scheduled(STARTS_AT + timedelta(hours=2), email="jane@example.com")

        await practice.run_at(STARTS_AT - timedelta(hours=22))
        await practice.run_at(STARTS_AT - timedelta(minutes=30))

        assert practice.reminders() == []
        assert practice.reminders("jane@example.com") == [
            "Reminder: your appointment is coming up (Tuesday 4 March 2025 at 12:00)"
        ]

    async def test_withdrawn_after_the_day_before_one_gets_no_hour_before_one(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        request_id = await practice.scheduled(person=ada)
        await practice.run_at(STARTS_AT - timedelta(hours=23))

        await practice.post(request_id, "withdraw", ada)
        await practice.run_at(STARTS_AT - timedelta(minutes=30))

        assert practice.reminders(ada.email) == [DAY_BEFORE]


class TestRescheduled:
    async def test_is_reminded_again_for_its_new_time(self, practice: Practice) -> None:
        request_id = await practice.scheduled()
        await practice.run_at(STARTS_AT - timedelta(hours=23))

        await practice.reschedule(request_id, MOVED_TO)
        moved = await stored(practice.database, request_id)
        await practice.run_at(STARTS_AT - timedelta(minutes=30))
        await practice.run_at(MOVED_TO - timedelta(hours=23))
        await practice.run_at(MOVED_TO - timedelta(minutes=30))

        assert (moved.reminder_24h_at, moved.reminder_1h_at) == (None, None)
        assert practice.reminders() == [DAY_BEFORE, MOVED_DAY_BEFORE, MOVED_HOUR_BEFORE]

    async def test_moved_to_within_a_day_the_move_mail_stands_for_the_day_before_one(
        self, practice: Practice
    ) -> None:
        request_id = await practice.scheduled(MOVED_TO)
        sooner = NOW + timedelta(hours=6)  # Monday 3 March, 15:00

        await practice.reschedule(request_id, sooner)
        await practice.run_at(sooner - timedelta(hours=5))
        await practice.run_at(sooner - timedelta(minutes=30))

        assert [described(message) for message in practice.mailbox.to(JOHN)[2:]] == [
            "Your appointment has moved (Monday 3 March 2025 at 15:00)",
            "Your appointment starts soon (Monday 3 March 2025 at 15:00)",
        ]

    async def test_scheduled_within_a_day_the_scheduling_mail_stands_for_the_day_before_one(
        self, practice: Practice
    ) -> None:
        soon = NOW + timedelta(hours=6)  # Monday 3 March, 15:00

        await practice.scheduled(soon)
        await practice.run_at(soon - timedelta(hours=5))
        await practice.run_at(soon - timedelta(minutes=30))

        assert practice.reminders() == [
            "Your appointment starts soon (Monday 3 March 2025 at 15:00)"
        ]

    @pytest.mark.postgres
    async def test_a_stamp_the_sweep_wrote_during_the_move_is_cleared(
        self, practice: Practice, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On PostgreSQL the sweep does not wait for the therapist-time lock the move holds: it
        may stamp the old time after the move has read the row and before it writes it."""
        request_id = await practice.scheduled()
        practice.clock.at = STARTS_AT - timedelta(hours=23)
        check_slots = repository.overlapping_offered_slot

        async def sweep_meanwhile(*args: Any, **options: Any) -> int | None:
            await jobs.send_reminders(practice.job_context(), {})
            return await check_slots(*args, **options)

        monkeypatch.setattr(repository, "overlapping_offered_slot", sweep_meanwhile)
        await practice.reschedule(request_id, MOVED_TO)
        monkeypatch.undo()

        moved = await stored(practice.database, request_id)
        assert (moved.reminder_24h_at, moved.reminder_1h_at) == (None, None)
        await practice.run_at(MOVED_TO - timedelta(hours=23))
        assert practice.reminders() == [DAY_BEFORE, MOVED_DAY_BEFORE]
