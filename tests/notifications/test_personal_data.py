"""Personal data stays out of the log and off the lock screen.

One practice goes through every kind of mail Attune sends (an account registered, verified and
its password reset; bookings made, paid, moved, reminded, cancelled and refunded; appointment
requests asked for, scheduled, moved, reminded, declined and withdrawn) with the log captured at
DEBUG. Then the whole log is searched for the names, addresses and reasons used, and every
subject line for them and for the sessions' dates and times.
"""

from __future__ import annotations

import email
import io
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from attune.app import create_app
from attune.notifications.mail import SEND_MAIL
from attune.platform.clock import FrozenClock
from attune.platform.database import Database
from attune.platform.job_model import Job, JobStatus
from attune.platform.logging import configure_logging
from attune.platform.settings import Settings
from tests.conftest import http_client, make_settings, run_jobs
from tests.support.mailbox import Mailbox, SmtpServer, otp_from
from tests.support.people import add_person
from tests.support.slots import add_slot

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
TEMPLATES = Path(__file__).parents[2] / "src" / "attune" / "notifications" / "templates"
KINDS_OF_MAIL = {path.name for path in TEMPLATES.iterdir() if path.is_dir()}
PASSWORD = "a long and winding road"


@dataclass(frozen=True)
class Someone:
    first_name: str
    last_name: str
    email: str
    phone: str

    @property
    def secrets(self) -> list[str]:
        return [self.first_name, self.last_name, self.email, self.phone]


CLIENT = Someone("Philippa", "Quartermaine", "philippa.q@example.net", "+15550100001")
STRANGER = Someone("Octavia", "Pemberton", "octavia.p@example.org", "+15550100002")
DECLINED = Someone("Bartholomew", "Finchley", "b.finchley@example.com", "+15550100003")
THERAPIST = Someone("Theodora", "Marchetti", "theodora.m@example.com", "")
COLLEAGUE = Someone("Lysander", "Okonkwo-Hale", "lysander.oh@example.com", "")
REASONS = ["Recurring panic attacks since the accident", "Grief after losing my brother"]
REJECTION = "We do not treat insomnia linked to shift work"
NOTES = "Please ask about the medication change"
# The sessions' times as the mails write them, which a subject must not show either.
TIMES = ["10:00", "14:00", "15:00", "March", "5 March", "6 March", "$100.00"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture(params=["smtp", "files"])
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str, smtp_server: SmtpServer
) -> Settings:
    """Mail sent to an SMTP server, or written to files when none is configured."""
    smtp_url = smtp_server.url if request.param == "smtp" else None
    return make_settings(
        tmp_path, database_url, smtp_url=smtp_url, log_level="DEBUG", rate_limits=False
    )


@pytest.fixture
def app(settings: Settings, database: Database, clock: FrozenClock) -> FastAPI:
    return create_app(settings, database=database, clock=clock)


@pytest.fixture
def log_stream(app: FastAPI, settings: Settings) -> Iterator[io.StringIO]:
    """Every line the app logs, at DEBUG, from any logger.

    The test's SMTP server (aiosmtpd) stands for the practice's mail server: it logs the
    messages it receives, as a mail server does, and is left out.
    """
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    mail_server = logging.getLogger("mail.log")
    level = mail_server.level
    mail_server.setLevel(logging.WARNING)
    yield stream
    mail_server.setLevel(level)


@pytest.fixture
async def client(app: FastAPI, log_stream: io.StringIO) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app), http_client(app) as client:
        yield client


