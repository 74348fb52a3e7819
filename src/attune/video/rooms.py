"""Room names and when a booking's room link may be shown.

A room name carries 128 random bits from `secrets`: knowing one room tells nothing about
another. Jitsi treats room names case-insensitively, so the bits are written in lower-case hex.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

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


def room_released(settings: Settings, booking: Booking) -> bool:
    """Whether the client may see the room: paid (or payments are off), and not cancelled."""
    if booking.status == BookingStatus.cancelled:
        return False
    return not settings.payments_required or booking.payment_status == PaymentStatus.succeeded


def join_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    return starts_at - JOIN_OPENS_BEFORE, ends_at + JOIN_CLOSES_AFTER


def join_instructions(settings: Settings) -> str:
    return (
        "Join from a computer or phone with a camera and microphone, in a quiet and private "
        "place. The room opens 10 minutes before the session starts and closes 15 minutes "
        "after it ends; ask for the join link from your booking "
        "(GET /api/bookings/{id}/meeting) once it opens. "
        f"The session runs on {settings.jitsi_base_url}: it works in a browser, or in the "
        "Jitsi Meet app on a phone."
    )
