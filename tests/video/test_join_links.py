"""The join link that mails and calendar entries carry instead of the room (docs/decisions.md,
"The meeting link"): taken from the mail as it arrives, and followed as a browser follows it.
Inside the join window of a released room it leads on to the room; before and after, and while
unpaid, it leads nowhere and says why; a wrong key finds nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi import FastAPI
from icalendar import Calendar

from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.conftest import make_settings, run_jobs
from tests.requests.builders import scheduled
from tests.support.mailbox import Mailbox, SmtpServer, text_body
from tests.support.people import Person, add_admin, add_client
from tests.support.slots import add_slot
from tests.video.builders import book, cancel, mark_paid, meeting, reschedule

# In the past: the people's access tokens are issued at the real time and stay valid for any
# frozen time before they expire.
BOOKED_AT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STARTS_AT = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
OPENS_AT = STARTS_AT - timedelta(minutes=10)
CLOSES_AT = STARTS_AT + timedelta(hours=1, minutes=15)
ONE_SECOND = timedelta(seconds=1)
PUBLIC_URL = "https://booking.example.org"
APP_ID = "attune-practice"
APP_SECRET = "jitsi-app-secret-0123456789abcdefghijkl"
LINK = re.compile(re.escape(PUBLIC_URL) + r"/\S+/join/?\?key=[A-Za-z0-9_-]+")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BOOKED_AT)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, smtp_url=smtp_server.url, public_url=PUBLIC_URL)


def link_in(message: EmailMessage) -> str:
    """The one join link of the mail's text, which its calendar entry carries too."""
    links: set[str] = set(LINK.findall(text_body(message)))
    (link,) = links
    for part in message.iter_attachments():
        [event] = Calendar.from_ical(part.get_content()).events
        assert str(event["location"]) == link
    return link


async def mailed_link(app: FastAPI, mailbox: Mailbox, person: Person) -> str:
    await run_jobs(app)
    return link_in(mailbox.to(person.email)[-1])


async def follow(client: httpx.AsyncClient, link: str) -> httpx.Response:
    """As a browser follows it, with no sign-in; the redirect itself is what is checked."""
    parts = urlsplit(link)
    return await client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


async def booked(client: httpx.AsyncClient, database: Database, person: Person) -> int:
    return await book(client, person, await add_slot(database, STARTS_AT))


