"""The booking sweeps: reminders 24 h and 1 h before a session, and completing sessions once
their join window has closed. Time moves on a frozen clock and the worker runs the periodic
jobs as it would in production; mail is read from the SMTP server."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attune.bookings import jobs
from attune.bookings.service import booking_service
from attune.models import BookingStatus, User
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.policy import actor_for
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, cancel, later, reschedule, stored_booking
from tests.conftest import make_settings, run_jobs
from tests.support.mailbox import Mailbox, SmtpServer, described
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client, add_clients
from tests.support.slots import add_slot
from tests.support.sweeps import SweptApp
from tests.support.work import work

ONE_SECOND = timedelta(seconds=1)
# Thursday 5 March 2026, 10:00-11:00 UTC: three days after NOW.
STARTS_AT = later(days=3, hours=1)
ENDS_AT = STARTS_AT + timedelta(hours=1)
WINDOW_CLOSES_AT = ENDS_AT + timedelta(minutes=15)
DAY_BEFORE = "Reminder: your session is coming up (Thursday 5 March 2026 at 10:00)"
HOUR_BEFORE = "Your session starts soon (Thursday 5 March 2026 at 10:00)"


class Practice(SweptApp):
    async def book(
        self, person: Person, starts_at: datetime = STARTS_AT, *, paid: bool = True
    ) -> int:
        """A booking, paid at once unless told otherwise: an unpaid one is released by the
        payments sweep after ATTUNE_PAYMENT_HOLD_MINUTES, long before any reminder."""
        slot_id = await add_slot(self.database, starts_at)
        booking_id: int = (await book(self.client, person, slot_id))["id"]
        if paid:
            await record_paid(self.database, booking_id)
        return booking_id

    async def status(self, person: Person, booking_id: int) -> str:
        response = await self.client.get(f"/api/bookings/{booking_id}", headers=person.headers)
        assert response.status_code == 200, response.text
        status: str = response.json()["booking"]["status"]
        return status

    def subjects(self, person: Person) -> list[str]:
        """Each mail's subject and, for a mail about a session, the time it is about."""
        return [described(message) for message in self.mailbox.to(person.email)]

    def reminders(self, person: Person) -> list[str]:
        return [
            subject
            for subject in self.subjects(person)
            if subject.startswith(("Reminder:", "Your session starts soon"))
        ]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def practice(
    app: FastAPI,
    client: httpx.AsyncClient,
    *,
    database: Database,
    settings: Settings,
    clock: FrozenClock,
    mailbox: Mailbox,
) -> Practice:
    return Practice(app, client, database, settings, clock, mailbox)


