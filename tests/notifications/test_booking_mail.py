"""The mail a client gets about a booking, as it arrives: confirmation, cancellation, move and
reminders, with times in the practice's zone and Attune's join link, never the room itself (the
link applies the meeting link's rule when followed: tests/video/test_join_links.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.video.join_links import booking_join_link
from tests.bookings.builders import NOW, book, cancel, reschedule, stored_booking
from tests.conftest import make_settings, run_jobs
from tests.support.mailbox import Mailbox, SmtpServer, described, text_body
from tests.support.payments import record_paid
from tests.support.people import Person, add_admin, add_client, add_person
from tests.support.slots import add_slot

PRACTICE = "Harbour & Vale Therapy"
ZONE = "Europe/Berlin"
# Monday 30 March 2026, 10:00-11:00 UTC: 12:00-13:00 in Berlin, which is on summer time by then
# (and was not when the booking was made).
STARTS_AT = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
WHEN = "Monday 30 March 2026, 12:00–13:00 (Europe/Berlin time)"
JOINING = "The video room opens 10 minutes before your session starts."
NOT_PAID = "Your session is not paid yet."
LATE_MOVE = (
    "As this session was moved less than 24 hours before it was due to start, cancelling it "
    "later is a late cancellation and is not refunded."
)


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
        practice_name=PRACTICE,
    )


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


async def booked(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    booking_id: int = (await book(client, person, await add_slot(database, STARTS_AT)))["id"]
    return booking_id


async def mark_paid(database: Database, booking_id: int) -> None:
    await record_paid(database, booking_id)


def join_link(settings: Settings, booking_id: int) -> str:
    return booking_join_link(settings, booking_id)


async def room_id_of(database: Database, booking_id: int) -> str:
    return (await stored_booking(database, booking_id)).room_id


async def last_mail(app: FastAPI, mailbox: Mailbox, person: Person) -> EmailMessage:
    await run_jobs(app)
    return mailbox.to(person.email)[-1]


class TestConfirmation:
    async def test_names_the_session_in_the_practice_zone(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)

        message = await last_mail(app, mailbox, ada)

        assert message["Subject"] == "Your session is booked"
        text = text_body(message)
        assert WHEN in text
        assert "Price: 100.00 USD" in text
        assert f"Booking number: {booking_id}" in text
        assert JOINING in text
        html = html_body(message)
        assert "<strong>Monday 30 March 2026, 12:00–13:00</strong> (Europe/Berlin time)" in html

    async def test_withholds_the_room_link_until_the_session_is_paid(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        room_id = (await stored_booking(database, booking_id)).room_id

        message = await last_mail(app, mailbox, ada)

        assert NOT_PAID in text_body(message)
        assert room_id not in message.as_string()

    async def test_shows_names_as_text_in_html(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        zoe = await add_person(database, settings, email="zoe@example.com", first_name="Zoë <i>")
        await booked(client, database, zoe)

        message = await last_mail(app, mailbox, zoe)

        assert "Hello Zoë <i>," in text_body(message)
        html = html_body(message)
        assert "Hello Zoë &lt;i&gt;," in html
        assert "<i>" not in html
        assert "Harbour &amp; Vale Therapy" in html


class TestConfirmationWithoutPayments:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path, database_url, smtp_url=smtp_server.url, payments_enabled=False
        )

    async def test_carries_the_room_link_and_no_price(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        link = join_link(settings, booking_id)

        message = await last_mail(app, mailbox, ada)

        text = text_body(message)
        assert f"Your video room: {link}" in text
        assert "Price" not in text
        assert NOT_PAID not in text
        assert f'<a href="{link.replace("&", "&amp;")}">' in html_body(message)
        assert await room_id_of(database, booking_id) not in message.as_string()


class TestConfirmationWithJitsiTokens:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path,
            database_url,
            smtp_url=smtp_server.url,
            payments_enabled=False,
            jitsi_app_id="attune",
            jitsi_app_secret="jitsi-secret-0123456789abcdefghijkl",
        )

    async def test_carries_the_join_link_instead_of_a_room_link_that_would_not_open(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        room_id = await room_id_of(database, booking_id)

        message = await last_mail(app, mailbox, ada)

        text = text_body(message)
        assert room_id not in text
        assert f"Your video room: {join_link(settings, booking_id)}" in text
        attachment = next(part for part in message.iter_attachments())
        assert room_id not in attachment.get_content()


class TestCancellation:
    async def test_by_the_client(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        assert (await cancel(client, ada, booking_id)).status_code == 200

        message = await last_mail(app, mailbox, ada)

        assert message["Subject"] == "Your session is cancelled"
        text = text_body(message)
        assert "as you asked, your session has been cancelled." in text
        assert WHEN in text
        assert "refunded" not in text

    async def test_by_the_practice_gives_its_reason(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        therapist = await add_admin(database, settings)
        booking_id = await booked(client, database, ada)
        cancelled = await cancel(client, therapist, booking_id, reason="Illness <sudden>")
        assert cancelled.status_code == 200

        message = await last_mail(app, mailbox, ada)

        text = text_body(message)
        assert f"we are sorry: {PRACTICE} has had to cancel your session." in text
        assert "Reason: Illness <sudden>" in text
        assert "Reason: Illness &lt;sudden&gt;" in html_body(message)

    async def test_of_a_paid_session_says_it_is_refunded(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        assert (await cancel(client, ada, booking_id)).status_code == 200

        await run_jobs(app)
        [message] = [m for m in mailbox.to(ada.email) if "is cancelled" in str(m["Subject"])]

        assert "Your payment of 100.00 USD will be refunded" in text_body(message)
        assert await room_id_of(database, booking_id) not in message.as_string()
        assert join_link(settings, booking_id) not in text_body(message)


class TestReschedule:
    async def test_names_the_new_time(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        new_slot = await add_slot(database, STARTS_AT + timedelta(days=1, hours=2))
        assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200

        message = await last_mail(app, mailbox, ada)

        assert message["Subject"] == "Your session has moved"
        assert "Tuesday 31 March 2026, 14:00–15:00 (Europe/Berlin time)" in text_body(message)

    async def test_a_paid_session_keeps_its_room(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        new_slot = await add_slot(database, STARTS_AT + timedelta(days=1))
        assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200

        message = await last_mail(app, mailbox, ada)

        link = join_link(settings, booking_id)
        assert f"Your video room stays the same: {link}" in text_body(message)

    async def test_each_move_is_mailed(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        for days in (1, 2):
            new_slot = await add_slot(database, STARTS_AT + timedelta(days=days))
            assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200

        await run_jobs(app)

        assert [described(message) for message in mailbox.to(ada.email)[1:]] == [
            "Your session has moved (Tuesday 31 March 2026 at 12:00)",
            "Your session has moved (Wednesday 1 April 2026 at 12:00)",
        ]


class TestLateMove:
    """A session its client moves inside the cancellation notice stays a late one."""

    async def test_the_move_says_a_later_cancellation_is_not_refunded(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        *,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        new_slot = await add_slot(database, STARTS_AT + timedelta(days=30))
        clock.at = STARTS_AT - timedelta(hours=10)
        assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200

        message = await last_mail(app, mailbox, ada)

        assert LATE_MOVE in text_body(message)
        assert LATE_MOVE in html_body(message)

    async def test_its_cancellation_says_the_payment_is_kept(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        *,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        new_slot = await add_slot(database, STARTS_AT + timedelta(days=30))
        clock.at = STARTS_AT - timedelta(hours=10)
        assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200
        assert (await cancel(client, ada, booking_id)).status_code == 200

        message = await last_mail(app, mailbox, ada)

        text = text_body(message)
        assert "so this is a late cancellation and your payment is not refunded" in text
        assert "will be refunded" not in text

    async def test_a_move_outside_the_notice_says_nothing_of_it(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        new_slot = await add_slot(database, STARTS_AT + timedelta(days=30))
        assert (await reschedule(client, ada, booking_id, new_slot)).status_code == 200

        message = await last_mail(app, mailbox, ada)

        assert "late cancellation" not in text_body(message)


class TestReminder:
    async def test_the_day_before_names_the_day_and_how_to_join(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        *,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        clock.at = STARTS_AT - timedelta(hours=23)

        message = await last_mail(app, mailbox, ada)

        assert message["Subject"] == "Reminder: your session is coming up"
        text = text_body(message)
        assert WHEN in text
        assert JOINING in text
        assert f"Your video room: {join_link(settings, booking_id)}" in text
        assert JOINING in html_body(message)

    async def test_the_hour_before_says_it_starts_soon_with_the_room_link_once_paid(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        *,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        clock.at = STARTS_AT - timedelta(minutes=50)

        message = await last_mail(app, mailbox, ada)

        assert message["Subject"] == "Your session starts soon"
        text = text_body(message)
        assert f"Your video room: {join_link(settings, booking_id)}" in text
        assert JOINING in text
        assert NOT_PAID not in text
