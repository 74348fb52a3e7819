"""Mail in the outbox for tests of `attune worker` processes: queued straight into the
database, and watched there, since another process does the sending."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import select

from attune.notifications.mail import SEND_MAIL, queue_mail
from attune.platform.database import Database
from attune.platform.job_model import Job
from attune.platform.settings import Settings

WAIT_SECONDS = 60


async def queue_password_notices(database: Database, settings: Settings, count: int) -> None:
    """`count` mails, to client0@example.com onwards, each under an idempotency key."""
    async with database.transaction() as session:
        for number in range(count):
            await queue_mail(
                session,
                settings,
                to=f"client{number}@example.com",
                template="password_changed",
                context={"first_name": f"Client {number}"},
                key=f"password_changed:{number}",
            )


async def mail_jobs(database: Database) -> list[Job]:
    async with database.transaction(write=False) as session:
        jobs = await session.scalars(select(Job).where(Job.kind == SEND_MAIL).order_by(Job.id))
        return list(jobs.all())


async def until_mail_jobs(database: Database, done: Callable[[list[Job]], bool]) -> list[Job]:
    """The mail jobs, once `done` holds for them (polled: a worker process moves them)."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not done(jobs := await mail_jobs(database)):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return jobs


async def until_received(count: Callable[[], int], at_least: int) -> None:
    """Until an SMTP server has seen `at_least` of something; it runs in its own thread and
    loop, so an asyncio.Event could not wake this one."""
    async with asyncio.timeout(WAIT_SECONDS):
        while count() < at_least:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
