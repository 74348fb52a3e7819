"""Room names, when a booking's room link may be shown, and the link a person joins with.

A room name carries 128 random bits from `secrets`: knowing one room tells nothing about
another. Jitsi treats room names case-insensitively, so the bits are written in lower-case hex.
With `ATTUNE_JITSI_APP_ID` and `ATTUNE_JITSI_APP_SECRET` set, the Jitsi server admits only
holders of a token, and each join link carries one valid only inside the join window.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from attune.integrations import jitsi
from attune.models import Booking, BookingStatus, PaymentStatus
from attune.platform.settings import Settings

ROOM_PREFIX = "attune-"
# DESIGN.md §3: from 10 minutes before the start to 15 minutes after the end.
JOIN_OPENS_BEFORE = timedelta(minutes=10)
JOIN_CLOSES_AFTER = timedelta(minutes=15)


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


def room_released(settings: Settings, booking: Booking) -> bool:
    """Whether the client may see the room: paid (or payments are off), and not cancelled."""
    if booking.status == BookingStatus.cancelled:
        return False
    return not settings.payments_required or booking.payment_status == PaymentStatus.succeeded


def join_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    return starts_at - JOIN_OPENS_BEFORE, ends_at + JOIN_CLOSES_AFTER


def what_is_needed(settings: Settings) -> str:
    return (
        "Join from a computer or phone with a camera and microphone, in a quiet and private "
        f"place. The session runs on {settings.jitsi_base_url}: it works in a browser, or in "
        "the Jitsi Meet app on a phone."
    )
