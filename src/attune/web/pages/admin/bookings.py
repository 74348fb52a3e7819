"""`/admin/bookings`: every booking, and what the therapist may do with one.

The list and the booking are the admin API's (`admin_service`), reads audited by it; cancelling,
moving, recording the outcome and refunding call the same service methods as
`/api/admin/bookings/*`, which decide what is allowed.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from attune.admin.schemas import AdminBookingCancel, AuditQuery, BookingOutcome, BookingQuery
from attune.admin.service import admin_service
from attune.bookings.schemas import BookingRefundCreate, BookingReschedule
from attune.models import BookingStatus, PaymentStatus
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import PathId
from attune.platform.practice_calendar import PracticeCalendar
from attune.scheduling.repository import SlotFilter
from attune.scheduling.service import schedule_service
from attune.web.auth import Staff
from attune.web.forms import FORM, Form, FormInvalid, errors_of, parse, read_form
from attune.web.pages.admin.therapist_filter import therapist_options
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router(prefix="/admin")

PAGE_SIZE = 25
FILTERS = ("from", "to", "status", "client", "paid", "therapist_id")
# How far ahead the move form offers free slots.
MOVE_LOOK_AHEAD_DAYS = 60
# What the page says after each action, by the `done` the action redirects with.
DONE = {
    "cancelled": "The booking is cancelled. The client has been mailed.",
    "moved": "The booking is moved. The client has been mailed an updated invitation.",
    "completed": "The session is marked completed.",
    "no_show": "The session is marked as a no-show.",
    "refunded": "The refund is requested. The client is mailed once it is made.",
}
STATUS_OPTIONS = [
    ("", "Any"),
    *((status.value, status.value.replace("_", " ").capitalize()) for status in BookingStatus),
]
PAID_OPTIONS = [("", "Any"), ("yes", "Yes"), ("no", "No")]


@router.get("/bookings")
async def bookings(request: Request, uow: Work, visitor: Staff) -> Response:
    typed = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    page = _page_number(request.query_params.get("page"))
    wanted = {name: value for name, value in typed.items() if value}
    form = Form(typed)
    listed = None
    status_code = 200
    try:
        query = parse(
            BookingQuery, {**wanted, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
        )
        listed = await admin_service.list_bookings(uow, visitor.actor, query)
    except FormInvalid as invalid:
        form, status_code = form.refused(invalid.errors), 400
    except AttuneError as error:
        form, status_code = form.refused(errors_of(error)), error.status_code
    params = urlencode(wanted)
    return render(
        request,
        "admin/bookings.html",
        {
            "therapist_options": await therapist_options(uow, visitor.actor),
            "form": form,
            "listed": listed,
            "page": page,
            "has_next": listed is not None and page * PAGE_SIZE < listed.total,
            "params": f"{params}&" if params else "",
            "status_options": STATUS_OPTIONS,
            "paid_options": PAID_OPTIONS,
        },
        status_code=status_code,
    )


@router.get("/bookings/{booking_id}")
async def booking(
    request: Request, booking_id: PathId, uow: Work, visitor: Staff, done: str | None = None
) -> Response:
    return await _booking_page(
        request, uow, visitor.actor, booking_id, Form(), notice=DONE.get(done or "")
    )


@router.post("/bookings/{booking_id}/cancel")
async def cancel(request: Request, booking_id: PathId, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request)
    try:
        body = parse(AdminBookingCancel, form.values)
        async with uow.attempt():
            await admin_service.cancel_booking(uow, visitor.actor, booking_id, reason=body.reason)
    except FormInvalid as invalid:
        return await _booking_page(
            request, uow, visitor.actor, booking_id, form.refused(invalid.errors), status_code=400
        )
    except AttuneError as error:
        return await _booking_page(
            request,
            uow,
            visitor.actor,
            booking_id,
            form.refused(errors_of(error)),
            status_code=error.status_code,
        )
    return see_other(f"/admin/bookings/{booking_id}?done=cancelled")


@router.post("/bookings/{booking_id}/move")
async def move(request: Request, booking_id: PathId, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request)
    try:
        body = parse(BookingReschedule, form.values)
        async with uow.attempt():
            await admin_service.reschedule_booking(
                uow, visitor.actor, booking_id, new_schedule_id=body.new_schedule_id
            )
    except FormInvalid as invalid:
        return await _booking_page(
            request, uow, visitor.actor, booking_id, form.refused(invalid.errors), status_code=400
        )
    except AttuneError as error:
        errors = errors_of(error, fields={FORM: "new_schedule_id"})
        return await _booking_page(
            request,
            uow,
            visitor.actor,
            booking_id,
            form.refused(errors),
            status_code=error.status_code,
        )
    return see_other(f"/admin/bookings/{booking_id}?done=moved")


@router.post("/bookings/{booking_id}/outcome")
async def outcome(request: Request, booking_id: PathId, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request)
    try:
        body = parse(BookingOutcome, form.values)
        async with uow.attempt():
            await admin_service.record_outcome(
                uow, visitor.actor, booking_id, outcome=BookingStatus(body.status)
            )
    except FormInvalid as invalid:
        return await _booking_page(
            request, uow, visitor.actor, booking_id, form.refused(invalid.errors), status_code=400
        )
    except AttuneError as error:
        return await _booking_page(
            request,
            uow,
            visitor.actor,
            booking_id,
            form.refused(errors_of(error)),
            status_code=error.status_code,
        )
    return see_other(f"/admin/bookings/{booking_id}?done={body.status}")


@router.post("/bookings/{booking_id}/refund")
async def refund(request: Request, booking_id: PathId, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request)
    try:
        body = parse(BookingRefundCreate, {"amount_cents": _cents(form.values.get("amount", ""))})
        async with uow.attempt():
            await admin_service.refund_booking(
                uow, visitor.actor, booking_id, amount_cents=body.amount_cents
            )
    except FormInvalid as invalid:
        errors = {
            ("amount" if name == "amount_cents" else name): message
            for name, message in invalid.errors.items()
        }
        return await _booking_page(
            request, uow, visitor.actor, booking_id, form.refused(errors), status_code=400
        )
    except AttuneError as error:
        errors = errors_of(error, fields={"amount_cents": "amount", FORM: "amount"})
        return await _booking_page(
            request,
            uow,
            visitor.actor,
            booking_id,
            form.refused(errors),
            status_code=error.status_code,
        )
    return see_other(f"/admin/bookings/{booking_id}?done=refunded")


def _cents(typed: str) -> int | None:
    """An amount typed in the currency's units (`25`, `25.50`) in cents; empty is all of it."""
    if not typed:
        return None
    try:
        amount = Decimal(typed.replace(",", ""))
    except InvalidOperation:
        raise FormInvalid({"amount": "Enter an amount such as 25.00"}) from None
    cents = amount * 100
    if not amount.is_finite() or cents != cents.to_integral_value():
        raise FormInvalid({"amount": "Enter an amount such as 25.00, with at most two decimals"})
    return int(cents)


