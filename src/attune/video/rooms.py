"""Room names, the one rule for handing out a room's link, and the link a person joins with.

A room name carries 128 random bits from `secrets`: knowing one room tells nothing about
another. Jitsi treats room names case-insensitively, so the bits are written in lower-case hex.

The rule (docs/decisions.md, "The meeting link"): a client is given the room's link only while
the room is released to them (a booking paid, or payments off; a request scheduled) and the
join window is open; the therapist, who holds the room, whenever it exists. Every answer of
both contracts applies it through `link_for`; mails and calendar entries carry Attune's own
join link instead (`video.join`), which applies it when followed. With
`ATTUNE_JITSI_APP_ID` and `ATTUNE_JITSI_APP_SECRET` set, the Jitsi server admits only holders of
a token, and each link carries one valid only inside the join window; without them, the window
is Attune's to keep, and a link once given opens the room at any time (`join_window_enforced`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from attune.integrations import jitsi
from attune.models import Booking, BookingStatus, PaymentStatus
from attune.platform.settings import Settings

ROOM_PREFIX = "attune-"


def new_room_id() -> str:
    return ROOM_PREFIX + secrets.token_hex(16)


def room_url(settings: Settings, room_id: str) -> str:
    return f"{settings.jitsi_base_url.rstrip('/')}/{room_id}"


def join_url(
    settings: Settings,
    room_id: str,
    participant: jitsi.Participant,
    window: tuple[datetime, datetime],
) -> str:
    """The room URL for this participant: with a join token when the server requires one."""
    url = room_url(settings, room_id)
    if not (settings.jitsi_tokens and settings.jitsi_app_id and settings.jitsi_app_secret):
        return url
    opens_at, closes_at = window
    token = jitsi.join_token(
        app_id=settings.jitsi_app_id,
        app_secret=settings.jitsi_app_secret.get_secret_value(),
        subject=jitsi.token_subject(settings.jitsi_base_url),
        room=room_id,
        not_before=opens_at,
        expires=closes_at,
        participant=participant,
    )
    return jitsi.with_token(url, token)


def link_for(
    settings: Settings,
    room_id: str | None,
    window: tuple[datetime, datetime],
    participant: jitsi.Participant,
    *,
    released: bool,
    now: datetime,
) -> str | None:
    """The link `participant` is given at `now`, or None (the rule above).

    `room_id` is None for an appointment without a meeting (cancelled, not scheduled);
    `released` says whether the room is the client's yet; the moderator needs no release."""
    if room_id is None:
        return None
    opens_at, closes_at = window
    if not participant.moderator and not (released and opens_at <= now <= closes_at):
        return None
    return join_url(settings, room_id, participant, window)


def window_enforced(settings: Settings) -> bool:
    """Whether the video server itself keeps the room shut outside the join window: only with
    tokens. A bare public room (meet.jit.si without JWT) admits anyone with its link, at any
    time; Attune can only keep the link back until the window opens."""
    return settings.jitsi_tokens


def room_released(settings: Settings, booking: Booking) -> bool:
    """Whether the client may see the room: paid (or payments are off), and not cancelled."""
    if booking.status == BookingStatus.cancelled:
        return False
    return not settings.payments_required or booking.payment_status == PaymentStatus.succeeded


def what_is_needed(settings: Settings) -> str:
    return (
        "Join from a computer or phone with a camera and microphone, in a quiet and private "
        f"place. The session runs on {settings.jitsi_base_url}: it works in a browser, or in "
        "the Jitsi Meet app on a phone."
    )
