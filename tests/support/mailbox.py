"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, for tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the server received, in order, parsed as e-mail messages."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    async def wait_for(
        self, address: str, count: int = 1, within: float = 10.0
    ) -> list[EmailMessage]:
        # The server runs its own event loop in a thread, so poll rather than share an Event.
        async with asyncio.timeout(within):
            while len(self.to(address)) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        return self.to(address)

    def clear(self) -> None:
        self.messages.clear()


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text/plain part"
    content: str = part.get_content()
    return content


_SESSION_TIME = re.compile(r"(\w+day \d{1,2} \w+ \d{4}), (\d\d:\d\d)–")


def session_time(message: EmailMessage) -> str:
    """When the session or appointment a mail is about starts, as its body writes it
    ("Monday 30 March 2026 at 12:00"): subjects leave the time out."""
    match = _SESSION_TIME.search(text_body(message))
    assert match, "no session time in the message"
    return f"{match.group(1)} at {match.group(2)}"


def described(message: EmailMessage) -> str:
    """The subject, and the time the mail is about: "Your session has moved (Tuesday ...)"."""
    return f"{message['Subject']} ({session_time(message)})"


def otp_from(message: EmailMessage) -> str:
    match = re.search(r"\b(\d{6})\b", text_body(message))
    assert match, "no six-digit code in the message"
    return match.group(1)


class SmtpServer:
    def __init__(self, **smtp_options: Any) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, **smtp_options
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
