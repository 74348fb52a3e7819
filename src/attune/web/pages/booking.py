"""`/book`: the free times of a day and of the week after it, and booking one (`/book/{id}`).

Days are the practice's (as the API's `?date=`); times are shown in the viewer's zone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from attune.bookings.schemas import BookingCreate
from attune.bookings.service import booking_service
from attune.bookings.views import SlotOffer
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import CalendarDate, PathId
from attune.platform.practice_calendar import PracticeCalendar
from attune.scheduling.service import schedule_service
from attune.scheduling.views import SlotView
from attune.web.auth import SignedIn, Visitor, actor_of
from attune.web.forms import FORM, Form, FormInvalid, parse, read_form, sentence
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render
from attune.web.zones import zone_names

router = page_router()

WEEK_DAYS = 7


@router.get("/book")
async def free_times(
    request: Request,
    uow: Work,
    visitor: Visitor,
    day: Annotated[CalendarDate | None, Query(alias="date")] = None,
) -> Response:
    actor = actor_of(visitor)
    calendar = PracticeCalendar.of(uow.settings)
    today = calendar.today(uow.now)
    shown = day or today
    slots = await schedule_service.day_view(uow, actor, shown)
    free = [slot for slot in slots if slot.bookable]
    following = shown + timedelta(days=1)
    week_slots = await schedule_service.free_slots(
        uow, actor, following, shown + timedelta(days=WEEK_DAYS)
    )
    by_day: dict[date, list[SlotView]] = defaultdict(list)
    for slot in week_slots:
        by_day[calendar.date_of(slot.start_at)].append(slot)
    week = [(d, by_day[d]) for d in (following + timedelta(days=n) for n in range(WEEK_DAYS))]
    next_free = None if free else await schedule_service.next_free_day(uow, actor, shown)
    context: dict[str, Any] = {
        "day": shown,
        "today": today,
        "free": free,
        # Slots the practice opened on the day, every seat of some taken: the day is booked up.
        "full": not free and any(slot.remaining == 0 for slot in slots),
        "week": week,
        "next_free": next_free,
        "previous_day": shown - timedelta(days=1) if shown > today else None,
        "previous_week": max(shown - timedelta(days=WEEK_DAYS), today) if shown > today else None,
        "next_day": following,
        "next_week": shown + timedelta(days=WEEK_DAYS),
        "zones": [(name, name.replace("_", " ")) for name in ("UTC", *zone_names())],
    }
    return render(request, "client/book.html", context)


def _slot_page(request: Request, offer: SlotOffer, form: Form, status_code: int = 200) -> Response:
    return render(
        request, "client/slot.html", {"offer": offer, "form": form}, status_code=status_code
    )


@router.get("/book/{slot_id}")
async def slot(request: Request, slot_id: PathId, uow: Work, visitor: SignedIn) -> Response:
    offer = await booking_service.offer(uow, visitor.actor, slot_id)
    return _slot_page(request, offer, Form())


@router.post("/book/{slot_id}")
async def book(request: Request, slot_id: PathId, uow: Work, visitor: SignedIn) -> Response:
    form = await read_form(request)
    offer = await booking_service.offer(uow, visitor.actor, slot_id)
    try:
        body = parse(BookingCreate, {"schedule_id": slot_id, "notes": form.values.get("notes")})
        async with uow.attempt():
            booking = await booking_service.create(uow, visitor.actor, body)
    except FormInvalid as invalid:
        return _slot_page(request, offer, form.refused(invalid.errors), 400)
    except AttuneError as error:
        # About the slot or the person's other bookings, not about a field of this form: the
        # service's own words, without the API's hints on which endpoint to call.
        message = sentence(error) if error.field else error.error
        name = error.field if error.field == "notes" else FORM
        # As it stands now: a seat taken meanwhile shows the slot full.
        offer = await booking_service.offer(uow, visitor.actor, slot_id)
        return _slot_page(request, offer, form.refused({name: message}), error.status_code)
    if uow.settings.payments_required:
        return see_other(f"/bookings/{booking.id}/pay")
    return see_other(with_notice(f"/bookings/{booking.id}", "booked"))
