"""Account jobs: mailing a requested one-time code, and purging spent credentials."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from attune.accounts import repository, throttle
from attune.accounts.service import SEND_CODE_JOB, account_service
from attune.models import OtpPurpose
from attune.platform.jobs import JobContext, JobRegistry

registry = JobRegistry()


@registry.job_handler(SEND_CODE_JOB)
async def send_account_code(context: JobContext, payload: dict[str, Any]) -> None:
    email = payload.get("email")
    if email is None:
        return  # already sent on an earlier attempt, which then dropped the address
    purpose = OtpPurpose(payload["purpose"])
    async with context.database.transaction() as session:
        await account_service.send_code(
            session, context.settings, email, purpose, context.clock.now()
        )
    # The address may belong to no one who asked for this; it is not kept in the outbox.
    await context.replace_payload({"purpose": purpose.value})


@registry.periodic("purge_expired_credentials", every=timedelta(hours=1))
async def purge_expired_credentials(context: JobContext, payload: dict[str, Any]) -> None:
    now = context.clock.now()
    oldest_live_access = now - timedelta(minutes=context.settings.access_token_minutes)
    async with context.database.transaction() as session:
        await repository.purge_expired_credentials(
            session,
            now=now,
            access_tokens_issued_before=oldest_live_access,
            throttles_untouched_since=now - throttle.FORGOTTEN_AFTER,
        )
