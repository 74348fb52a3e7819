"""Jitsi token authentication: the JWT that lets one person into one room for a while.

A Jitsi server with token authentication (prosody's `token` auth with an app id and secret)
admits a participant only with a token it can verify: HS256 with the shared app secret,
`aud` "jitsi", `iss` the app id, `sub` the Jitsi domain, `room` the room name, and `nbf` and
`exp` bounding when it may be used. `context.user` names the participant; `moderator` makes
them the room's moderator. Who may join and when is decided by the caller, not here.
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


def jitsi_domain(base_url: str) -> str:
    """The Jitsi domain a token is for: the host name of the server's URL."""
    host = urlsplit(base_url).hostname
    if not host:
        raise ValueError(f"not a Jitsi server URL: {base_url!r}")
    return host


def join_token(
    *,
    app_id: str,
    app_secret: str,
    domain: str,
    room: str,
    not_before: datetime,
    expires: datetime,
    participant: Participant,
) -> str:
    claims = {
        "aud": AUDIENCE,
        "iss": app_id,
        "sub": domain,
        "room": room,
        "nbf": int(not_before.timestamp()),
        "exp": int(expires.timestamp()),
        "context": {
            "user": {
                "name": participant.name,
                "email": participant.email,
                "moderator": participant.moderator,
            }
        },
    }
    return jwt.encode(claims, app_secret, algorithm=ALGORITHM)


def with_token(room_url: str, token: str) -> str:
    """The room URL that carries the token, as Jitsi Meet reads it: `?jwt=<token>`."""
    return f"{room_url}?jwt={quote(token, safe='')}"