class TestDayBeforeReminder:
    async def test_arrives_when_its_window_opens_and_not_a_second_before(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        await practice.book(ada)

        await practice.run_at(STARTS_AT - timedelta(hours=24) - ONE_SECOND)
        assert practice.reminders(ada) == []

        await practice.run_at(STARTS_AT - timedelta(hours=24))
        assert practice.reminders(ada) == [DAY_BEFORE]

    async def test_is_sent_once_however_often_the_sweep_runs(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        await practice.book(ada)
        practice.clock.at = STARTS_AT - timedelta(hours=23)

        await jobs.send_reminders(practice.job_context(), {})
        await jobs.send_reminders(practice.job_context(), {})
        await run_jobs(practice.app)
        await practice.run_at(practice.clock.at + timedelta(minutes=5))

        assert practice.reminders(ada) == [DAY_BEFORE]

    async def test_sweeps_running_at_once_send_it_once(self, practice: Practice) -> None:
        people = await add_clients(practice.database, practice.settings, 3)
        slot_id = await add_slot(practice.database, STARTS_AT, capacity=3)
        for person in people:
            booked = await book(practice.client, person, slot_id)
            await record_paid(practice.database, booked["id"])
        practice.clock.at = STARTS_AT - timedelta(hours=23)

        await asyncio.gather(*(jobs.send_reminders(practice.job_context(), {}) for _ in range(4)))
        await run_jobs(practice.app)

        assert [practice.reminders(person) for person in people] == [[DAY_BEFORE]] * 3

    async def test_a_booking_made_three_hours_ahead_gets_only_the_hour_before_one(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        practice.clock.at = STARTS_AT - timedelta(hours=3)
        await practice.book(ada)

        await practice.run_at(STARTS_AT - timedelta(hours=2))
        await practice.run_at(STARTS_AT - timedelta(hours=1))

        assert practice.reminders(ada) == [HOUR_BEFORE]

    async def test_an_unpaid_booking_is_released_before_any_reminder(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        await practice.book(ada, paid=False)

        await practice.run_at(STARTS_AT - timedelta(hours=20))

        assert practice.reminders(ada) == []


class TestHourBeforeReminder:
    async def test_arrives_an_hour_before_the_start_and_not_a_second_earlier(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        await practice.book(ada)

        await practice.run_at(STARTS_AT - timedelta(hours=1) - ONE_SECOND)
        assert practice.reminders(ada) == [DAY_BEFORE]

        await practice.run_at(STARTS_AT - timedelta(hours=1))
        assert practice.reminders(ada) == [DAY_BEFORE, HOUR_BEFORE]

    async def test_is_not_sent_once_the_session_has_started(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        await practice.book(ada)

        await practice.run_at(STARTS_AT)

        assert practice.reminders(ada) == []


class TestCancelledBooking:
    async def test_gets_no_reminder(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await practice.book(ada)
        assert (await cancel(practice.client, ada, booking_id)).status_code == 200

        await practice.run_at(STARTS_AT - timedelta(hours=23))
        await practice.run_at(STARTS_AT - timedelta(minutes=30))

        assert practice.reminders(ada) == []

    async def test_cancelled_after_the_day_before_reminder_gets_no_hour_before_one(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        therapist = await add_admin(practice.database, practice.settings)
        booking_id = await practice.book(ada)
        await practice.run_at(STARTS_AT - timedelta(hours=23))
        assert (await cancel(practice.client, therapist, booking_id)).status_code == 200

        await practice.run_at(STARTS_AT - timedelta(minutes=30))

        assert practice.reminders(ada) == [DAY_BEFORE]


class TestRescheduledBooking:
    async def test_is_reminded_again_for_its_new_time(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await practice.book(ada)
        await practice.run_at(STARTS_AT - timedelta(hours=23))
        moved_to = STARTS_AT + timedelta(days=2, hours=4)  # Saturday 7 March, 14:00
        new_slot = await add_slot(practice.database, moved_to)
        moved = await reschedule(practice.client, ada, booking_id, new_slot)
        assert moved.status_code == 200

        await practice.run_at(STARTS_AT - timedelta(minutes=30))
        await practice.run_at(moved_to - timedelta(hours=23))
        await practice.run_at(moved_to - timedelta(minutes=30))

        assert practice.reminders(ada) == [
            DAY_BEFORE,
            "Reminder: your session is coming up (Saturday 7 March 2026 at 14:00)",
            "Your session starts soon (Saturday 7 March 2026 at 14:00)",
        ]

    async def test_moved_to_within_a_day_the_move_mail_stands_for_the_day_before_one(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        practice.clock.at = STARTS_AT - timedelta(hours=30)
        booking_id = await practice.book(ada)
        sooner = await add_slot(practice.database, STARTS_AT - timedelta(hours=6))
        moved = await reschedule(practice.client, ada, booking_id, sooner)
        assert moved.status_code == 200

        await practice.run_at(STARTS_AT - timedelta(hours=20))
        await practice.run_at(STARTS_AT - timedelta(hours=6, minutes=30))

        assert practice.subjects(ada)[1:] == [
            "Your session has moved (Thursday 5 March 2026 at 04:00)",
            "Your session starts soon (Thursday 5 March 2026 at 04:00)",
        ]


class TestBacklog:
    async def test_is_worked_through_in_bounded_batches_across_runs(
        self, practice: Practice, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
        monkeypatch.setattr(jobs, "MAX_BATCHES_PER_RUN", 2)
        people = await add_clients(practice.database, practice.settings, 5)
        slot_id = await add_slot(practice.database, STARTS_AT, capacity=5)
        for person in people:
            booked = await book(practice.client, person, slot_id)
            await record_paid(practice.database, booked["id"])
        practice.clock.at = STARTS_AT - timedelta(hours=23)

        await jobs.send_reminders(practice.job_context(), {})
        await run_jobs(practice.app)  # the worker's own sweep of this minute is the next run

        assert [practice.reminders(person) for person in people] == [[DAY_BEFORE]] * 5

    async def test_one_run_stops_after_its_batches(
        self, practice: Practice, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
        monkeypatch.setattr(jobs, "MAX_BATCHES_PER_RUN", 2)
        people = await add_clients(practice.database, practice.settings, 5)
        slot_id = await add_slot(practice.database, STARTS_AT, capacity=5)
        for person in people:
            booked = await book(practice.client, person, slot_id)
            await record_paid(practice.database, booked["id"])
        practice.clock.at = STARTS_AT - timedelta(hours=23)

        await jobs.send_reminders(practice.job_context(), {})

        stamped = [
            (await stored_booking(practice.database, booking_id)).reminder_24h_at is not None
            for booking_id in range(1, 6)
        ]
        assert stamped.count(True) == 4


class TestCompletion:
    async def test_a_paid_session_is_completed_once_its_join_window_closes(
        self, practice: Practice
    ) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await practice.book(ada)

        await practice.run_at(WINDOW_CLOSES_AT - ONE_SECOND)
        assert await practice.status(ada, booking_id) == "scheduled"

        await practice.run_at(WINDOW_CLOSES_AT)
        assert await practice.status(ada, booking_id) == "completed"
        completed = await stored_booking(practice.database, booking_id)
        assert completed.completed_at == WINDOW_CLOSES_AT

    async def test_running_again_changes_nothing(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await practice.book(ada)
        await practice.run_at(WINDOW_CLOSES_AT)

        await practice.run_at(WINDOW_CLOSES_AT + timedelta(hours=1))
        await jobs.mark_completed(practice.job_context(), {})

        booking = await stored_booking(practice.database, booking_id)
        assert (booking.status, booking.completed_at) == (
            BookingStatus.completed,
            WINDOW_CLOSES_AT,
        )

    async def test_a_cancelled_booking_stays_cancelled(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        therapist = await add_admin(practice.database, practice.settings)
        booking_id = await practice.book(ada)
        assert (await cancel(practice.client, therapist, booking_id)).status_code == 200

        await practice.run_at(WINDOW_CLOSES_AT + timedelta(hours=1))

        assert await practice.status(ada, booking_id) == "cancelled"

    async def test_an_unpaid_booking_is_never_completed(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await practice.book(ada, paid=False)

        await practice.run_at(WINDOW_CLOSES_AT + timedelta(hours=1))

        # The payments sweep released its seat long before: cancelled, not completed.
        booking = await stored_booking(practice.database, booking_id)
        assert (booking.status, booking.completed_at) == (BookingStatus.cancelled, None)

    async def test_an_outcome_the_therapist_recorded_is_kept(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        therapist = await add_admin(practice.database, practice.settings)
        booking_id = await practice.book(ada)
        started = STARTS_AT + timedelta(minutes=20)
        async with work(practice.database, practice.settings, now=started) as uow:
            admin = await uow.session.get(User, therapist.id)
            assert admin is not None
            await booking_service.record_outcome(
                uow, actor_for(admin), booking_id, outcome=BookingStatus.no_show
            )

        await practice.run_at(WINDOW_CLOSES_AT + timedelta(hours=1))

        assert await practice.status(ada, booking_id) == "no_show"


class TestCompletionWithoutPayments:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, payments_enabled=False
        )

    async def test_an_unpaid_session_is_completed(self, practice: Practice) -> None:
        ada = await add_client(practice.database, practice.settings)
        booking_id = await practice.book(ada)

        await practice.run_at(WINDOW_CLOSES_AT)

        assert await practice.status(ada, booking_id) == "completed"
