"""`/bookings` (My bookings) and `/bookings/{id}`: a client's bookings and what they can do
with one: cancel it (after reading what cancelling would do), move it to another free time,
join its video session, add it to a calendar, and print its receipt."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from attune.bookings.meeting_service import meeting_service
from attune.bookings.schemas import BookingCancel, BookingReschedule
from attune.bookings.service import booking_service
from attune.bookings.views import BookingView
from attune.payments.receipts import receipt_service
from attune.platform.actor import Actor
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import PathId
from attune.platform.practice_calendar import PracticeCalendar
from attune.scheduling.repository import SlotFilter
from attune.scheduling.service import schedule_service
from attune.web.auth import SignedIn
from attune.web.forms import FORM, Form, FormInvalid, parse, read_form, sentence
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router()

# How far ahead the reschedule page looks for free times.
LOOK_AHEAD_DAYS = 28


@router.get("/bookings")
async def my_bookings(request: Request, uow: Work, visitor: SignedIn) -> Response:
    bookings = await booking_service.list_own(uow, visitor.actor)
    # The service lists those still to come first; the page heads the two groups.
    upcoming = [booking for booking in bookings if booking.ends_at >= uow.now]
    past = [booking for booking in bookings if booking.ends_at < uow.now]
    return render(
        request,
        "client/bookings.html",
        {
            "upcoming": upcoming,
            "past": past,
            "payments_required": uow.settings.payments_required,
        },
    )


@router.get("/bookings/{booking_id}")
async def booking_detail(
    request: Request, booking_id: PathId, uow: Work, visitor: SignedIn
) -> Response:
    booking = await booking_service.read(uow, visitor.actor, booking_id)
    return _detail(request, uow, booking)


def _detail(
    request: Request, uow: Work, booking: BookingView, *, notice: str | None = None
) -> Response:
    return render(
        request,
        "client/booking.html",
        {
            "booking": booking,
            "notice": notice,
            "payments_required": uow.settings.payments_required,
        },
    )


@router.get("/bookings/{booking_id}/cancel")
async def cancel_form(
    request: Request, booking_id: PathId, uow: Work, visitor: SignedIn
) -> Response:
    return await _cancel_page(request, uow, visitor.actor, booking_id, Form())


async def _cancel_page(
    request: Request,
    uow: Work,
    actor: Actor,
    booking_id: int,
    form: Form,
    *,
    status_code: int = 200,
) -> Response:
    outlook = await receipt_service.cancellation_outlook(uow, actor, booking_id)
    return render(
        request,
        "client/cancel_booking.html",
        {
            "outlook": outlook,
            "booking": outlook.preview.booking,
            "starts_in": in_words(outlook.preview.starts_in),
            "form": form,
        },
        status_code=status_code,
    )


@router.post("/bookings/{booking_id}/cancel")
async def cancel(request: Request, booking_id: PathId, uow: Work, visitor: SignedIn) -> Response:
    form = await read_form(request)
    try:
        body = parse(BookingCancel, {"reason": form.values.get("reason") or None})
        async with uow.attempt():
            await booking_service.cancel(uow, visitor.actor, booking_id, reason=body.reason)
    except FormInvalid as invalid:
        return await _cancel_page(
            request, uow, visitor.actor, booking_id, form.refused(invalid.errors), status_code=400
        )
    except AttuneError as error:
        refused = form.refused({error.field or FORM: sentence(error)})
        return await _cancel_page(
            request, uow, visitor.actor, booking_id, refused, status_code=error.status_code
        )
    return see_other(with_notice(f"/bookings/{booking_id}", "cancelled"))


@router.get("/bookings/{booking_id}/reschedule")
async def reschedule_form(
    request: Request, booking_id: PathId, uow: Work, visitor: SignedIn
) -> Response:
    return await _reschedule_page(request, uow, visitor.actor, booking_id, Form())


async def _reschedule_page(
    request: Request,
    uow: Work,
    actor: Actor,
    booking_id: int,
    form: Form,
    *,
    status_code: int = 200,
) -> Response:
    booking = await booking_service.read(uow, actor, booking_id)
    today = PracticeCalendar.of(uow.settings).today(uow.now)
    # Only slots that offer what was booked: a move keeps the service and its price.
    free = await schedule_service.free_slots(
        uow,
        actor,
        today,
        today + timedelta(days=LOOK_AHEAD_DAYS),
        SlotFilter(service_id=booking.service_id),
    )
    # The booking's own slot is where it already is, not somewhere to move it.
    slots = [slot for slot in free if slot.id != booking.schedule_id]
    return render(
        request,
        "client/reschedule_booking.html",
        {"booking": booking, "slots": slots, "form": form},
        status_code=status_code,
    )


@router.post("/bookings/{booking_id}/reschedule")
async def reschedule(
    request: Request, booking_id: PathId, uow: Work, visitor: SignedIn
) -> Response:
    form = await read_form(request)
    try:
        body = parse(BookingReschedule, form.values)
        async with uow.attempt():
            await booking_service.reschedule(
                uow, visitor.actor, booking_id, new_schedule_id=body.new_schedule_id
            )
    except FormInvalid:
        errors = {FORM: "Choose one of the free times."}
        return await _reschedule_page(
            request, uow, visitor.actor, booking_id, form.refused(errors), status_code=400
        )
    except AttuneError as error:
        refused = form.refused({FORM: sentence(error)})
        return await _reschedule_page(
            request, uow, visitor.actor, booking_id, refused, status_code=error.status_code
        )
    return see_other(with_notice(f"/bookings/{booking_id}", "moved"))


@router.get("/bookings/{booking_id}/join")
async def join(request: Request, booking_id: PathId, uow: Work, visitor: SignedIn) -> Response:
    """On to the video room when the meeting's rule gives its link now (the API's meeting,
    the same service); otherwise the booking, which says when the room opens."""
    found = await meeting_service.meeting(uow, visitor.actor, booking_id)
    if found.meeting.can_join and found.meeting.url is not None:
        response = see_other(found.meeting.url)
        response.headers["Cache-Control"] = "no-store"
        return response
    booking = await booking_service.read(uow, visitor.actor, booking_id)
    return _detail(request, uow, booking, notice="The video room is not open now.")


@router.get("/bookings/{booking_id}/calendar.ics")
async def calendar_file(booking_id: PathId, uow: Work, visitor: SignedIn) -> Response:
    entry = await booking_service.calendar_entry(uow, visitor.actor, booking_id)
    return Response(
        entry.data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="session-{booking_id}.ics"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/bookings/{booking_id}/receipt")
async def receipt(request: Request, booking_id: PathId, uow: Work, visitor: SignedIn) -> Response:
    found = await receipt_service.receipt(uow, visitor.actor, booking_id)
    return render(request, "client/receipt.html", {"receipt": found, "booking": found.booking})


def in_words(span: timedelta) -> str:
    """How long until a start, as a person says it: "3 days", "5 hours", "40 minutes"."""
    minutes = max(0, int(span.total_seconds() // 60))
    if minutes >= 48 * 60:
        count, unit = minutes // (24 * 60), "day"
    elif minutes >= 60:
        count, unit = minutes // 60, "hour"
    else:
        count, unit = minutes, "minute"
    return f"{count} {unit}{'' if count == 1 else 's'}"
