"""The `send_mail` job: render a queued mail, deliver it, then drop its personal data."""

from __future__ import annotations

from typing import Any

from attune.integrations.smtp import mailer_from_settings
from attune.notifications.mail import SEND_MAIL, compose, unseal
from attune.platform.jobs import JobContext, job_handler


@job_handler(SEND_MAIL)
async def send_mail(context: JobContext, payload: dict[str, Any]) -> None:
    if payload.get("sent"):
        return  # delivered by an earlier attempt that died before it could record success
    mail = unseal(context.settings, payload)
    message = compose(context.settings, mail, context.clock.now())
    await mailer_from_settings(context.settings, context.clock).send(message)
    await context.replace_payload({"sent": True, "template": mail.template})
