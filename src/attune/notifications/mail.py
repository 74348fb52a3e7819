"""E-mail to clients: rendered from templates and sent through the outbox (docs/architecture.md,
"The outbox and the worker").

`queue_mail` writes a `send_mail` job in the caller's transaction. The job's payload holds
personal data and sometimes a one-time code, so it is stored encrypted and scrubbed once the
mail is sent (attune.notifications.jobs). A template is a folder under `templates/` with
`subject.txt`, `body.txt` and `body.html`; each body extends the layout that carries the
practice's name.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from attune.notifications.calendar import CalendarEvent, ical
from attune.platform.crypto import Encryptor, keyed_hash
from attune.platform.jobs import NewJob, enqueue_all
from attune.platform.settings import Settings

SEND_MAIL = "send_mail"

_templates = Environment(
    loader=PackageLoader("attune.notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str  # with parameters, e.g. "text/calendar; method=REQUEST"
    data: bytes | str

    def __post_init__(self) -> None:
        _parse_content_type(self.content_type)  # refuse a malformed type when queued, not sent

    @property
    def content(self) -> bytes:
        return self.data.encode() if isinstance(self.data, str) else self.data


# What a mail may carry: a file, or a calendar event that is written out when it is sent.
Attachment = MailAttachment | CalendarEvent


def attached(settings: Settings, item: Attachment) -> MailAttachment:
    """The attachment as the mail carries it, a calendar event written out."""
    if isinstance(item, MailAttachment):
        return item
    return MailAttachment(item.filename, item.content_type, ical(settings, item))


@dataclass(frozen=True)
class Mail:
    """One e-mail as its job carries it, before it is rendered."""

    to: str
    template: str
    context: dict[str, Any]
    message_id: str
    attachments: tuple[Attachment, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "template": self.template,
            "context": self.context,
            "message_id": self.message_id,
            "attachments": [_attachment_json(item) for item in self.attachments],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mail:
        attachments = tuple(_attachment_of_json(item) for item in data["attachments"])
        return cls(data["to"], data["template"], data["context"], data["message_id"], attachments)


def _attachment_json(item: Attachment) -> dict[str, Any]:
    if isinstance(item, CalendarEvent):
        return {"calendar_event": item.to_json()}
    return {
        "filename": item.filename,
        "content_type": item.content_type,
        "data": base64.b64encode(item.content).decode(),
    }


def _attachment_of_json(item: dict[str, Any]) -> Attachment:
    if "calendar_event" in item:
        return CalendarEvent.from_json(item["calendar_event"])
    return MailAttachment(item["filename"], item["content_type"], base64.b64decode(item["data"]))


@dataclass(frozen=True)
class OutgoingMail:
    """A mail to queue (`queue_mails`): `context` fills its template; a `key` already queued
    keeps it from being queued again."""

    to: str
    template: str
    context: dict[str, Any]
    key: str | None = None
    attachments: Sequence[Attachment] = ()


async def queue_mail(
    session: AsyncSession,
    settings: Settings,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    key: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Queue a mail in the caller's transaction; a `key` already queued makes this do nothing."""
    await queue_mails(session, settings, [OutgoingMail(to, template, context, key, attachments)])


async def queue_mails(
    session: AsyncSession, settings: Settings, mails: Sequence[OutgoingMail]
) -> None:
    """Queue mails in the caller's transaction, in one statement; each whose `key` is already
    queued is left out.

    A key is stored as `mail:<key>`, so it cannot collide with another kind of job's key.
    """
    await enqueue_all(session, [_job_of(settings, mail) for mail in mails])


def _job_of(settings: Settings, outgoing: OutgoingMail) -> NewJob:
    template, key = outgoing.template, outgoing.key
    _templates.get_template(f"{template}/subject.txt")  # an unknown template fails here, not later
    mail = Mail(
        to=outgoing.to,
        template=template,
        context=dict(outgoing.context),
        message_id=_message_id(settings, key),
        attachments=tuple(outgoing.attachments),
    )
    return NewJob(SEND_MAIL, seal(settings, mail), key=None if key is None else f"mail:{key}")


def seal(settings: Settings, mail: Mail) -> dict[str, Any]:
    """The job payload: the template name in clear (for the admin), everything else encrypted."""
    sealed = Encryptor.from_settings(settings).encrypt(json.dumps(mail.to_json()))
    return {"template": mail.template, "sealed": sealed}


def unseal(settings: Settings, payload: dict[str, Any]) -> Mail:
    data: dict[str, Any] = json.loads(Encryptor.from_settings(settings).decrypt(payload["sealed"]))
    return Mail.from_json(data)


def compose(settings: Settings, mail: Mail, now: datetime) -> EmailMessage:
    values = {**mail.context, "practice_name": settings.practice_name}
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = mail.to
    # One line, whatever the template's whitespace.
    message["Subject"] = " ".join(_render(mail.template, "subject.txt", values).split())
    message["Date"] = format_datetime(now)
    message["Message-ID"] = mail.message_id
    message.set_content(_render(mail.template, "body.txt", values))
    message.add_alternative(_render(mail.template, "body.html", values), subtype="html")
    for attachment in mail.attachments:
        _attach(message, attached(settings, attachment))
    return message


def _render(template: str, part: str, values: dict[str, Any]) -> str:
    return _templates.get_template(f"{template}/{part}").render(values)


def _parse_content_type(value: str) -> tuple[str, str, dict[str, str]]:
    kind, *parameters = (item.strip() for item in value.split(";"))
    maintype, _, subtype = kind.partition("/")
    if not maintype or not subtype:
        raise ValueError(f"content type {value!r} is not type/subtype")
    params = {}
    for parameter in parameters:
        name, _, setting = parameter.partition("=")
        params[name.strip()] = setting.strip().strip('"')
    return maintype, subtype, params


def _attach(message: EmailMessage, attachment: MailAttachment) -> None:
    maintype, subtype, params = _parse_content_type(attachment.content_type)
    if maintype == "text":
        message.add_attachment(
            attachment.content.decode(),
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    else:
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )


def _message_id(settings: Settings, key: str | None) -> str:
    """The same for every attempt of a job, so a repeat is recognisable as one.

    Derived from the key with this installation's secret, so two practices that send from
    one domain never share an id (mail clients drop a second message with a known id).
    """
    token = (
        keyed_hash(settings.derived_key("message-id"), key)[:32]
        if key is not None
        else secrets.token_hex(16)
    )
    domain = parseaddr(settings.email_from)[1].rpartition("@")[2] or "localhost"
    return f"<{token}@{domain}>"
