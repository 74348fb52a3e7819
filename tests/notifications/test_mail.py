"""Mail through the outbox: templates, a real SMTP server, the file fallback, the sealed payload."""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, PackageLoader, TemplateNotFound, meta
from sqlalchemy import select, text

from attune.event_handlers import domain_events
from attune.job_handlers import job_registry
from attune.notifications.mail import MailAttachment, queue_mail, unseal
from attune.platform.clock import Clock, FrozenClock
from attune.platform.database import Database
from attune.platform.job_model import Job, JobStatus
from attune.platform.settings import Settings
from attune.platform.worker import Worker
from tests.conftest import make_settings
from tests.support.mailbox import Mailbox, SmtpServer, otp_from, text_body

START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
PRACTICE = "Harbour & Vale Therapy"
CLIENT = "ada@example.com"
CODE = "482913"
INVITATION = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Attune//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:booking-7@attune\r\nDTSTART:20300108T100000Z\r\n"
    "DTEND:20300108T110000Z\r\nSUMMARY:Therapy session\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def app_worker(settings: Settings, database: Database, clock: Clock) -> Worker:
    """A worker with the app's job handlers and event listeners."""
    return Worker(settings, database, clock, job_registry(), domain_events())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def mail_settings(tmp_path: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, smtp_url=smtp_server.url, practice_name=PRACTICE)


async def queue_verification(
    database: Database, settings: Settings, *, key: str | None = "otp:1", **options: Any
) -> None:
    async with database.transaction() as session:
        await queue_mail(
            session,
            settings,
            to=CLIENT,
            template="account_verification",
            context={"first_name": "Ada <b>", "code": CODE, "minutes": 10},
            key=key,
            **options,
        )


async def mail_job(database: Database) -> Job:
    async with database.transaction(write=False) as session:
        return (await session.scalars(select(Job).where(Job.kind == "send_mail"))).one()


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


class TestDelivery:
    async def test_a_verification_mail_arrives_with_text_and_html_from_the_practice(
        self, mail_settings: Settings, database: Database, clock: FrozenClock, mailbox: Mailbox
    ) -> None:
        await queue_verification(database, mail_settings)
        await Worker(
            mail_settings, database, clock, job_registry(), domain_events()
        ).run_until_idle()

        [message] = mailbox.to(CLIENT)
        assert message["Subject"] == "Your verification code"
        assert message["From"] == "Attune <no-reply@localhost>"
        assert otp_from(message) == CODE
        assert "expires in 10 minutes" in text_body(message)
        assert PRACTICE in text_body(message)
        assert "Ada <b>" in text_body(message)
        html = html_body(message)
        assert CODE in html
        assert "Harbour &amp; Vale Therapy" in html
        # A name is text, never markup.
        assert "Ada &lt;b&gt;" in html
        assert "<b>" not in html
        assert message["Message-ID"].endswith("@localhost>")

    async def test_the_other_account_templates_render(
        self, mail_settings: Settings, database: Database, clock: FrozenClock, mailbox: Mailbox
    ) -> None:
        async with database.transaction() as session:
            await queue_mail(
                session,
                mail_settings,
                to="reset@example.com",
                template="password_reset",
                context={"first_name": "Ada", "code": CODE, "minutes": 10},
            )
            await queue_mail(
                session,
                mail_settings,
                to="changed@example.com",
                template="password_changed",
                context={"first_name": "Ada"},
            )
        await Worker(
            mail_settings, database, clock, job_registry(), domain_events()
        ).run_until_idle()

        [reset] = mailbox.to("reset@example.com")
        assert reset["Subject"] == "Your password reset code"
        assert otp_from(reset) == CODE
        [changed] = mailbox.to("changed@example.com")
        assert changed["Subject"] == "Your password was changed"
        assert PRACTICE in text_body(changed)
        assert "Harbour &amp; Vale Therapy" in html_body(changed)

    async def test_a_calendar_invitation_travels_as_an_attachment(
        self, mail_settings: Settings, database: Database, clock: FrozenClock, mailbox: Mailbox
    ) -> None:
        invitation = MailAttachment("session.ics", "text/calendar; method=REQUEST", INVITATION)
        await queue_verification(database, mail_settings, attachments=[invitation])
        await Worker(
            mail_settings, database, clock, job_registry(), domain_events()
        ).run_until_idle()

        [message] = mailbox.to(CLIENT)
        [attachment] = message.iter_attachments()
        assert isinstance(attachment, EmailMessage)
        assert attachment.get_content_type() == "text/calendar"
        assert attachment.get_param("method") == "REQUEST"
        assert attachment.get_filename() == "session.ics"
        assert attachment.get_content().replace("\r\n", "\n") == INVITATION.replace("\r\n", "\n")
        assert otp_from(message) == CODE

    async def test_a_binary_attachment_arrives_unchanged(
        self, mail_settings: Settings, database: Database, clock: FrozenClock, mailbox: Mailbox
    ) -> None:
        receipt = MailAttachment("receipt.pdf", "application/pdf", b"%PDF-1.7\x00\xff\x10")
        await queue_verification(database, mail_settings, attachments=[receipt])
        await Worker(
            mail_settings, database, clock, job_registry(), domain_events()
        ).run_until_idle()

        [message] = mailbox.to(CLIENT)
        [attachment] = message.iter_attachments()
        assert isinstance(attachment, EmailMessage)
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == b"%PDF-1.7\x00\xff\x10"

    async def test_the_same_key_queued_twice_sends_one_mail(
        self, mail_settings: Settings, database: Database, clock: FrozenClock, mailbox: Mailbox
    ) -> None:
        await queue_verification(database, mail_settings, key="otp:1")
        await queue_verification(database, mail_settings, key="otp:1")
        await Worker(
            mail_settings, database, clock, job_registry(), domain_events()
        ).run_until_idle()

        assert len(mailbox.to(CLIENT)) == 1

    async def test_an_unknown_template_is_refused_when_queued(
        self, mail_settings: Settings, database: Database
    ) -> None:
        async with database.transaction() as session:
            with pytest.raises(TemplateNotFound):
                await queue_mail(
                    session, mail_settings, to=CLIENT, template="welcome_bonus", context={}
                )


