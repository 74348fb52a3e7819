"""The therapist is told: every admin who has not switched it off gets a mail when a client
books, pays, moves or cancels a session and when an unpaid hold is released, with the time in
the practice's zone and an update for their own calendar (one event per booking)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar, Event

from attune.notifications.mail import SEND_MAIL
from attune.platform.actor import Role
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.bookings.builders import NOW, book, cancel, jobs_of_kind, reschedule
from tests.conftest import make_settings, run_jobs
from tests.payments.builders import confirm, open_intent
from tests.support.mailbox import Mailbox, SmtpServer, text_body
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_person
from tests.support.slots import add_slot

ZONE = "Europe/Berlin"
# Monday 30 March 2026, 10:00 UTC: 12:00 in Berlin (summer time by then).
STARTS_AT = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
MOVED_TO = STARTS_AT + timedelta(days=1, hours=2)
HOLD = timedelta(minutes=30)
CLIENT_FIRST, CLIENT_LAST = "Imogen", "Quartermaine"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(
        tmp_path,
        database_url,
        smtp_url=smtp_server.url,
        practice_timezone=ZONE,
        practice_name="Harbour & Vale Therapy",
        email_from="Harbour & Vale <care@harbour.example>",
    )


async def imogen(database: Database, settings: Settings) -> Person:
    return await add_person(
        database,
        settings,
        email="imogen@example.com",
        first_name=CLIENT_FIRST,
        last_name=CLIENT_LAST,
    )


async def second_admin(database: Database, settings: Settings) -> Person:
    return await add_person(
        database, settings, email="second@example.com", first_name="Sam", admin=True
    )


async def booked(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    booking_id: int = (await book(client, person, await add_slot(database, STARTS_AT)))["id"]
    return booking_id


def event_of(message: EmailMessage) -> tuple[str, Event]:
    [attachment] = message.iter_attachments()
    assert isinstance(attachment, EmailMessage)
    calendar = Calendar.from_ical(attachment.get_content())
    [event] = calendar.events
    return str(calendar.method), event


async def notices(app: FastAPI, mailbox: Mailbox, admin: Person) -> list[EmailMessage]:
    await run_jobs(app)
    return mailbox.to(admin.email)


def assert_no_personal_detail(message: EmailMessage) -> None:
    subject = str(message["Subject"])
    assert CLIENT_FIRST not in subject
    assert CLIENT_LAST not in subject
    assert "imogen" not in subject.lower()


class TestBooked:
    async def test_every_admin_is_mailed_the_time_in_the_practice_zone(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        theo = await add_admin(database, settings)
        sam = await second_admin(database, settings)
        client_person = await imogen(database, settings)
        booking_id = await booked(client, database, client_person)

        [to_theo] = await notices(app, mailbox, theo)
        [to_sam] = mailbox.to(sam.email)

        assert to_theo["Subject"] == "New booking"
        assert to_sam["Subject"] == to_theo["Subject"]
        text = text_body(to_theo)
        assert "Hello Theo," in text
        assert f"{CLIENT_FIRST} {CLIENT_LAST} has booked a session." in text
        assert "Monday 30 March 2026, 12:00–13:00 (Europe/Berlin time)" in text
        assert f"Booking number: {booking_id}" in text
        assert "not paid yet" in text
        assert_no_personal_detail(to_theo)

    async def test_carries_an_invitation_for_the_admins_own_calendar(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        theo = await add_admin(database, settings)
        client_person = await imogen(database, settings)
        booking_id = await booked(client, database, client_person)

        [notice] = await notices(app, mailbox, theo)
        [confirmation] = mailbox.to(client_person.email)

        method, event = event_of(notice)
        _, clients_event = event_of(confirmation)
        assert method == "REQUEST"
        assert event.uid == clients_event.uid
        assert (event.start, event.end) == (STARTS_AT, STARTS_AT + timedelta(hours=1))
        assert event.sequence == 0
        assert str(event.get("attendee")) == f"mailto:{theo.email}"
        assert str(event.get("summary")) == f"Session (booking {booking_id})"
        # Calendars are often synced elsewhere: no room link is written into one.
        assert event.get("location") is None

    async def test_is_queued_in_the_booking_transaction(
        self,
        client: httpx.AsyncClient,
        database: Database,
        settings: Settings,
    ) -> None:
        await add_admin(database, settings)
        await second_admin(database, settings)
        client_person = await imogen(database, settings)

        await booked(client, database, client_person)

        # The client's confirmation and one notice per admin, before any worker ran.
        assert len(await jobs_of_kind(database, SEND_MAIL)) == 3


class TestPaid:
    async def test_the_admin_is_told_with_an_updated_invitation(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        *,
        clock: FrozenClock,
    ) -> None:
        theo = await add_admin(database, settings)
        client_person = await imogen(database, settings)
        booking_id = await booked(client, database, client_person)
        clock.at = NOW + timedelta(minutes=5)
        intent_id = await open_intent(client, client_person, booking_id)
        assert (await confirm(client, client_person, intent_id)).status_code == 200

        booked_notice, paid_notice = await notices(app, mailbox, theo)

        assert paid_notice["Subject"] == "Paid: a session"
        assert f"{CLIENT_FIRST} {CLIENT_LAST} has paid 100.00 USD for a session." in text_body(
            paid_notice
        )
        assert_no_personal_detail(paid_notice)
        _, before = event_of(booked_notice)
        method, event = event_of(paid_notice)
        assert (method, event.uid, event.sequence) == ("REQUEST", before.uid, before.sequence)
        # Same sequence, later stamp: the newer version of the event (RFC 5546 §2.1.5).
        assert event.get("dtstamp").dt > before.get("dtstamp").dt


class TestRescheduled:
    async def test_the_same_event_moves_with_a_higher_sequence(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        theo = await add_admin(database, settings)
        client_person = await imogen(database, settings)
        booking_id = await booked(client, database, client_person)
        new_slot = await add_slot(database, MOVED_TO)
        assert (await reschedule(client, client_person, booking_id, new_slot)).status_code == 200

        booked_notice, moved_notice = await notices(app, mailbox, theo)

        assert moved_notice["Subject"] == "Moved: a session"
        text = text_body(moved_notice)
        assert f"{CLIENT_FIRST} {CLIENT_LAST} has moved a session." in text
        assert "It was on Monday 30 March 2026 at 12:00." in text
        assert_no_personal_detail(moved_notice)
        _, before = event_of(booked_notice)
        method, event = event_of(moved_notice)
        assert (method, event.uid, event.start) == ("REQUEST", before.uid, MOVED_TO)
        assert event.sequence > before.sequence

    async def test_a_late_move_says_a_cancellation_will_not_be_refunded(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        *,
        clock: FrozenClock,
    ) -> None:
        theo = await add_admin(database, settings)
        client_person = await imogen(database, settings)
        booking_id = await booked(client, database, client_person)
        await record_paid(database, booking_id)
        new_slot = await add_slot(database, STARTS_AT + timedelta(days=30))
        clock.at = STARTS_AT - timedelta(hours=10)
        assert (await reschedule(client, client_person, booking_id, new_slot)).status_code == 200

        moved_notice = (await notices(app, mailbox, theo))[-1]

        assert (
            "It was moved inside the cancellation notice, so a cancellation by the client will "
            "not be refunded." in text_body(moved_notice)
        )


class TestCancelled:
    async def test_by_the_client_removes_the_event(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        theo = await add_admin(database, settings)
        client_person = await imogen(database, settings)
        booking_id = await booked(client, database, client_person)
        cancelled = await cancel(client, client_person, booking_id, reason="Private <reason>")
        assert cancelled.status_code == 200

        booked_notice, cancelled_notice = await notices(app, mailbox, theo)

        assert cancelled_notice["Subject"] == "Cancelled: a session"
        text = text_body(cancelled_notice)
        assert f"{CLIENT_FIRST} {CLIENT_LAST} has cancelled a session." in text
        assert "Private" not in cancelled_notice.as_string()
        assert_no_personal_detail(cancelled_notice)
        _, before = event_of(booked_notice)
        method, event = event_of(cancelled_notice)
        assert (method, event.uid, event.status) == ("CANCEL", before.uid, "CANCELLED")
        assert event.sequence > before.sequence

    async def test_an_unpaid_hold_released_removes_the_event(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        *,
        clock: FrozenClock,
    ) -> None:
        theo = await add_admin(database, settings)
        client_person = await imogen(database, settings)
        await booked(client, database, client_person)
        clock.at = NOW + HOLD + timedelta(seconds=1)

        _, released = await notices(app, mailbox, theo)

        assert released["Subject"] == "Released: an unpaid session"
        assert "was not paid within 30 minutes" in text_body(released)
        assert_no_personal_detail(released)
        method, event = event_of(released)
        assert (method, event.status) == ("CANCEL", "CANCELLED")


class TestSwitchedOff:
    async def test_an_admin_who_switched_them_off_gets_none(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        theo = await add_admin(database, settings)
        sam = await second_admin(database, settings)
        switched = await client.put(
            "/api/auth/profile", json={"booking_notifications": False}, headers=theo.headers
        )
        assert switched.status_code == 200
        assert switched.json()["user"]["booking_notifications"] is False
        client_person = await imogen(database, settings)

        await booked(client, database, client_person)

        assert await notices(app, mailbox, theo) == []
        assert len(mailbox.to(sam.email)) == 1
        profile = await client.get("/api/auth/profile", headers=theo.headers)
        assert profile.json()["user"]["booking_notifications"] is False

    async def test_and_back_on(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        theo = await add_admin(database, settings)
        for value in (False, True):
            response = await client.put(
                "/api/auth/profile", json={"booking_notifications": value}, headers=theo.headers
            )
            assert response.status_code == 200
        client_person = await imogen(database, settings)

        await booked(client, database, client_person)

        assert len(await notices(app, mailbox, theo)) == 1

    async def test_a_client_has_none_to_switch(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        client_person = await imogen(database, settings)

        response = await client.put(
            "/api/auth/profile",
            json={"booking_notifications": False},
            headers=client_person.headers,
        )
        profile = await client.get("/api/auth/profile", headers=client_person.headers)

        assert response.status_code == 400
        assert response.json()["error"] == "Only the practice's admins get booking notices"
        assert profile.json()["user"]["booking_notifications"] is None


class TestWhoIsTold:
    async def test_the_sessions_therapist_and_the_owner_not_the_rest_of_the_practice(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        owner = await add_admin(database, settings)
        ana, ben, desk = [
            await add_person(database, settings, email=f"{name}@example.com", role=role)
            for name, role in (
                ("ana", Role.therapist),
                ("ben", Role.therapist),
                ("desk", Role.front_desk),
            )
        ]
        client_person = await imogen(database, settings)
        slot = await add_slot(database, STARTS_AT, therapist_id=ana.id)
        await book(client, client_person, slot)

        [to_ana] = await notices(app, mailbox, ana)

        assert to_ana["Subject"] == "New booking"
        assert len(mailbox.to(owner.email)) == 1
        assert mailbox.to(ben.email) == []
        assert mailbox.to(desk.email) == []

    async def test_a_session_handed_to_another_therapist_leaves_the_first_one_s_calendar(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        owner = await add_admin(database, settings)
        ana, ben = [
            await add_person(database, settings, email=f"{name}@example.com", role=Role.therapist)
            for name in ("ana", "ben")
        ]
        client_person = await imogen(database, settings)
        booking = await book(
            client, client_person, await add_slot(database, STARTS_AT, therapist_id=ana.id)
        )
        bens_slot = await add_slot(database, MOVED_TO, therapist_id=ben.id)
        await run_jobs(app)

        moved = await reschedule(client, owner, booking["id"], bens_slot)

        assert moved.status_code == 200, moved.text
        to_ana = (await notices(app, mailbox, ana))[-1]
        [to_ben] = mailbox.to(ben.email)
        assert to_ana["Subject"] == "Handed over: a session"
        assert "given to another therapist" in text_body(to_ana)
        method, event = event_of(to_ana)
        assert method == "CANCEL"
        assert to_ben["Subject"] == "Moved: a session"
        assert event_of(to_ben)[0] == "REQUEST"
        assert event_of(to_ben)[1]["UID"] == event["UID"]
        assert_no_personal_detail(to_ana)
