"""The SMTP client against a real server: plain, STARTTLS, implicit TLS, AUTH; URL parsing."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from attune.integrations.smtp import SmtpEndpoint, SmtpMailer
from attune.platform.settings import ConfigurationError
from tests.support.mailbox import SmtpServer, text_body

USER, PASSWORD = "practice", "s3cret/pass@word"


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1, and the server side's TLS context."""

    path: Path
    server_context: ssl.SSLContext


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attune-test-smtp")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return Certificate(cert_path, context)


def check_login(
    _server: Any, _session: Any, _envelope: Any, _mechanism: str, auth_data: Any
) -> AuthResult:
    accepted = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    # handled=False: the server answers 535 itself.
    return AuthResult(success=accepted, handled=False)


def running(server: SmtpServer) -> Iterator[SmtpServer]:
    server.start()
    yield server
    server.stop()


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[SmtpServer]:
    yield from running(SmtpServer(tls_context=certificate.server_context, require_starttls=True))


@pytest.fixture
def implicit_tls_server(certificate: Certificate) -> Iterator[SmtpServer]:
    yield from running(SmtpServer(ssl_context=certificate.server_context))


@pytest.fixture
def login_server(certificate: Certificate) -> Iterator[SmtpServer]:
    yield from running(
        SmtpServer(
            tls_context=certificate.server_context,
            require_starttls=True,
            authenticator=check_login,
            auth_required=True,
        )
    )


async def tls_connections_closed() -> None:
    """Let a refused TLS connection finish closing before the test's event loop ends.

    The client closes it when the server refuses, but TLS closes in a few round trips (the
    close_notify exchange) on the event loop; a loop torn down first leaks the socket.
    """
    await asyncio.sleep(0.2)


def message(to: str = "ada@example.com") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Attune <no-reply@localhost>"
    mail["To"] = to
    mail["Subject"] = "Your session tomorrow"
    mail.set_content("See you at 10:00.")
    return mail


def mailer(url: str, ca_file: Path | None = None) -> SmtpMailer:
    return SmtpMailer(SmtpEndpoint.from_url(url), timeout=5, ca_file=ca_file)


def credentials() -> str:
    # Reserved characters in a password are percent-encoded in the URL.
    return f"{USER}:{PASSWORD.replace('/', '%2F').replace('@', '%40')}"


class TestDelivery:
    async def test_plain_smtp(self, smtp_server: SmtpServer) -> None:
        await mailer(smtp_server.url).send(message())

        [received] = smtp_server.mailbox.to("ada@example.com")
        assert text_body(received).strip() == "See you at 10:00."

    async def test_starttls(self, starttls_server: SmtpServer, certificate: Certificate) -> None:
        await mailer(f"{starttls_server.url}?starttls=true", certificate.path).send(message())

        assert len(starttls_server.mailbox.to("ada@example.com")) == 1

    async def test_implicit_tls(
        self, implicit_tls_server: SmtpServer, certificate: Certificate
    ) -> None:
        url = f"smtps://127.0.0.1:{implicit_tls_server.port}"
        await mailer(url, certificate.path).send(message())

        assert len(implicit_tls_server.mailbox.to("ada@example.com")) == 1

    async def test_an_untrusted_certificate_is_refused(self, starttls_server: SmtpServer) -> None:
        with pytest.raises(ssl.SSLCertVerificationError):
            await mailer(f"{starttls_server.url}?starttls=true").send(message())

        assert starttls_server.mailbox.messages == []

    async def test_login_with_the_credentials_of_the_url(
        self, login_server: SmtpServer, certificate: Certificate
    ) -> None:
        url = f"smtp://{credentials()}@127.0.0.1:{login_server.port}?starttls=true"
        await mailer(url, certificate.path).send(message())

        assert len(login_server.mailbox.to("ada@example.com")) == 1

    async def test_a_wrong_password_is_refused_without_showing_it(
        self, login_server: SmtpServer, certificate: Certificate
    ) -> None:
        url = f"smtp://{USER}:wrong-horse@127.0.0.1:{login_server.port}?starttls=true"
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
            await mailer(url, certificate.path).send(message())
        await tls_connections_closed()

        assert "wrong-horse" not in str(refused.value)
        assert login_server.mailbox.messages == []


class TestUrl:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("smtp://mail.example.com", SmtpEndpoint("mail.example.com", 25)),
            ("smtp://mail.example.com:2525", SmtpEndpoint("mail.example.com", 2525)),
            (
                "smtp://mail.example.com?starttls=true",
                SmtpEndpoint("mail.example.com", 587, starttls=True),
            ),
            ("smtps://mail.example.com", SmtpEndpoint("mail.example.com", 465, implicit_tls=True)),
            (
                f"smtps://{credentials()}@mail.example.com:1465",
                SmtpEndpoint("mail.example.com", 1465, True, False, USER, PASSWORD),
            ),
        ],
    )
    def test_forms(self, url: str, expected: SmtpEndpoint) -> None:
        assert SmtpEndpoint.from_url(url) == expected

    def test_the_password_is_not_in_the_representation(self) -> None:
        endpoint = SmtpEndpoint.from_url(f"smtp://{credentials()}@mail.example.com")
        assert PASSWORD not in repr(endpoint)

    @pytest.mark.parametrize(
        "url",
        [
            f"http://{credentials()}@mail.example.com",
            f"smtps://{credentials()}@mail.example.com?starttls=true",
            "smtp://",
        ],
    )
    def test_a_wrong_url_is_refused_without_showing_the_password(self, url: str) -> None:
        with pytest.raises(ConfigurationError) as refused:
            SmtpEndpoint.from_url(url)

        assert "s3cret" not in str(refused.value)
