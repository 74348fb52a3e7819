"""Real `attune worker` processes on one PostgreSQL outbox: exactly once, and after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
from aiosmtpd.controller import Controller

from attune.platform.database import Database
from attune.platform.job_model import Job, JobStatus
from tests.conftest import TEST_SECRET, make_settings
from tests.support.mailbox import Mailbox, free_port, text_body
from tests.support.outbox import (
    WAIT_SECONDS,
    mail_jobs,
    queue_password_notices,
    until_mail_jobs,
)

pytestmark = [pytest.mark.postgres, pytest.mark.processes]

LEASE_SECONDS = 3


@dataclass
class SlowMailbox(Mailbox):
    """Takes a moment over each message, so that every worker gets a share of the queue."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class StallingMailbox(Mailbox):
    """Never answers the first EHLO, so that a worker can be killed in the middle of a send."""

    stalls: int = 0

    async def handle_EHLO(
        self, _server: Any, session: Any, _envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.stalls += 1
        if self.stalls == 1:
            await asyncio.Event().wait()  # until the server stops
        session.host_name = hostname  # a handler that answers EHLO records the greeting itself
        return responses


@dataclass
class HesitantMailbox(Mailbox):
    """Takes a second to answer the first EHLO: long enough to stop a worker mid-send."""

    stalls: int = 0

    async def handle_EHLO(
        self, _server: Any, session: Any, _envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.stalls += 1
        if self.stalls == 1:
            await asyncio.sleep(1)
        session.host_name = hostname
        return responses


@contextlib.contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[str]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@dataclass
class Workers:
    """Starts `attune worker` processes with one configuration; kills what is left at the end."""

    environment: dict[str, str]
    directory: Path
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    async def start(self) -> asyncio.subprocess.Process:
        log = open_log(self.directory / f"worker-{len(self.processes)}.log")
        self.logs.append(log)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "attune", "worker",
            env=self.environment, cwd=self.directory, stdout=log, stderr=log,
        )  # fmt: skip
        self.processes.append(process)
        return process

    async def kill_all(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        for log in self.logs:
            log.close()


def open_log(path: Path) -> IO[bytes]:
    return path.open("wb")


@contextlib.asynccontextmanager
async def workers(tmp_path: Path, database_url: str, smtp_url: str) -> AsyncIterator[Workers]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ATTUNE_")}
    environment.update(
        ATTUNE_ENV="test",
        ATTUNE_VAR_DIR=str(tmp_path / "worker-var"),
        ATTUNE_DATABASE_URL=database_url,
        ATTUNE_SMTP_URL=smtp_url,
        ATTUNE_SECRET_KEY=TEST_SECRET,
        ATTUNE_JOB_POLL_SECONDS="0.1",
        ATTUNE_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        ATTUNE_LOG_LEVEL="WARNING",
    )
    started = Workers(environment, tmp_path)
    try:
        yield started
    finally:
        await started.kill_all()


async def until_sent(database: Database, count: int) -> list[Job]:
    return await until_mail_jobs(
        database, lambda jobs: sum(job.status == JobStatus.succeeded for job in jobs) >= count
    )


async def until_stalled(mailbox: StallingMailbox | HesitantMailbox) -> None:
    # The server runs in its own thread and loop: an asyncio.Event could not wake this one.
    async with asyncio.timeout(WAIT_SECONDS):
        while mailbox.stalls == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


class TestTwoWorkers:
    async def test_every_one_of_200_mails_is_sent_exactly_once(
        self, tmp_path: Path, postgres_url: str, database: Database
    ) -> None:
        mailbox = SlowMailbox()
        with smtp_server(mailbox) as smtp_url:
            settings = make_settings(tmp_path, postgres_url, smtp_url=smtp_url)
            await queue_password_notices(database, settings, 200)
            async with workers(tmp_path, postgres_url, smtp_url) as started:
                await started.start()
                await started.start()
                jobs = await until_sent(database, 200)

        recipients = [str(message["To"]) for message in mailbox.messages]
        assert sorted(recipients) == sorted(f"client{n}@example.com" for n in range(200))
        assert len({message["Message-ID"] for message in mailbox.messages}) == 200
        assert all(job.attempts == 1 for job in jobs)
        # Both processes took a share; neither waited for the other.
        assert len({job.locked_by for job in jobs}) == 2


class TestCrash:
    async def test_a_mail_cut_off_by_a_killed_worker_arrives_once_after_restart(
        self, tmp_path: Path, postgres_url: str, database: Database
    ) -> None:
        mailbox = StallingMailbox()
        with smtp_server(mailbox) as smtp_url:
            settings = make_settings(tmp_path, postgres_url, smtp_url=smtp_url)
            await queue_password_notices(database, settings, 1)
            async with workers(tmp_path, postgres_url, smtp_url) as started:
                first = await started.start()
                await until_stalled(mailbox)
                first.send_signal(signal.SIGKILL)
                await first.wait()
                [job] = await mail_jobs(database)
                assert (job.status, job.attempts) == (JobStatus.running, 1)

                await started.start()
                [job] = await until_sent(database, 1)

        [message] = mailbox.to("client0@example.com")
        assert "Client 0" in text_body(message)
        assert job.attempts == 2
        assert mailbox.stalls == 2


class TestGracefulStop:
    async def test_sigterm_lets_the_running_mail_finish_and_exits_cleanly(
        self, tmp_path: Path, postgres_url: str, database: Database
    ) -> None:
        mailbox = HesitantMailbox()
        with smtp_server(mailbox) as smtp_url:
            settings = make_settings(tmp_path, postgres_url, smtp_url=smtp_url)
            await queue_password_notices(database, settings, 2)
            async with workers(tmp_path, postgres_url, smtp_url) as started:
                worker = await started.start()
                await until_stalled(mailbox)
                worker.send_signal(signal.SIGTERM)
                async with asyncio.timeout(WAIT_SECONDS):
                    exit_code = await worker.wait()
                jobs = await mail_jobs(database)

        assert exit_code == 0
        # The mail it was sending went out once; it claimed nothing after the signal.
        assert len(mailbox.messages) == 1
        assert sorted(job.status for job in jobs) == [JobStatus.queued, JobStatus.succeeded]
        assert all(job.attempts <= 1 for job in jobs)
