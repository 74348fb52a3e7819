"""`/api/bookings*`: a client's bookings (seed 000); the rules are in service.py.

Who may call what: taking a seat (create, reschedule) needs a verified e-mail address, since
the confirmation and the calendar invitation go there. Reading and cancelling only need a
signed-in user: a client whose address is unverified (verification switched on after they
booked, say) must still be able to see a booking and give its seat back. An admin may use these
routes on anyone's booking, and is audited as on the admin's own routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BeforeValidator

from attune.bookings.errors import (
    BookingChangedMeanwhile,
    BookingNotFound,
    BookingNotScheduled,
    BookingOverlap,
    CancellationTooLate,
    DurationMismatch,
    LengthMismatch,
    RescheduleTooLate,
    SameSlot,
    TooManyUnpaidBookings,
)
from attune.bookings.schemas import (
    CANCEL_EXAMPLES,
    CREATE_EXAMPLES,
    RESCHEDULE_EXAMPLES,
    BookingCancel,
    BookingChanged,
    BookingCreate,
    BookingCreated,
    BookingDetail,
    BookingList,
    BookingReschedule,
    booking_read,
)
from attune.bookings.service import booking_service
from attune.models import BookingStatus
from attune.platform.auth import (
    CurrentActor,
    EmailNotVerified,
    InvalidToken,
    VerifiedActor,
    VerifiedActorReadingFirst,
)
from attune.platform.dependencies import Work
from attune.platform.fields import MAX_ID, whole_number
from attune.platform.openapi import documented_errors
from attune.scheduling.errors import ScheduleNotFound, SlotFull, SlotStarted

router = APIRouter(prefix="/api/bookings", tags=["bookings"])

# The body when none is sent: an optional body is the model, not required (a `null` is refused).
NO_REASON = BookingCancel()

BookingId = Annotated[
    int,
    Path(ge=1, le=MAX_ID, description="The booking's id.", examples=[1]),
    BeforeValidator(whole_number),
]


@router.post(
    "",
    status_code=201,
    summary="Book a slot",
    description="Takes a seat in the slot for the signed-in client. The price is the "
    "practice's (`ATTUNE_SESSION_PRICE_CENTS` per 60 minutes, pro rata); `duration`, when "
    "sent, must be the slot's length. The video room link is withheld until the booking is "
    "paid, unless payments are off. A confirmation with a calendar invitation is mailed.",
    responses=documented_errors(
        InvalidToken,
        EmailNotVerified,
        ScheduleNotFound,
        SlotFull,
        SlotStarted,
        BookingOverlap,
        TooManyUnpaidBookings,
        DurationMismatch,
    ),
)
async def create_booking(
    body: Annotated[BookingCreate, Body(openapi_examples=CREATE_EXAMPLES)],
    actor: VerifiedActorReadingFirst,
    uow: Work,
) -> BookingCreated:
    booking = await booking_service.create(uow, actor, body)
    return BookingCreated(message="Booking created successfully", booking=booking_read(booking))


@router.get(
    "",
    summary="List your bookings",
    description="The signed-in user's own bookings: those still to come first (soonest "
    "first), then past ones (latest first). `status` keeps only bookings in that state.",
    response_model=BookingList,
    responses=documented_errors(InvalidToken),
)
async def list_bookings(
    actor: CurrentActor,
    uow: Work,
    status: Annotated[
        BookingStatus | None, Query(description="Only bookings in this state.")
    ] = None,
) -> Response:
    bookings = await booking_service.list_own(uow, actor, status)
    # Serialised here, once: returned as a model, the list would be validated again on the
    # way out (a client's busiest read).
    body = BookingList(bookings=[booking_read(booking) for booking in bookings])
    return Response(body.model_dump_json(), media_type="application/json")


@router.get(
    "/{booking_id}",
    summary="Read a booking",
    description="Your own booking, or any booking for an admin. Another client's booking "
    "answers 404, as an unknown one does.",
    responses=documented_errors(InvalidToken, BookingNotFound, body=False),
)
async def read_booking(
    booking_id: BookingId,
    *,
    actor: CurrentActor,
    uow: Work,
) -> BookingDetail:
    booking = await booking_service.read(uow, actor, booking_id)
    return BookingDetail(booking=booking_read(booking))


@router.put(
    "/{booking_id}/cancel",
    summary="Cancel a booking",
    description="Frees the seat. A client may cancel up to `ATTUNE_CANCEL_NOTICE_HOURS` "
    "(24 by default) before the start; an admin at any time. The body is optional (seed 000 "
    "sends none); a `reason` appears in the cancellation mail. A paid booking is refunded, "
    "except when its client cancels a booking they moved inside the cancellation notice "
    "(`late_cancellation`).",
    responses=documented_errors(
        InvalidToken,
        BookingNotFound,
        BookingNotScheduled,
        CancellationTooLate,
        BookingChangedMeanwhile,
    ),
)
async def cancel_booking(
    booking_id: BookingId,
    *,
    actor: CurrentActor,
    uow: Work,
    body: Annotated[BookingCancel, Body(openapi_examples=CANCEL_EXAMPLES)] = NO_REASON,
) -> BookingChanged:
    booking = await booking_service.cancel(uow, actor, booking_id, reason=body.reason)
    return BookingChanged(message="Booking cancelled successfully", booking=booking_read(booking))


@router.put(
    "/{booking_id}/reschedule",
    summary="Move a booking to another slot",
    description="Takes a seat in the new slot and frees the old one, keeping the video room. "
    "A client may reschedule up to `ATTUNE_RESCHEDULE_NOTICE_HOURS` (2 by default) before the "
    "current start; an admin at any time. The new slot must last as long as the booking. A "
    "client who moves a booking less than `ATTUNE_CANCEL_NOTICE_HOURS` before its current "
    "start makes it a late one (`late_cancellation`): cancelling it later refunds nothing, "
    "whatever its new date, unless `ATTUNE_LATE_MOVE_STAYS_LATE=false`.",
    responses=documented_errors(
        InvalidToken,
        EmailNotVerified,
        BookingNotFound,
        ScheduleNotFound,
        BookingNotScheduled,
        RescheduleTooLate,
        SameSlot,
        LengthMismatch,
        SlotFull,
        SlotStarted,
        BookingOverlap,
        BookingChangedMeanwhile,
    ),
)
async def reschedule_booking(
    booking_id: BookingId,
    *,
    body: Annotated[BookingReschedule, Body(openapi_examples=RESCHEDULE_EXAMPLES)],
    actor: VerifiedActor,
    uow: Work,
) -> BookingChanged:
    booking = await booking_service.reschedule(
        uow, actor, booking_id, new_schedule_id=body.new_schedule_id
    )
    return BookingChanged(message="Booking rescheduled successfully", booking=booking_read(booking))
