"""What the booking service answers: a booking as one actor may see it, decided once.

Its notes and cancellation reason decrypted, its meeting link for this actor by the one link
rule (attune.bookings.meetings), its refunds and amounts, and whether a cancellation by its
client would now be late. Every front door turns a view into its own shape and decides none of
this again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from attune.bookings.meeting import Meeting, booking_meeting
from attune.bookings.policy import NoticeWindows, late_cancellation
from attune.models import Booking, BookingStatus, PaymentStatus, Refund, RefundStatus, User
from attune.platform.crypto import Encryptor
from attune.platform.settings import Settings
from attune.practice.terms import ServiceTerms
from attune.video.rooms import window_enforced


@dataclass(frozen=True)
class RefundView:
    id: int
    amount_cents: int
    status: RefundStatus
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class BookingRefunds:
    """What has gone back of a booking's payment: the amount refunded (refunds made in Stripe's
    dashboard included, pending ones not) and every refund asked for, oldest first."""

    amount_refunded_cents: int = 0
    refunds: Sequence[RefundView] = ()


NO_REFUNDS = BookingRefunds()


@dataclass(frozen=True)
class BookingView:
    id: int
    user_id: int
    schedule_id: int | None
    scheduled_at: datetime
    ends_at: datetime
    duration_minutes: int
    status: BookingStatus
    # The meeting as this actor may see it now; None for a cancelled booking.
    meeting: Meeting | None
    window_enforced: bool
    amount_cents: int
    currency: str
    payment_status: PaymentStatus
    payment_id: str | None
    notes: str | None
    refunds: BookingRefunds
    late_cancellation: bool
    cancelled_at: datetime | None
    cancellation_reason: str | None
    created_at: datetime
    updated_at: datetime
    # Whose session it is and what was booked.
    therapist_id: int
    service_id: int
    # A note or a cancellation reason was given but the viewer may not read it (the front
    # desk): `notes` or `cancellation_reason` is then None.
    notes_withheld: bool = False
    cancellation_reason_withheld: bool = False


def refund_view(refund: Refund) -> RefundView:
    return RefundView(
        id=refund.id,
        amount_cents=refund.amount_cents,
        status=refund.status,
        reason=refund.reason,
        created_at=refund.created_at,
    )


def booking_view(
    settings: Settings,
    booking: Booking,
    refunds: BookingRefunds,
    *,
    viewer: User,
    host: bool,
    now: datetime,
    clinical: bool = True,
    windows: NoticeWindows | None = None,
) -> BookingView:
    """The booking as `viewer` sees it at `now` (which also decides whether a cancellation
    would be late); `host` says whether the viewer holds the meeting's room, `clinical`
    whether they may read its notes and why it was cancelled."""
    encryptor = Encryptor.from_settings(settings)
    notes = booking.notes_encrypted is not None
    reason = booking.cancellation_reason_encrypted is not None
    return BookingView(
        id=booking.id,
        user_id=booking.user_id,
        schedule_id=booking.schedule_id,
        scheduled_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        duration_minutes=booking.duration_minutes,
        status=booking.status,
        meeting=booking_meeting(settings, booking, viewer, host=host, now=now),
        window_enforced=window_enforced(settings),
        amount_cents=booking.amount_cents,
        currency=booking.currency,
        payment_status=booking.payment_status,
        payment_id=booking.payment_id,
        notes=encryptor.decrypt_optional(booking.notes_encrypted) if clinical else None,
        refunds=refunds,
        late_cancellation=late_cancellation(windows or settings, booking, now),
        cancelled_at=booking.cancelled_at,
        cancellation_reason=(
            encryptor.decrypt_optional(booking.cancellation_reason_encrypted) if clinical else None
        ),
        created_at=booking.created_at,
        updated_at=booking.updated_at,
        therapist_id=booking.therapist_id,
        service_id=booking.service_id,
        notes_withheld=notes and not clinical,
        cancellation_reason_withheld=reason and not clinical,
    )


@dataclass(frozen=True)
class SlotOffer:
    """A slot as it would be booked now: its times, its service's price for its length, and
    the notice rules the booking would be held to."""

    schedule_id: int
    start_at: datetime
    end_at: datetime
    duration_minutes: int
    # Open, not full and not started at the instant of the offer.
    bookable: bool
    amount_cents: int
    currency: str
    payments_required: bool
    cancel_notice_hours: int
    reschedule_notice_hours: int
    # The service the offer is for (its price and notice), and every one the slot offers.
    service: ServiceTerms
    services: list[ServiceTerms]
    therapist_name: str
    delivery: str
    # Where an in-person session is held (the slot's room or the practice's address).
    location: str | None


@dataclass(frozen=True)
class BookingMeetingView:
    """A booking's meeting, for `GET /api/bookings/{id}/meeting`."""

    booking_id: int
    scheduled_at: datetime
    ends_at: datetime
    duration_minutes: int
    meeting: Meeting


@dataclass(frozen=True)
class CancellationPreview:
    """What cancelling the booking now would do, by the rule `BookingService.cancel` applies,
    for the person to read before they confirm."""

    booking: BookingView
    # False when the actor may no longer cancel it (a client inside the notice).
    allowed: bool
    # Whether what is left of a payment would go back.
    refund_due: bool
    # A booking its client moved inside the notice: cancelling it later refunds nothing.
    moved_late: bool
    notice_hours: int
    # From now to the booking's start.
    starts_in: timedelta
