"""Access tokens (JWT, HS256) and refresh tokens (opaque, stored only as a keyed hash).

An access token names its user (`sub`), its login (`sid`, the AuthSession) and itself (`jti`),
so logout and refresh-token reuse can revoke it before it expires. Expiry is checked against
the caller's `now`, not the wall clock, so time rules can be tested with a frozen clock.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from attune.accounts.errors import InvalidToken
from attune.platform.crypto import keyed_hash
from attune.platform.settings import Settings

ALGORITHM = "HS256"
ISSUER = "attune"
AUDIENCE = "attune-api"
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti", "sub", "sid")


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
    subject, session_id, jti = payload["sub"], payload["sid"], payload["jti"]
    expires, issued = payload["exp"], payload["iat"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise InvalidToken()
    if not (isinstance(session_id, str) and isinstance(jti, str)):
        raise InvalidToken()
    if not (isinstance(expires, int) and isinstance(issued, int)):
        raise InvalidToken()
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now:
        raise InvalidToken()
    return AccessClaims(user_id=int(subject), session_id=session_id, jti=jti, expires_at=expires_at)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(settings: Settings, token: str) -> str:
    return keyed_hash(settings.derived_key("refresh"), token)
