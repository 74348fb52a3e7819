"""Jitsi token authentication: the JWT that lets one person into one room for a while.

A Jitsi server with token authentication (prosody's `token` auth with an app id and secret)
admits a participant only with a token it can verify: HS256 with the shared app secret,
`aud` "jitsi", `iss` the app id, `sub` the Jitsi domain (or, on a server with tenants, the
tenant in lower case), `room` the room name, and `nbf` and `exp` bounding when it may be used.
`context.user` names the participant, every field a string as Jitsi's token documentation has
it; `moderator` "true" makes them the room's moderator. Who may join and when is decided by the
caller, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

import jwt

AUDIENCE = "jitsi"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class Participant:
    name: str
    email: str
    moderator: bool


def tenant(base_url: str) -> str | None:
    """The tenant of a server URL such as `https://meet.example.org/tenant1`, if it has one
    (the settings allow at most one path segment)."""
    return urlsplit(base_url).path.strip("/") or None


def token_subject(base_url: str) -> str:
    """The `sub` a token is for: the tenant in lower case on a server with tenants (Jitsi
    compares it so), else the host name of the server's URL."""
    host = urlsplit(base_url).hostname
    if not host:
        raise ValueError(f"not a Jitsi server URL: {base_url!r}")
    named_tenant = tenant(base_url)
    return named_tenant.lower() if named_tenant else host


def join_token(
    *,
    app_id: str,
    app_secret: str,
    subject: str,
    room: str,
    not_before: datetime,
    expires: datetime,
    participant: Participant,
) -> str:
    claims = {
        "aud": AUDIENCE,
        "iss": app_id,
        "sub": subject,
        "room": room,
        "nbf": int(not_before.timestamp()),
        "exp": int(expires.timestamp()),
        "context": {
            "user": {
                "name": participant.name,
                "email": participant.email,
                "moderator": "true" if participant.moderator else "false",
            }
        },
    }
    return jwt.encode(claims, app_secret, algorithm=ALGORITHM)


def with_token(room_url: str, token: str) -> str:
    """The room URL that carries the token, as Jitsi Meet reads it: `?jwt=<token>`."""
    return f"{room_url}?jwt={quote(token, safe='')}"
