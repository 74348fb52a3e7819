"""Delivering a finished e-mail message: over SMTP (aiosmtplib), or into files when none is set.

`ATTUNE_SMTP_URL` forms: `smtp://host:port` (plain), `smtp://host:port?starttls=true`,
`smtps://host:port` (implicit TLS), each optionally with `user:password@` for AUTH. Nothing
here knows what a message is about; the password never reaches a log line or an error text.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from attune.platform.clock import Clock
from attune.platform.settings import ConfigurationError, Settings

_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_STARTTLS_DEFAULT_PORT = 587
_TRUE = {"1", "true", "yes", "on"}


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> str:
        """Deliver the message; returns where it went, for the log: a file's name or the
        unique part of its Message-ID, never an address or a subject."""
        ...


@dataclass(frozen=True)
class SmtpEndpoint:
    """Where and how to deliver, parsed from an SMTP URL."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpEndpoint:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            # The URL may carry a password: name only the parts that are wrong.
            raise ConfigurationError(
                "ATTUNE_SMTP_URL must look like smtp://host:port, smtp://host:port?starttls=true "
                f"or smtps://host:port (got scheme {parts.scheme!r})"
            )
        starttls = parse_qs(parts.query).get("starttls", ["false"])[-1].lower() in _TRUE
        if starttls and parts.scheme == "smtps":
            raise ConfigurationError("ATTUNE_SMTP_URL: smtps:// is already TLS, drop starttls")
        default_port = _STARTTLS_DEFAULT_PORT if starttls else _DEFAULT_PORTS[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            implicit_tls=parts.scheme == "smtps",
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpMailer:
    """One SMTP connection per message; `ca_file` trusts a private CA (tests, internal relays)."""

    def __init__(
        self, server: SmtpEndpoint, *, timeout: float, ca_file: Path | None = None
    ) -> None:
        self.server = server
        self.timeout = timeout
        self.ca_file = ca_file

    async def send(self, message: EmailMessage) -> str:
        await aiosmtplib.send(
            message,
            hostname=self.server.host,
            port=self.server.port,
            username=self.server.username,
            password=self.server.password,
            use_tls=self.server.implicit_tls,
            start_tls=self.server.starttls,
            timeout=self.timeout,
            cert_bundle=str(self.ca_file) if self.ca_file else None,
        )
        # The part before "@": a Message-ID has an address's shape, and the log masks those.
        return "sent as message " + str(message["Message-ID"]).strip("<>").partition("@")[0]


class FileMailer:
    """Writes each message to `<directory>/<timestamp>-<id>.eml`, for a machine without SMTP."""

    def __init__(self, directory: Path, clock: Clock) -> None:
        self.directory = directory
        self.clock = clock

    async def send(self, message: EmailMessage) -> str:
        stamp = self.clock.now().strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{secrets.token_hex(4)}.eml"
        await asyncio.to_thread(_write_private, path, message.as_bytes(policy=SMTP_POLICY))
        return f"written to {path.name}"


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def mailer_from_settings(settings: Settings, clock: Clock) -> Mailer:
    if settings.smtp_url is None:
        return FileMailer(settings.mail_dir, clock)
    server = SmtpEndpoint.from_url(settings.smtp_url.get_secret_value())
    return SmtpMailer(server, timeout=settings.smtp_timeout_seconds)
