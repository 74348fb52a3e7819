"""The SMTP server is down for a while: an `attune worker` process keeps retrying the mail with
backoff, and once the server is back every message arrives, none of them twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from attune.platform.database import Database
from attune.platform.job_model import JobStatus
from tests.conftest import make_settings
from tests.support.mailbox import Mailbox, free_port
from tests.support.outbox import queue_password_notices, until_mail_jobs
from tests.support.processes import attune_environment, attune_processes

pytestmark = [pytest.mark.processes]

MAILS = 20


class TestSmtpServerDown:
    async def test_mail_queued_during_the_outage_is_delivered_once_when_it_is_back(
        self, tmp_path: Path, database_url: str, database: Database
    ) -> None:
        port = free_port()  # nothing listens here until the server "comes back"
        smtp_url = f"smtp://127.0.0.1:{port}"
        settings = make_settings(tmp_path, database_url, smtp_url=smtp_url)
        await queue_password_notices(database, settings, MAILS)
        environment = attune_environment(
            database_url,
            tmp_path / "worker-var",
            smtp_url=smtp_url,
            smtp_timeout_seconds="2",
            job_poll_seconds="0.1",
            job_backoff_seconds="0.2",
            job_backoff_cap_seconds="0.5",
            job_max_attempts="100",
        )
        mailbox = Mailbox()
        with attune_processes(tmp_path / "processes") as processes:
            processes.worker("worker", environment)
            # Every mail has failed and been put back for a retry at least twice.
            failing = await until_mail_jobs(
                database, lambda jobs: all(job.attempts >= 2 for job in jobs)
            )

            server = Controller(mailbox, hostname="127.0.0.1", port=port)
            server.start()
            try:
                jobs = await until_mail_jobs(
                    database,
                    lambda jobs: all(job.status == JobStatus.succeeded for job in jobs),
                )
            finally:
                server.stop()

        assert all(job.status != JobStatus.failed for job in failing)
        assert all(job.last_error for job in failing)
        recipients = Counter(str(message["To"]) for message in mailbox.messages)
        assert recipients == Counter(f"client{number}@example.com" for number in range(MAILS))
        message_ids = Counter(str(message["Message-ID"]) for message in mailbox.messages)
        assert len(message_ids) == MAILS
        assert set(message_ids.values()) == {1}
        assert all(job.attempts >= 3 for job in jobs)
