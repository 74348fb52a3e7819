"""The `send_mail` job: render a queued mail, deliver it, then drop its personal data.

Its log line names the job and where the mail went (a file, or the Message-ID the mail server
got), never the recipient or the subject: a subject can carry a session's date, and an address
is personal data; the job's id leads an operator to the rest.
"""

from __future__ import annotations

import logging
from typing import Any

from attune.integrations.smtp import mailer_from_settings
from attune.notifications.mail import SEND_MAIL, compose, unseal
from attune.platform.jobs import JobContext, JobRegistry

logger = logging.getLogger("attune.mail")


registry = JobRegistry()


@registry.job_handler(SEND_MAIL)
async def send_mail(context: JobContext, payload: dict[str, Any]) -> None:
    if payload.get("sent"):
        return  # delivered by an earlier attempt that died before it could record success
    mail = unseal(context.settings, payload)
    message = compose(context.settings, mail, context.clock.now())
    sent_as = await mailer_from_settings(context.settings, context.clock).send(message)
    logger.info("job %d: mail %s", context.job_id, sent_as)
    await context.replace_payload({"sent": True, "template": mail.template})