def _page_number(typed: str | None) -> int:
    return int(typed) if typed and typed.isdigit() and 0 < int(typed) < 10_000 else 1


async def _booking_page(
    request: Request,
    uow: Work,
    actor: Actor,
    booking_id: int,
    form: Form,
    *,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    shown = await admin_service.booking(uow, actor, booking_id)
    view = shown.booking
    may = policy.back_office(actor)
    left = await admin_service.left_to_refund(uow, actor, booking_id) if may.refunds else 0
    slots = []
    if view.status == BookingStatus.scheduled:
        today = PracticeCalendar.of(uow.settings).today(uow.now)
        # Slots that offer what was booked, on the calendars the actor may place it on.
        free = await schedule_service.free_slots(
            uow,
            actor,
            today,
            today + timedelta(days=MOVE_LOOK_AHEAD_DAYS),
            SlotFilter(therapist_id=policy.client_scope(actor), service_id=view.service_id),
        )
        slots = [slot for slot in free if slot.id != view.schedule_id]
    trail = (
        await admin_service.audit_log(
            uow, actor, AuditQuery(target_type="booking", target_id=str(booking_id), limit=20)
        )
        if may.runs_practice
        else None
    )
    if not form.values.get("amount") and left:
        form.values["amount"] = f"{Decimal(left) / 100:.2f}"
    return render(
        request,
        "admin/booking.html",
        {
            "shown": shown,
            "view": view,
            "client": shown.client,
            "left_to_refund": left,
            "paid": view.payment_status in (PaymentStatus.succeeded, PaymentStatus.refunded),
            "slots": slots,
            "trail": trail.items if trail else [],
            "form": form,
            "notice": notice,
        },
        status_code=status_code,
    )