class TestBookingLink:
    async def test_leads_to_the_room_inside_the_window_of_a_paid_session(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        link = await mailed_link(app, mailbox, ada)
        await mark_paid(database, booking_id)

        for at in (OPENS_AT, CLOSES_AT):
            clock.at = at
            response = await follow(client, link)

            assert response.status_code == 303
            assert (
                response.headers["location"]
                == (await meeting(client, booking_id, ada))["meeting_url"]
            )
            assert response.headers["location"].startswith("https://meet.jit.si/attune-")

    @pytest.mark.parametrize(
        ("at", "says"),
        [
            (OPENS_AT - ONE_SECOND, "The video room opens at 09:50 on Tuesday 4 March 2025 (UTC)"),
            (CLOSES_AT + ONE_SECOND, "This session is over and its video room is closed."),
        ],
        ids=["before the window", "after it"],
    )
    async def test_leads_nowhere_outside_the_window_and_says_why(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
        at: datetime,
        says: str,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        link = await mailed_link(app, mailbox, ada)
        clock.at = at

        response = await follow(client, link)

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert says in response.text
        assert "meet.jit.si/attune-" not in response.text

    async def test_leads_nowhere_while_unpaid_even_inside_the_window(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        await booked(client, database, ada)
        link = await mailed_link(app, mailbox, ada)
        clock.at = OPENS_AT

        response = await follow(client, link)

        assert response.status_code == 200
        assert "This session is not paid yet." in response.text

    async def test_stays_the_same_when_the_session_moves_and_follows_it(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        first = await mailed_link(app, mailbox, ada)
        moved_to = STARTS_AT + timedelta(days=1)
        await reschedule(client, booking_id, ada, await add_slot(database, moved_to))
        second = await mailed_link(app, mailbox, ada)

        clock.at = OPENS_AT
        at_the_old_time = await follow(client, second)
        clock.at = moved_to
        at_the_new_time = await follow(client, second)

        assert second == first
        assert at_the_old_time.status_code == 200
        assert at_the_new_time.status_code == 303

    async def test_of_a_cancelled_booking_leads_nowhere(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        link = await mailed_link(app, mailbox, ada)
        await cancel(client, booking_id, ada)
        clock.at = OPENS_AT

        response = await follow(client, link)

        assert response.status_code == 409
        assert response.json()["error"] == "This booking is cancelled, so it has no meeting"

    async def test_a_wrong_key_finds_nothing(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        bob = await add_client(database, settings, 2)
        slot_id = await add_slot(database, STARTS_AT, capacity=2)
        adas = await book(client, ada, slot_id)
        await mark_paid(database, adas)
        bobs = await book(client, bob, slot_id)
        await mark_paid(database, bobs)
        await run_jobs(app)
        bobs_link = link_in(mailbox.to(bob.email)[-1])
        clock.at = OPENS_AT

        # Bob's key on Ada's booking, and a key of the right shape that nobody was given.
        others = bobs_link.replace(f"/bookings/{bobs}/", f"/bookings/{adas}/")
        made_up = re.sub(r"key=.*", "key=" + "A" * 22, bobs_link)
        answers = [await follow(client, link) for link in (others, made_up)]

        assert [answer.status_code for answer in answers] == [404, 404]
        assert {answer.json()["error"] for answer in answers} == {"Booking not found"}


class TestBookingLinkWithJitsiTokens:
    @pytest.fixture
    def settings(self, tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
        return make_settings(
            tmp_path,
            database_url,
            smtp_url=smtp_server.url,
            public_url=PUBLIC_URL,
            jitsi_app_id=APP_ID,
            jitsi_app_secret=APP_SECRET,
        )

    async def test_leads_to_the_room_with_the_clients_token(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        ada = await add_client(database, settings)
        booking_id = await booked(client, database, ada)
        await mark_paid(database, booking_id)
        link = await mailed_link(app, mailbox, ada)
        clock.at = OPENS_AT

        location = (await follow(client, link)).headers["location"]
        (token,) = parse_qs(urlsplit(location).query)["jwt"]
        claims: dict[str, Any] = jwt.decode(
            token,
            APP_SECRET,
            algorithms=["HS256"],
            audience="jitsi",
            issuer=APP_ID,
            options={"verify_exp": False, "verify_nbf": False},
        )

        assert "jwt=" not in link
        assert claims["room"] == (await meeting(client, booking_id, ada))["room_id"]
        assert (claims["nbf"], claims["exp"]) == (
            int(OPENS_AT.timestamp()),
            int(CLOSES_AT.timestamp()),
        )
        assert claims["context"]["user"] == {
            "name": "Client1 Lovelace",
            "email": ada.email,
            "moderator": "false",
        }


class TestAppointmentLink:
    async def test_leads_to_the_room_only_inside_the_window(
        self,
        *,
        client: httpx.AsyncClient,
        app: FastAPI,
        database: Database,
        settings: Settings,
        mailbox: Mailbox,
        clock: FrozenClock,
    ) -> None:
        admin = await add_admin(database, settings)
        body = await scheduled(client, admin, starts_at=STARTS_AT)
        await run_jobs(app)
        link = link_in(mailbox.to("john@example.com")[-1])

        before = await follow(client, link)
        clock.at = OPENS_AT
        during = await follow(client, link)
        clock.at = CLOSES_AT + ONE_SECOND
        after = await follow(client, link)

        assert link.startswith(f"{PUBLIC_URL}/api/meetings/appointments/{body['id']}/join")
        assert before.status_code == 200
        assert "The video room opens at 09:50 on Tuesday 4 March 2025 (UTC)" in before.text
        assert during.status_code == 303
        assert during.headers["location"] == f"https://meet.jit.si/{body['jitsi_room_id']}"
        assert after.status_code == 200
        assert "over" in after.text