@dataclass
class Practice:
    app: FastAPI
    client: httpx.AsyncClient
    database: Database
    settings: Settings
    clock: FrozenClock
    mailbox: Mailbox
    admin_headers: dict[str, str]
    client_headers: dict[str, str] | None = None

    def sent(self) -> list[EmailMessage]:
        """Every mail delivered, to the SMTP server or into files."""
        if self.settings.smtp_url is not None:
            return list(self.mailbox.messages)
        return [
            email.message_from_bytes(path.read_bytes(), _class=EmailMessage, policy=default)
            for path in sorted(self.settings.mail_dir.glob("*.eml"))
        ]

    async def code_for(self, address: str) -> str:
        """The newest one-time code mailed to the address."""
        await run_jobs(self.app)
        *_, newest = [message for message in self.sent() if message["To"] == address]
        return otp_from(newest)

    async def call(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = await self.client.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        await run_jobs(self.app)
        answer: dict[str, Any] = response.json()
        return answer

    async def as_client(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        return await self.call(method, path, body, self.client_headers)

    async def as_admin(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        return await self.call(method, path, body, self.admin_headers)

    async def at(self, moment: datetime) -> None:
        self.clock.at = moment
        await run_jobs(self.app)


def request_body(person: Someone, reason: str | None, *days: str) -> dict[str, Any]:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "reason": reason,
        "preferred_dates": list(days),
        "preferred_time_slots": ["morning", "afternoon"],
    }


async def sign_up(practice: Practice) -> None:
    await practice.call(
        "POST",
        "/api/auth/register",
        {
            "first_name": CLIENT.first_name,
            "last_name": CLIENT.last_name,
            "email": CLIENT.email,
            "phone": CLIENT.phone,
            "password": PASSWORD,
        },
    )
    code = await practice.code_for(CLIENT.email)
    await practice.call("POST", "/api/auth/verify-otp", {"email": CLIENT.email, "otp": code})
    await practice.at(NOW + timedelta(minutes=2))  # past the cool-down between codes
    await practice.call("POST", "/api/auth/forgot-password", {"email": CLIENT.email})
    code = await practice.code_for(CLIENT.email)
    await practice.call(
        "POST",
        "/api/auth/reset-password",
        {
            "email": CLIENT.email,
            "otp": code,
            "new_password": PASSWORD + "!",
            "confirm_password": PASSWORD + "!",
        },
    )
    login = await practice.call(
        "POST", "/api/auth/login", {"email": CLIENT.email, "password": PASSWORD + "!"}
    )
    practice.client_headers = {"Authorization": f"Bearer {login['access']}"}


async def book_and_pay(practice: Practice, starts_at: datetime) -> int:
    slot_id = await add_slot(practice.database, starts_at)
    booked = await practice.as_client(
        "POST", "/api/bookings", {"schedule_id": slot_id, "notes": NOTES}
    )
    booking_id: int = booked["booking"]["id"]
    intent = await practice.as_client("POST", "/api/payments/intent", {"booking_id": booking_id})
    await practice.as_client(
        "POST", "/api/payments/confirm", {"payment_intent_id": intent["payment_intent"]}
    )
    return booking_id


async def go_through_every_mail(practice: Practice) -> None:
    await sign_up(practice)
    # A booking paid, moved, then cancelled and refunded; another paid and reminded.
    moved_id = await book_and_pay(practice, NOW + timedelta(days=4, hours=1))
    later_slot = await add_slot(practice.database, NOW + timedelta(days=5, hours=1))
    await practice.as_client(
        "PUT", f"/api/bookings/{moved_id}/reschedule", {"new_schedule_id": later_slot}
    )
    await practice.as_client("PUT", f"/api/bookings/{moved_id}/cancel", {"reason": NOTES})
    await book_and_pay(practice, NOW + timedelta(days=2, hours=1))
    # A booking left unpaid, whose hold is released (below, when the clock moves on).
    unpaid_slot = await add_slot(practice.database, NOW + timedelta(days=8, hours=1))
    await practice.as_client("POST", "/api/bookings", {"schedule_id": unpaid_slot})
    # A stranger's request scheduled, moved and reminded.
    asked = await practice.call(
        "POST",
        "/api/meetings/appointments/create",
        request_body(STRANGER, REASONS[0], "2025-03-04", "2025-03-05"),
    )
    item = f"/api/meetings/appointments/{asked['id']}"
    await practice.as_admin(
        "POST", item + "/schedule", {"scheduled_datetime": "2025-03-04T14:00:00Z"}
    )
    await practice.as_admin(
        "POST", item + "/reschedule", {"scheduled_datetime": "2025-03-04T15:00:00Z"}
    )
    # The client's own request, scheduled and withdrawn.
    own = await practice.as_client(
        "POST",
        "/api/meetings/appointments/create",
        request_body(CLIENT, REASONS[1], "2025-03-06"),
    )
    own_item = f"/api/meetings/appointments/{own['id']}"
    await practice.as_admin(
        "POST", own_item + "/schedule", {"scheduled_datetime": "2025-03-06T14:00:00Z"}
    )
    await practice.as_client("POST", own_item + "/withdraw")
    # A request declined with a reason.
    declined = await practice.call(
        "POST", "/api/meetings/appointments/create", request_body(DECLINED, None, "2025-03-05")
    )
    await practice.as_admin(
        "POST",
        f"/api/meetings/appointments/{declined['id']}/reject",
        {"rejection_reason": REJECTION},
    )
    # A colleague invited to the practice's staff.
    await practice.as_admin(
        "POST",
        "/api/admin/therapists",
        {
            "email": COLLEAGUE.email,
            "first_name": COLLEAGUE.first_name,
            "last_name": COLLEAGUE.last_name,
            "role": "therapist",
        },
    )
    # The day-before and hour-before reminders.
    await practice.at(datetime(2025, 3, 4, 14, 30, tzinfo=UTC))


@pytest.fixture
async def practice(
    *,
    app: FastAPI,
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    clock: FrozenClock,
    mailbox: Mailbox,
) -> Practice:
    admin = await add_person(
        database,
        settings,
        email=THERAPIST.email,
        first_name=THERAPIST.first_name,
        last_name=THERAPIST.last_name,
        admin=True,
    )
    practice = Practice(app, client, database, settings, clock, mailbox, admin.headers)
    await go_through_every_mail(practice)
    return practice


def personal_data() -> list[str]:
    people = [CLIENT, STRANGER, DECLINED, THERAPIST, COLLEAGUE]
    found = [text for person in people for text in person.secrets if text]
    return [*found, *REASONS, REJECTION, NOTES]


async def kinds_sent(database: Database) -> set[str]:
    """The templates of the mails sent; a sent mail's job keeps only its template's name."""
    async with database.transaction(write=False) as session:
        payloads = await session.scalars(
            select(Job.payload).where(Job.kind == SEND_MAIL, Job.status == JobStatus.succeeded)
        )
        return {payload["template"] for payload in payloads}


async def test_every_kind_of_mail_keeps_personal_data_out_of_the_log(
    practice: Practice, log_stream: io.StringIO
) -> None:
    written = log_stream.getvalue()

    assert await kinds_sent(practice.database) == KINDS_OF_MAIL
    assert "mail sent as message" in written or "mail written to" in written
    leaked = [
        (text, line)
        for line in written.splitlines()
        for text in personal_data()
        if text.lower() in line.lower()
    ]
    assert leaked == []


async def test_no_subject_line_carries_a_personal_detail(practice: Practice) -> None:
    """A subject shows on a lock screen: no name, address, reason, date, time or amount."""
    subjects = [str(message["Subject"]) for message in practice.sent()]

    shown = [
        (subject, text)
        for subject in subjects
        for text in [*personal_data(), *TIMES]
        if text.lower() in subject.lower()
    ]
    assert len(subjects) > len(KINDS_OF_MAIL)
    assert shown == []
