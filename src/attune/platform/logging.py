"""Structured logs: one JSON object a line (`ATTUNE_LOG_FORMAT=json`) or readable text.

Every line carries the request id of the request that caused it, when there is one. Redaction
masks tokens, passwords, codes and e-mail addresses as a last line of defence: code should
never log them, but a log line that reaches a file is hard to take back. It runs on every
record as it is made, whichever logger makes it (the service's, uvicorn's, SQLAlchemy's,
Stripe's...) and whichever handler writes it, so a library that writes through a handler of its
own is masked too. Names and reasons cannot be recognised by a pattern: they are never logged,
and the libraries that would log SQL with its parameters and rows are kept at WARNING even when
the service logs at DEBUG.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from attune.platform.settings import LogFormat, Settings

_request_id: ContextVar[str | None] = ContextVar("attune_request_id", default=None)

REDACTED = "[redacted]"
_SENSITIVE_WORDS = ("password", "passwd", "otp", "token", "secret", "authorization", "api_key")
_JWT = re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.+-]+@localhost\b")
_SENSITIVE_VALUE = re.compile(
    r"""(?ix)
    ( ["']? \w*(?:password|passwd|otp|token|secret|api_key)\w* ["']? \s* [:=] \s* )
    (?!\[redacted\])  # already masked: redacting is idempotent
    ( "[^"]*" | '[^']*' | [^\s,;&})\]"']+ )
    """
)
# Their DEBUG (and, for SQLAlchemy's engine, INFO) lines carry SQL parameters and result rows,
# that is personal data: a debug log is not to become a copy of the database.
_DATA_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    """Tag every line logged inside the block, and in what it awaits, with this request id."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def redact(text: str) -> str:
    # Most lines (an access log line, say) hold nothing to mask: a look for what every pattern
    # needs is far cheaper than running the patterns, and the access log runs on each request.
    lowered = text.lower()
    if (
        "eyJ" not in text
        and "@" not in text
        and "bearer" not in lowered
        and not _mentions_sensitive(lowered)
    ):
        return text
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda match: match.group(1) + REDACTED, text)
    text = _EMAIL.sub(REDACTED, text)
    return _SENSITIVE_VALUE.sub(lambda match: match.group(1) + REDACTED, text)


def _mentions_sensitive(lowered: str) -> bool:
    return any(word in lowered for word in _SENSITIVE_WORDS)


def _is_sensitive_name(name: str) -> bool:
    return _mentions_sensitive(name.lower())


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None and (request_id := current_request_id()):
            record.request_id = request_id
        return True


class RedactionFilter(logging.Filter):
    """Masks JWTs, bearer tokens, e-mail addresses and password/otp/token/secret values in
    messages, extras and tracebacks (formatted here once; formatters reuse `exc_text`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _REDACTED_AT_CREATION, False):
            # The message, stack and traceback were masked as the record was made; only the
            # `extra=` fields came after.
            _redact_extras(record)
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A call with arguments that do not fit its format: let the handler report it.
            return True
        record.msg, record.args = redact(message), None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        _redact_extras(record)
        # Another handler may have formatted (and cached) the traceback before this one.
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _redact_extras(record: logging.LogRecord) -> None:
    for key, value in _extras(record).items():
        if _is_sensitive_name(key):
            setattr(record, key, REDACTED)
        elif isinstance(value, str):
            setattr(record, key, redact(value))


# Set on a record masked as it was made (`_redacted_record`), so the handler's filter does not
# mask its message a second time on each line (the access log writes one per request).
_REDACTED_AT_CREATION = "_attune_redacted"
_TRACEBACKS = logging.Formatter()
_REDACTION = RedactionFilter()
_plain_record_factory = logging.getLogRecordFactory()


def _redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every record of every logger, redacted as it is made (`extra=` fields are added after
    this; the service's handler redacts those)."""
    record = _plain_record_factory(*args, **kwargs)
    _REDACTION.filter(record)
    setattr(record, _REDACTED_AT_CREATION, True)
    return record


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update(_extras(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            defaults={"request_id": "-"},
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class _AttuneHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so configuring again replaces it."""


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """Send every log line through one handler with the configured format; safe to call again.

    `stream` defaults to standard error; tests pass a buffer to read what was logged.
    """
    handler = _AttuneHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter() if settings.log_format is LogFormat.json else TextFormatter()
    )
    # Handler filters, not logger filters: they also see records propagated from child loggers.
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactionFilter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _AttuneHandler)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    logging.setLogRecordFactory(_redacted_record)
    for name in _DATA_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
