"""Account jobs: mailing a requested one-time code, and purging spent credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from attune.accounts.service import SEND_CODE_JOB, account_service
from attune.models import OtpPurpose
from attune.platform.actor import SYSTEM
from attune.platform.jobs import JobContext, JobRegistry
from attune.platform.unit_of_work import UnitOfWork

registry = JobRegistry()


@asynccontextmanager
async def _unit_of_work(context: JobContext) -> AsyncIterator[UnitOfWork]:
    async with context.unit_of_work() as uow:
        yield uow


@registry.job_handler(SEND_CODE_JOB)
async def send_account_code(context: JobContext, payload: dict[str, Any]) -> None:
    email = payload.get("email")
    if email is None:
        return  # already sent on an earlier attempt, which then dropped the address
    purpose = OtpPurpose(payload["purpose"])
    async with _unit_of_work(context) as uow:
        await account_service.send_code(uow, SYSTEM, email, purpose)
    # The address may belong to no one who asked for this; it is not kept in the outbox.
    await context.replace_payload({"purpose": purpose.value})


@registry.periodic("purge_expired_credentials", every=timedelta(hours=1))
async def purge_expired_credentials(context: JobContext, payload: dict[str, Any]) -> None:
    async with _unit_of_work(context) as uow:
        await account_service.purge_expired_credentials(uow, SYSTEM)
