"""A worker killed with SIGKILL in the middle of a batch of mail: after a restart every mail is
delivered once. (tests/platform/test_worker_processes.py kills a worker holding a single job;
here the kill also leaves mail that was never claimed, next to the one cut off mid-send.)"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from attune.platform.database import Database
from attune.platform.job_model import JobStatus
from tests.conftest import make_settings
from tests.support.mailbox import Mailbox, free_port
from tests.support.outbox import (
    mail_jobs,
    queue_password_notices,
    until_mail_jobs,
    until_received,
)
from tests.support.processes import attune_environment, attune_processes

pytestmark = [pytest.mark.processes]

MAILS = 12
CUT_OFF = 6  # the mail whose delivery the worker is killed in the middle of
LEASE_SECONDS = 3


@dataclass
class CuttingMailbox(Mailbox):
    """Never answers the CUT_OFF-th message's data, so the worker can be killed mid-send."""

    received: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        if self.received == CUT_OFF:
            await asyncio.Event().wait()  # until the server stops
        return await super().handle_DATA(server, session, envelope)


class TestWorkerKilledMidBatch:
    async def test_after_a_restart_every_mail_is_delivered_once(
        self, tmp_path: Path, database_url: str, database: Database
    ) -> None:
        mailbox = CuttingMailbox()
        port = free_port()
        server = Controller(mailbox, hostname="127.0.0.1", port=port)
        server.start()
        smtp_url = f"smtp://127.0.0.1:{port}"
        settings = make_settings(tmp_path, database_url, smtp_url=smtp_url)
        await queue_password_notices(database, settings, MAILS)
        environment = attune_environment(
            database_url,
            tmp_path / "worker-var",
            smtp_url=smtp_url,
            job_poll_seconds="0.1",
            job_lease_seconds=str(LEASE_SECONDS),
        )
        try:
            with attune_processes(tmp_path / "processes") as processes:
                first = processes.worker("first", environment)
                await until_received(lambda: mailbox.received, CUT_OFF)
                first.kill()
                at_kill = await mail_jobs(database)

                processes.worker("second", environment)
                jobs = await until_mail_jobs(
                    database, lambda jobs: all(job.status == JobStatus.succeeded for job in jobs)
                )
        finally:
            server.stop()

        statuses = Counter(job.status for job in at_kill)
        assert statuses == {
            JobStatus.succeeded: CUT_OFF - 1,
            JobStatus.running: 1,
            JobStatus.queued: MAILS - CUT_OFF,
        }
        recipients = Counter(str(message["To"]) for message in mailbox.messages)
        assert recipients == Counter(f"client{number}@example.com" for number in range(MAILS))
        assert len({str(message["Message-ID"]) for message in mailbox.messages}) == MAILS
        # Only the mail cut off was run twice; the rest once, by one worker or the other.
        assert sorted(job.attempts for job in jobs) == [1] * (MAILS - 1) + [2]
