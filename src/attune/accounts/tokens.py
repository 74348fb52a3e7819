"""Access tokens (JWT, HS256) and refresh tokens (opaque, stored only as a keyed hash).

An access token names its user (`sub`), its login (`sid`, the AuthSession) and itself (`jti`),
so logout and refresh-token reuse can revoke it before it expires. Expiry is checked against
the caller's `now`, not the wall clock, so time rules can be tested with a frozen clock.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from attune.platform.auth import InvalidToken
from attune.platform.crypto import keyed_hash
from attune.platform.fields import HORIZON, MAX_ID
from attune.platform.settings import Settings

ALGORITHM = "HS256"
ISSUER = "attune"
AUDIENCE = "attune-api"
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti", "sub", "sid")
_USER_ID = re.compile(r"[0-9]{1,10}")
_TOKEN_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def issue_access_token(settings: Settings, *, user_id: int, session_id: str, now: datetime) -> str:
    expires_at = now + timedelta(minutes=settings.access_token_minutes)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "sid": session_id,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, settings.derived_key("jwt"), algorithm=ALGORITHM)


def _verified_payload(settings: Settings, token: str) -> dict[str, Any]:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            settings.derived_key("jwt"),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            # Time claims are checked below against the caller's clock.
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as error:
        raise InvalidToken() from error
    return payload


def decode_access_token(settings: Settings, token: str, now: datetime) -> AccessClaims:
    """The claims of a genuine, unexpired access token; anything else raises InvalidToken."""
    payload = _verified_payload(settings, token)
    session_id, jti = payload["sid"], payload["jti"]
    # Both are looked up in the database: a NUL or a megabyte of text never reaches it.
    if not all(isinstance(name, str) and _TOKEN_ID.fullmatch(name) for name in (session_id, jti)):
        raise InvalidToken()
    user_id = _user_id(payload["sub"])
    _instant(payload["iat"], now)
    expires_at = _instant(payload["exp"], now)
    if expires_at <= now:
        raise InvalidToken()
    return AccessClaims(user_id=user_id, session_id=session_id, jti=jti, expires_at=expires_at)


def access_token_user_id(settings: Settings, token: str, now: datetime) -> int | None:
    """The user of a genuine, unexpired access token, else None: enough to count a user's
    requests by (rate limits), not to let them in (a revoked session's token still names them)."""
    try:
        return decode_access_token(settings, token, now).user_id
    except InvalidToken:
        return None


def _user_id(subject: object) -> int:
    """A user id as we write it: digits naming a row that can exist (a 40-digit one cannot)."""
    if not (isinstance(subject, str) and _USER_ID.fullmatch(subject)):
        raise InvalidToken()
    user_id = int(subject)
    if not 1 <= user_id <= MAX_ID:
        raise InvalidToken()
    return user_id


def _instant(timestamp: object, now: datetime) -> datetime:
    """A time claim: whole seconds since 1970 within the window the service works in, so that
    a huge one (`exp=1e20`) is refused before any date arithmetic meets it."""
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise InvalidToken()
    now_seconds = int(now.timestamp())
    if abs(timestamp - now_seconds) > HORIZON.total_seconds():
        raise InvalidToken()
    return datetime.fromtimestamp(timestamp, UTC)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(settings: Settings, token: str) -> str:
    return keyed_hash(settings.derived_key("refresh"), token)
