"""Every setting of the service, read from `ATTUNE_*` variables and `.env` (docs/architecture.md,
"Settings").

Each setting has a default that works on one machine with nothing configured. Secrets are the
exception in production: `ATTUNE_ENV=production` refuses to start with a development secret.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import os
import secrets
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    development = "development"
    production = "production"
    test = "test"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class ConfigurationError(Exception):
    """A setting that cannot work; the service refuses to start."""


def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ATTUNE_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.development
    var_dir: Path = Path("./var")

    database_url: str = ""
    redis_url: str | None = None
    secret_key: SecretStr | None = None

    # The address clients reach the service at (`https://attune.example`), for the absolute
    # URLs of `GET /api/` and the join links in mail and calendar entries; unset, that
    # catalogue gives paths and the links use http://<host>:<port>. Never taken from a request.
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    run_worker: bool = True

    smtp_url: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    email_from: str = "Attune <no-reply@localhost>"

    practice_name: str = "Attune Heart Therapy"
    practice_timezone: str = "UTC"
    # Where in-person sessions are held, in their mail and calendar entries (a slot may name
    # a room instead).
    practice_address: str | None = None
    # The price of the practice's first service ("Session") for 60 minutes, and of every
    # service that sets no price of its own.
    session_price_cents: int = Field(default=10000, ge=0)
    currency: str = "usd"
    # False: sessions are not paid through Attune, and a booking's meeting link needs no
    # payment (it still comes only inside the join window).
    payments_enabled: bool = True
    # An unpaid booking holds its seat this long; then the hold sweep cancels it.
    payment_hold_minutes: int = Field(default=30, ge=1)
    # How many unpaid bookings a client may hold at once: without a cap, one account could
    # hold every free seat for the length of a hold, again and again.
    max_unpaid_bookings: int = Field(default=3, ge=1)
    # How long each process may answer its public reads from memory (platform.read_cache).
    availability_cache_seconds: float = Field(default=1.0, ge=0, le=60)

    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    # The key Stripe.js is loaded with on the payment page (`pk_live_…`); public by design.
    stripe_publishable_key: str | None = None
    stripe_api_base: str | None = None

    jitsi_base_url: str = "https://meet.jit.si"
    jitsi_app_id: str | None = None
    jitsi_app_secret: SecretStr | None = None

    encryption_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)

    require_email_verification: bool = True
    rate_limits: bool = True
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    metrics_token: SecretStr | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)

    access_token_minutes: int = Field(default=24 * 60, ge=1)
    refresh_token_days: int = Field(default=30, ge=1)
    # A signed-in page session ends after this long without a request, and after
    # web_session_hours whatever happens.
    web_session_idle_minutes: int = Field(default=60, ge=1)
    web_session_hours: int = Field(default=12, ge=1)
    cancel_notice_hours: int = Field(default=24, ge=0)
    # No booking that starts sooner than this (a service may set its own). 0 keeps the seeds'
    # rule: any slot that has not started can be booked.
    booking_notice_hours: int = Field(default=0, ge=0, le=24 * 90)
    # Time a therapist keeps free between a booked session and the next (a service may set its
    # own): slots closer than this to a booked one are not offered.
    buffer_minutes: int = Field(default=0, ge=0, le=240)
    reschedule_notice_hours: int = Field(default=2, ge=0)
    # A booking its client moves inside the cancellation notice stays a late one: cancelling
    # it later refunds nothing by the client's action. False lets a moved booking start afresh.
    late_move_stays_late: bool = True

    otp_minutes: int = Field(default=10, ge=1)
    otp_max_attempts: int = Field(default=5, ge=1)
    otp_resend_seconds: int = Field(default=60, ge=0)
    # Wrong codes an address may try within an hour before it is locked (accounts/throttle.py);
    # OWASP ASVS 2.2.1 allows at most 100.
    otp_max_failures: int = Field(default=10, ge=1, le=100)
    # The first lock; each further one lasts twice as long, up to a day.
    otp_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)

    # Argon2id cost; the defaults are RFC 9106's low-memory profile. Tests lower them.
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65536, ge=8)

    job_poll_seconds: float = Field(default=1.0, gt=0)
    job_lease_seconds: int = Field(default=300, ge=1)
    job_timeout_seconds: float = Field(default=120.0, gt=0)
    job_max_attempts: int = Field(default=8, ge=1)
    job_backoff_seconds: float = Field(default=5.0, gt=0)
    job_backoff_cap_seconds: float = Field(default=3600.0, gt=0)

    log_format: LogFormat = LogFormat.text
    log_level: str = "INFO"

    @field_validator("encryption_keys", "trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _comma_separated(value)

    @field_validator("practice_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: list[SecretStr]) -> list[SecretStr]:
        for position, key in enumerate(value, start=1):
            try:
                Fernet(key.get_secret_value())
            except ValueError as error:
                # The key itself stays out of the message: it is a secret.
                raise ValueError(
                    f"encryption key {position} is not a Fernet key (32 url-safe base64 bytes)"
                ) from error
        return value

    @field_validator("currency")
    @classmethod
    def _lower_currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("currency must be a three-letter ISO 4217 code")
        return value.lower()

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("must be an http(s) URL with a host, e.g. https://attune.example")
        if parsed.query or parsed.fragment or parsed.username or parsed.password:
            raise ValueError("must be scheme, host, port and path only")
        return value.rstrip("/")

    @field_validator("jitsi_base_url")
    @classmethod
    def _jitsi_url(cls, value: str) -> str:
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("must be an http(s) URL with a host, e.g. https://meet.jit.si")
        # Jitsi serves rooms at /<room> or, on a server with tenants, /<tenant>/<room>.
        if "/" in parsed.path.strip("/"):
            raise ValueError(
                "must be the server's URL with at most one path segment, its tenant, "
                "e.g. https://meet.example.org/tenant1"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _jitsi_tokens(self) -> Settings:
        # One without the other would quietly hand out links without tokens.
        has_secret = bool(self.jitsi_app_secret and self.jitsi_app_secret.get_secret_value())
        if bool(self.jitsi_app_id) != has_secret:
            raise ValueError("ATTUNE_JITSI_APP_ID and ATTUNE_JITSI_APP_SECRET must be set together")
        return self

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.env is Environment.production:
            key = self.secret_key.get_secret_value() if self.secret_key else ""
            if len(key) < MIN_SECRET_LENGTH or key.startswith("dev"):
                raise ConfigurationError(
                    "ATTUNE_SECRET_KEY must be set to a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters when ATTUNE_ENV=production"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'attune.db'}"

    @property
    def public_base_url(self) -> str:
        """Where people reach the service, without a trailing slash, for links that must be
        absolute (a mail's)."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.practice_timezone)

    @property
    def payments_required(self) -> bool:
        """Whether a booking must be paid before its meeting link is released."""
        return self.payments_enabled and self.session_price_cents > 0

    @property
    def payments_demo(self) -> bool:
        """No Stripe key: payments run in an offline demo mode, labelled in every response."""
        return self.stripe_secret_key is None

    @property
    def jitsi_tokens(self) -> bool:
        """Whether the Jitsi server admits only participants with a join token (a JWT)."""
        return bool(self.jitsi_app_id)

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(item, strict=False) for item in self.trusted_proxies]

    @cached_property
    def secret(self) -> bytes:
        """The signing secret: the configured one, or one generated once and kept in var/."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.var_dir / "secret_key"
        if not path.exists():
            # Written aside and linked into place, so processes starting together agree on one.
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".secret_key.{os.getpid()}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        return path.read_text().strip().encode()

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose, so no two uses share a key."""
        return hashlib.sha256(b"attune:" + purpose.encode() + b":" + self.secret).digest()

    @cached_property
    def fernet_keys(self) -> list[bytes]:
        """Fernet keys, newest first; derived from the secret when none are configured."""
        if self.encryption_keys:
            return [key.get_secret_value().encode() for key in self.encryption_keys]
        return [base64.urlsafe_b64encode(self.derived_key("fernet"))]


def describe_invalid_settings(error: ValidationError) -> str:
    """Which settings are wrong and why, without their values: some of them are secrets."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        name = "ATTUNE_" + "_".join(str(part) for part in item["loc"] if isinstance(part, str))
        problems.append(f"{name.upper()}: {item['msg']}")
    return "; ".join(problems)


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
