"""The calendar invitations attached to booking mail, read back as a calendar program reads
them: one event per booking that a move updates and a cancellation removes (RFC 5546)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar, Event

from attune.app import create_app
from attune.platform.clock import FrozenClock
from attune.platform.database import Base, Database
from attune.platform.settings import Settings
from attune.video.join_links import booking_join_link
from tests.bookings.builders import NOW, book, cancel, reschedule, stored_booking
from tests.conftest import http_client, make_settings, run_jobs
from tests.support.mailbox import Mailbox, SmtpServer
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot

# Monday 30 March 2026, 10:00-11:00 UTC; 12:00 in Berlin, which is on summer time by then.
STARTS_AT = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
ENDS_AT = STARTS_AT + timedelta(hours=1)
MOVED_TO = STARTS_AT + timedelta(days=1, hours=2)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        smtp_url=smtp_server.url,
        practice_timezone="Europe/Berlin",
        practice_name="Harbour & Vale Therapy",
        email_from="Harbour & Vale <care@harbour.example>",
    )


def invitation(message: EmailMessage) -> tuple[EmailMessage, Calendar, Event]:
    [attachment] = message.iter_attachments()
    assert isinstance(attachment, EmailMessage)
    calendar = Calendar.from_ical(attachment.get_content())
    [event] = calendar.events
    return attachment, calendar, event


async def invitations(app: FastAPI, mailbox: Mailbox, person: Person) -> list[Event]:
    await run_jobs(app)
    return [invitation(message)[2] for message in mailbox.to(person.email)]


async def booked_at(
    client: httpx.AsyncClient, database: Database, person: Person, starts_at: datetime
) -> int:
    booking_id: int = (await book(client, person, await add_slot(database, starts_at)))["id"]
    return booking_id


class TestConfirmationInvitation:
    async def test_invites_the_client_to_the_booked_time_in_utc(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, STARTS_AT)
        await run_jobs(app)

        [message] = mailbox.to(ada.email)
        attachment, calendar, event = invitation(message)

        assert attachment.get_param("method") == "REQUEST"
        assert calendar.method == "REQUEST"
        assert event.uid == (await stored_booking(database, booking_id)).calendar_uid
        assert event.start == STARTS_AT
        assert event.end == ENDS_AT
        assert "DTSTART:20260330T100000Z" in attachment.get_content().splitlines()
        assert event.sequence == 0
        assert event.status == "CONFIRMED"
        assert event.summary == "Session with Harbour & Vale Therapy"
        [attendee] = event.attendees
        assert attendee == "mailto:client1@example.com"
        assert attendee.params["PARTSTAT"] == "ACCEPTED"
        assert event.organizer == "mailto:care@harbour.example"

    async def test_each_booking_is_its_own_event(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        await booked_at(client, database, ada, STARTS_AT)
        await booked_at(client, database, ada, MOVED_TO)

        first, second = await invitations(app, mailbox, ada)

        assert first.uid != second.uid

    async def test_locates_an_unpaid_session_at_its_join_link_never_the_room(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, STARTS_AT)
        room_id = (await stored_booking(database, booking_id)).room_id
        await run_jobs(app)

        [message] = mailbox.to(ada.email)
        attachment, _, event = invitation(message)

        # The join link applies the rule when followed (no room before it is paid), so even
        # an unpaid session's entry can carry it; the room itself never.
        assert event.location == booking_join_link(settings, booking_id)
        assert room_id not in attachment.get_content()


class TestInvitationWithoutPayments:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, payments_enabled=False
        )

    async def test_locates_the_session_in_its_video_room(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, STARTS_AT)
        room_id = (await stored_booking(database, booking_id)).room_id

        [event] = await invitations(app, mailbox, ada)

        assert event.location == booking_join_link(settings, booking_id)
        assert event.location.startswith(f"http://127.0.0.1:8080/api/bookings/{booking_id}/join?")
        assert room_id not in event.to_ical().decode()


class TestCancellationInvitation:
    async def test_cancels_the_same_event(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, STARTS_AT)
        assert (await cancel(client, ada, booking_id)).status_code == 200
        await run_jobs(app)

        confirmed, cancelled = mailbox.to(ada.email)
        _, _, invited = invitation(confirmed)
        attachment, calendar, event = invitation(cancelled)

        assert attachment.get_param("method") == "CANCEL"
        assert calendar.method == "CANCEL"
        assert event.uid == invited.uid
        assert event.status == "CANCELLED"
        assert event.start == STARTS_AT
        # A calendar applies an update only if its sequence is at least the one it holds.
        assert event.sequence > invited.sequence


class TestRescheduleInvitation:
    async def test_moves_the_same_event_to_the_new_time(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, STARTS_AT)
        new_slot = await add_slot(database, MOVED_TO)
        assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200

        invited, moved = await invitations(app, mailbox, ada)

        assert moved.uid == invited.uid
        assert moved.sequence == 1
        assert moved.start == MOVED_TO
        assert moved.end == MOVED_TO + timedelta(hours=1)
        assert moved.status == "CONFIRMED"

    async def test_every_change_outranks_the_one_before(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        therapist = await add_admin(database, settings)
        booking_id = await booked_at(client, database, ada, STARTS_AT)
        for starts_at in (MOVED_TO, MOVED_TO + timedelta(days=1)):
            new_slot = await add_slot(database, starts_at)
            assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200
        assert (await cancel(client, therapist, booking_id)).status_code == 200

        events = await invitations(app, mailbox, ada)

        assert [event.sequence for event in events] == [0, 1, 2, 3]
        assert len({event.uid for event in events}) == 1


class TestUid:
    """RFC 5545 wants a UID unique across every calendar: a random UUID given to the booking
    when it is made (the form RFC 7986 §5.3 recommends), never derived from its id."""

    async def test_is_a_random_uuid_kept_on_the_booking(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked_at(client, database, ada, STARTS_AT)

        [event] = await invitations(app, mailbox, ada)

        assert uuid.UUID(str(event.uid)).version == 4
        assert (await stored_booking(database, booking_id)).calendar_uid == event.uid

    async def test_two_practices_never_share_one(self, tmp_path: Path) -> None:
        """Two installations (or one restored from an older backup) both have a booking 1."""
        first = await first_booking_uid(tmp_path, "first")
        second = await first_booking_uid(tmp_path, "second")

        assert first != second


async def first_booking_uid(tmp_path: Path, practice: str) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / practice}.db"
    settings = make_settings(tmp_path, url, email_from="Harbour & Vale <care@harbour.example>")
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    app = create_app(settings, database=database, clock=FrozenClock(NOW))
    ada = await add_client(database, settings)
    slot = await add_slot(database, STARTS_AT)
    async with app.router.lifespan_context(app), http_client(app) as client:
        booking = await book(client, ada, slot)
    assert booking["id"] == 1
    uid = (await stored_booking(database, 1)).calendar_uid
    await database.dispose()
    return uid