class TestPayload:
    async def test_the_queued_payload_is_unreadable_in_sql_and_scrubbed_once_sent(
        self, mail_settings: Settings, database: Database, clock: FrozenClock, mailbox: Mailbox
    ) -> None:
        await queue_verification(database, mail_settings)

        stored = await raw_payload(database)
        assert CLIENT not in stored
        assert CODE not in stored
        assert "Ada <b>" not in stored
        assert "account_verification" in stored

        await Worker(
            mail_settings, database, clock, job_registry(), domain_events()
        ).run_until_idle()

        assert len(mailbox.to(CLIENT)) == 1
        job = await mail_job(database)
        assert job.status == JobStatus.succeeded
        assert job.payload == {"sent": True, "template": "account_verification"}


async def raw_payload(database: Database) -> str:
    async with database.transaction(write=False) as session:
        result = await session.execute(
            text("SELECT CAST(payload AS TEXT) FROM jobs WHERE kind = 'send_mail'")
        )
        value: str = result.scalar_one()
        return value


class TestOutage:
    async def test_mail_is_retried_while_smtp_is_down_and_delivered_once_it_is_back(
        self, tmp_path: Path, database_url: str, database: Database, clock: FrozenClock
    ) -> None:
        server = SmtpServer()  # its port is reserved, but nothing listens yet
        settings = make_settings(
            tmp_path,
            database_url,
            smtp_url=server.url,
            smtp_timeout_seconds=5,
            job_backoff_seconds=30,
        )
        await queue_verification(database, settings)
        queued_message_id = unseal(settings, (await mail_job(database)).payload).message_id
        worker = app_worker(settings, database, clock)

        await worker.run_until_idle()
        job = await mail_job(database)
        assert (job.status, job.attempts) == (JobStatus.queued, 1)
        assert job.last_error is not None
        assert str(server.port) in job.last_error
        assert CODE not in job.last_error

        server.start()
        try:
            clock.advance(job.run_at - clock.now())
            await worker.run_until_idle()
            clock.advance(timedelta(days=1))
            await worker.run_until_idle()
        finally:
            server.stop()

        [message] = server.mailbox.to(CLIENT)
        assert otp_from(message) == CODE
        # Fixed when it was queued: a retry that a server did receive is recognisable.
        assert message["Message-ID"] == queued_message_id
        job = await mail_job(database)
        assert (job.status, job.attempts) == (JobStatus.succeeded, 2)


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class TestWithoutSmtp:
    async def test_mail_is_written_to_a_file_and_logged_without_its_body(
        self, tmp_path: Path, database_url: str, database: Database, clock: FrozenClock
    ) -> None:
        settings = make_settings(tmp_path, database_url, practice_name=PRACTICE)
        await queue_verification(database, settings)
        attune_logger, log = logging.getLogger("attune"), LogLines()
        level = attune_logger.level
        attune_logger.addHandler(log)
        attune_logger.setLevel(logging.INFO)
        try:
            await Worker(
                settings, database, clock, job_registry(), domain_events()
            ).run_until_idle()
        finally:
            attune_logger.removeHandler(log)
            attune_logger.setLevel(level)

        [path] = (settings.var_dir / "mail").glob("*.eml")
        assert path.name.startswith("20300107T090000")
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        assert message["To"] == CLIENT
        assert otp_from(message) == CODE

        job = await mail_job(database)
        # The job and the file, never whom it is for or what it says.
        [line] = [r.getMessage() for r in log.records if r.name == "attune.mail"]
        assert line == f"job {job.id}: mail written to {path.name}"
        assert all(CODE not in r.getMessage() for r in log.records)
        assert job.status == JobStatus.succeeded


# Which variant of a mail it is ("1h" or "24h", "booked" or "moved"...): nothing about anyone.
SUBJECT_VARIABLES = {"lead", "change"}


def test_no_subject_template_shows_a_personal_detail() -> None:
    """A subject shows on a lock screen: every template's subject is fixed text, or picks
    between fixed texts by the kind of mail, for mails written today and any added later."""
    loader = PackageLoader("attune.notifications", "templates")
    templates = Environment(loader=loader, autoescape=True)
    subjects = [name for name in templates.list_templates() if name.endswith("/subject.txt")]

    used = {
        name: meta.find_undeclared_variables(templates.parse(loader.get_source(templates, name)[0]))
        for name in subjects
    }

    assert len(subjects) >= 18
    assert {
        name: names - SUBJECT_VARIABLES for name, names in used.items() if names - SUBJECT_VARIABLES
    } == {}
