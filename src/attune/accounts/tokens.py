"""Access tokens (JWT, HS256) and refresh tokens (opaque, stored only as a keyed hash).

An access token names its user (`sub`), its login (`sid`, the AuthSession) and itself (`jti`),
so logout and refresh-token reuse can revoke it before it expires. Expiry is checked against
the caller's `now`, not the wall clock, so time rules can be tested with a frozen clock.
"""

from __future__ import annotations

import functools
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


@dataclass(frozen=True)
class _SignedClaims:
    user_id: int
    session_id: str
    jti: str
    issued_at: object
    expires_at: object


@functools.lru_cache(maxsize=1024)
def _signed_claims(key: bytes, token: str) -> _SignedClaims:
    """The claims of a token genuinely signed with `key`, in the form we write them.

    Cached by key and token: a token's signature and claims never change, and checking them is
    a good part of what authenticating a request costs. Its times are checked against the
    caller's clock on every use (`decode_access_token`), and its revocation in the database
    (`repository.authenticated_user`). A forged or malformed token raises and is not kept."""
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            # Time claims are checked against the caller's clock, on every use.
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as error:
        raise InvalidToken() from error
    session_id, jti = payload["sid"], payload["jti"]
    # Both are looked up in the database: a NUL or a megabyte of text never reaches it.
    if not all(isinstance(name, str) and _TOKEN_ID.fullmatch(name) for name in (session_id, jti)):
        raise InvalidToken()
    return _SignedClaims(
        user_id=_user_id(payload["sub"]),
        session_id=session_id,
        jti=jti,
        issued_at=payload["iat"],
        expires_at=payload["exp"],
    )


def decode_access_token(settings: Settings, token: str, now: datetime) -> AccessClaims:
    """The claims of a genuine, unexpired access token; anything else raises InvalidToken."""
    claims = _signed_claims(settings.derived_key("jwt"), token)
    _instant(claims.issued_at, now)
    expires_at = _instant(claims.expires_at, now)
    if expires_at <= now:
        raise InvalidToken()
    return AccessClaims(
        user_id=claims.user_id, session_id=claims.session_id, jti=claims.jti, expires_at=expires_at
    )


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
