"""The cancellation notice and what a move inside it leaves behind (docs/decisions.md, "Slots
and bookings").

A booking its client moves while its start is less than the cancellation notice away keeps
that lateness ("late cancellation"): cancelling it later, whatever its new date, refunds
nothing by the client's own action. Otherwise the notice could be walked around by moving a
session far ahead and cancelling it there (docs/decisions.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from attune.models import Booking, BookingStatus
from attune.platform.settings import Settings


class NoticeWindows(Protocol):
    """The notice a booking's client must give: its service's terms (practice.terms), which
    follow the practice's settings unless the service sets its own."""

    @property
    def cancel_notice_hours(self) -> int: ...
    @property
    def reschedule_notice_hours(self) -> int: ...


def inside_cancel_notice(windows: NoticeWindows, booking: Booking, now: datetime) -> bool:
    """Whether its start is less than the cancellation notice away; at exactly the notice a
    client may still cancel."""
    return now > booking.scheduled_at - timedelta(hours=windows.cancel_notice_hours)


def inside_reschedule_notice(windows: NoticeWindows, booking: Booking, now: datetime) -> bool:
    """Whether its start is less than the rescheduling notice away, when a client may no
    longer move it."""
    return now > booking.scheduled_at - timedelta(hours=windows.reschedule_notice_hours)


def move_makes_late(
    settings: Settings,
    windows: NoticeWindows,
    booking: Booking,
    now: datetime,
    *,
    by_client: bool,
) -> bool:
    """Whether a move made now leaves the booking a late one: its client moves it inside the
    notice, and the practice has not chosen to let moved bookings start afresh."""
    return (
        by_client and settings.late_move_stays_late and inside_cancel_notice(windows, booking, now)
    )


def late_cancellation(windows: NoticeWindows, booking: Booking, now: datetime) -> bool:
    """Whether a cancellation by the client, now, is (or for a cancelled booking, was) a late
    one: inside the notice, which the client cannot cancel at all, or moved inside it."""
    if booking.late_cancellation:
        return True
    return booking.status == BookingStatus.scheduled and inside_cancel_notice(windows, booking, now)
