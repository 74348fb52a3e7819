"""Attune's own join links, for mail and calendar entries: stable, and the rule applied when
followed.

A mail or a calendar entry outlives the moment it is written, so it never carries the room
itself: a bare room link would open a public Jitsi room at any time, and with Jitsi tokens it
would not open the room at all. It carries a link to Attune instead, which, when followed,
applies the meeting link's one rule (`video.rooms.link_for`) at that moment: inside the join
window of a released room it sends the person on to the room (with their token when tokens are
configured), otherwise it says when the room opens. The link names the booking or request and
carries a key (an HMAC of it under the service's secret), so it needs no sign-in, cannot be
made up for another booking, and stays the same when the session moves. It admits whoever holds
it as the person it was mailed to, as the mail itself would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attune.platform.settings import Settings

KEY_PURPOSE = "meeting-join-link"
# 128 bits of the HMAC: as many as a room name carries.
KEY_BYTES = 16
# The length of a key as written: 16 bytes in base64url without padding.
KEY_LENGTH = 22


# The `key` a join link carries, and the answers following one gives, for both join routes.
JoinKey = Annotated[
    str,
    Query(
        min_length=KEY_LENGTH,
        max_length=KEY_LENGTH,
        pattern="^[A-Za-z0-9_-]+$",
        description="The key the mailed link carries.",
    ),
]
FOLLOWED_ANSWERS: dict[int | str, dict[str, Any]] = {
    303: {
        "description": "Inside the join window: on to the video room.",
        "headers": {"Location": {"schema": {"type": "string"}}},
    },
    200: {"description": "A page saying when the room opens, or that the session is over."},
}


class JoinLinkKind(StrEnum):
    booking = "booking"
    appointment = "appointment"


def join_key(settings: Settings, kind: JoinLinkKind, ident: str) -> str:
    digest = hmac.new(
        settings.derived_key(KEY_PURPOSE), f"{kind}:{ident}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:KEY_BYTES]).decode().rstrip("=")


def key_matches(settings: Settings, kind: JoinLinkKind, ident: str, key: str) -> bool:
    return hmac.compare_digest(join_key(settings, kind, ident).encode(), key.encode())


def booking_join_link(settings: Settings, booking_id: int) -> str:
    key = join_key(settings, JoinLinkKind.booking, str(booking_id))
    return f"{settings.public_base_url}/api/bookings/{booking_id}/join?key={key}"


def appointment_join_link(settings: Settings, request_id: str) -> str:
    key = join_key(settings, JoinLinkKind.appointment, request_id)
    return f"{settings.public_base_url}/api/meetings/appointments/{request_id}/join/?key={key}"


def followed(
    settings: Settings, url: str | None, status: str, opens_at: datetime, starts_at: datetime
) -> Response:
    """The answer to a followed join link: on to the room when the rule gives its link now,
    else a page that says why not and when to come back. `status` is the meeting's status
    (`pending`: not paid, `scheduled`: before the window, `completed`: after it)."""
    if url is not None:
        # 303: the browser follows with a GET, and the room's link is not kept as this one's.
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    return HTMLResponse(
        _page(settings, _not_open(settings, status, opens_at, starts_at)),
        headers={"Cache-Control": "no-store"},
    )


def _not_open(settings: Settings, status: str, opens_at: datetime, starts_at: datetime) -> str:
    opens = opens_at.astimezone(settings.zone)
    before = (
        f"{int((starts_at - opens_at).total_seconds() // 60)} minutes before the session starts"
    )
    when = f"{opens:%H:%M} on {opens:%A} {opens.day} {opens:%B %Y} ({settings.practice_timezone})"
    if status == "completed":
        return "This session is over and its video room is closed."
    if status == "pending":
        return (
            "This session is not paid yet. Once it is, this link opens the video room from "
            f"{when}, {before}."
        )
    return f"The video room opens at {when}, {before}. Open this link again then."


def _page(settings: Settings, message: str) -> str:
    name = escape(settings.practice_name)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Your video session with {name}</title>\n</head>\n<body>\n"
        f"<main>\n<h1>Your video session with {name}</h1>\n<p>{escape(message)}</p>\n"
        "</main>\n</body>\n</html>\n"
    )
