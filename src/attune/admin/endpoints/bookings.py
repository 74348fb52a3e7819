"""Every booking, for the practice: list, read, cancel, move, record the outcome, refund."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from attune.admin import schemas
from attune.admin.errors import CALLER_ERRORS
from attune.admin.schemas import (
    CANCEL_EXAMPLES,
    OUTCOME_EXAMPLES,
    RESCHEDULE_EXAMPLES,
    AdminBookingCancel,
    AdminBookingChanged,
    AdminBookingList,
    AdminBookingRead,
    BookingOutcome,
    BookingQuery,
)
from attune.admin.service import admin_service
from attune.bookings.errors import (
    BookingNotFound,
    BookingNotScheduled,
    BookingOverlap,
    LengthMismatch,
    SameSlot,
    SessionNotStarted,
)
from attune.bookings.schemas import (
    REFUND_EXAMPLES,
    BookingRefundCreate,
    BookingRefundCreated,
    BookingReschedule,
    refund_read,
)
from attune.models import BookingStatus
from attune.payments.refunds import BookingNotPaid, NothingToRefund, RefundTooLarge
from attune.platform.auth import PracticeMember
from attune.platform.dependencies import Work
from attune.platform.fields import PathId
from attune.platform.openapi import documented_errors
from attune.scheduling.errors import ScheduleNotFound, SlotFull, SlotStarted

router = APIRouter()
BookingId = PathId

# The body when none is sent: an optional body is the model, not required (a `null` is refused).
NO_CANCEL_REASON = AdminBookingCancel()
REFUND_ALL = BookingRefundCreate()


@router.get(
    "/bookings",
    summary="List every booking",
    description="Latest session first (by `scheduled_at`, descending), `limit` (1 to 200, "
    "default 50) at a time from `offset`; `total` counts every match. Filters: `status`, "
    "`user_id`, and `from` / `to`, days (YYYY-MM-DD, inclusive) in the practice's zone on "
    "which the session starts. Each booking carries its client and, unless cancelled, its "
    "meeting room, paid or not.",
    responses=documented_errors(*CALLER_ERRORS),
)
async def list_bookings(
    query: Annotated[BookingQuery, Query()], actor: PracticeMember, uow: Work
) -> AdminBookingList:
    return schemas.admin_booking_list(await admin_service.list_bookings(uow, actor, query))


@router.get(
    "/bookings/{booking_id}",
    summary="Read any booking",
    responses=documented_errors(*CALLER_ERRORS, BookingNotFound),
)
async def read_booking(booking_id: BookingId, actor: PracticeMember, uow: Work) -> AdminBookingRead:
    booking = await admin_service.booking(uow, actor, booking_id)
    return AdminBookingRead(booking=schemas.admin_booking(booking))


@router.put(
    "/bookings/{booking_id}/cancel",
    summary="Cancel a booking for the practice",
    description="At any time, without the client's notice period. The seat is freed and the "
    "client is mailed, with the `reason` when one is given; a paid booking is queued for "
    "a refund. The body is optional.",
    responses=documented_errors(*CALLER_ERRORS, BookingNotFound, BookingNotScheduled),
)
async def cancel_booking(
    booking_id: BookingId,
    *,
    actor: PracticeMember,
    uow: Work,
    body: Annotated[AdminBookingCancel, Body(openapi_examples=CANCEL_EXAMPLES)] = NO_CANCEL_REASON,
) -> AdminBookingChanged:
    booking = await admin_service.cancel_booking(uow, actor, booking_id, reason=body.reason)
    return AdminBookingChanged(
        message="Booking cancelled successfully", booking=schemas.admin_booking(booking)
    )


@router.put(
    "/bookings/{booking_id}/reschedule",
    summary="Move a booking to another slot for the practice",
    description="At any time before the new slot starts, without the client's notice "
    "period. The new slot must last as long as the booking and have a free seat; the "
    "client is mailed an updated invitation.",
    responses=documented_errors(
        *CALLER_ERRORS,
        BookingNotFound,
        ScheduleNotFound,
        BookingNotScheduled,
        SlotFull,
        SlotStarted,
        SameSlot,
        LengthMismatch,
        BookingOverlap,
    ),
)
async def reschedule_booking(
    booking_id: BookingId,
    *,
    body: Annotated[BookingReschedule, Body(openapi_examples=RESCHEDULE_EXAMPLES)],
    actor: PracticeMember,
    uow: Work,
) -> AdminBookingChanged:
    booking = await admin_service.reschedule_booking(
        uow, actor, booking_id, new_schedule_id=body.new_schedule_id
    )
    return AdminBookingChanged(
        message="Booking rescheduled successfully", booking=schemas.admin_booking(booking)
    )


@router.put(
    "/bookings/{booking_id}/status",
    summary="Record how a session went: completed or no-show",
    description="Only once the session has started (409 before). Either may be corrected to "
    "the other later; a cancelled booking cannot be given an outcome.",
    responses=documented_errors(
        *CALLER_ERRORS, BookingNotFound, BookingNotScheduled, SessionNotStarted
    ),
)
async def record_outcome(
    booking_id: BookingId,
    *,
    body: Annotated[BookingOutcome, Body(openapi_examples=OUTCOME_EXAMPLES)],
    actor: PracticeMember,
    uow: Work,
) -> AdminBookingChanged:
    booking = await admin_service.record_outcome(
        uow, actor, booking_id, outcome=BookingStatus(body.status)
    )
    return AdminBookingChanged(
        message="Booking status updated successfully", booking=schemas.admin_booking(booking)
    )


@router.post(
    "/bookings/{booking_id}/refund",
    status_code=201,
    summary="Refund a paid booking, in part or in full",
    description="Refunds `amount_cents` (integer cents) of the booking's payment, or all that "
    "is left when it is left out, whatever the booking's state. The refund is sent to the "
    "payment provider by a job with its own idempotency key, so it is made once; it shows on "
    "the booking as `pending` until then, and the client is mailed once it is made. Once "
    "all of the payment is back the booking's `payment_status` is `refunded`.",
    responses=documented_errors(
        *CALLER_ERRORS, BookingNotFound, BookingNotPaid, NothingToRefund, RefundTooLarge
    ),
)
async def refund_booking(
    booking_id: BookingId,
    *,
    actor: PracticeMember,
    uow: Work,
    body: Annotated[BookingRefundCreate, Body(openapi_examples=REFUND_EXAMPLES)] = REFUND_ALL,
) -> BookingRefundCreated:
    refund = await admin_service.refund_booking(
        uow, actor, booking_id, amount_cents=body.amount_cents
    )
    return BookingRefundCreated(message="Refund requested successfully", refund=refund_read(refund))
