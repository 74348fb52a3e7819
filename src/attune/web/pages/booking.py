"""`/book`: the free times of a day and of the week after it, and booking one (`/book/{id}`).

Days are the practice's (as the API's `?date=`); times are shown in the viewer's zone.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from attune.bookings.schemas import BookingCreate
from attune.bookings.service import booking_service
from attune.bookings.views import SlotOffer
from attune.platform.actor import ANONYMOUS, Actor
from attune.platform.client_address import client_address
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import CalendarDate, Id, PathId
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.read_cache import ReadCache
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork, unit_of_work
from attune.practice import repository as practice
from attune.scheduling import repository as schedule_repository
from attune.scheduling.repository import SlotFilter
from attune.scheduling.service import schedule_service
from attune.scheduling.views import SlotView
from attune.web.auth import SignedIn, actor_of, page_session
from attune.web.forms import FORM, Form, FormInvalid, parse, read_form, sentence
from attune.web.kept_pages import kept_page_key
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import money, page_response, render, render_html
from attune.web.zones import zone_choices

router = page_router()

WEEK_DAYS = 7


@router.get("/book")
async def free_times(
    *,
    request: Request,
    day: Annotated[CalendarDate | None, Query(alias="date")] = None,
    therapist: Annotated[Id | None, Query()] = None,
    service: Annotated[Id | None, Query()] = None,
) -> Response:
    """The free times, of one therapist or one service when the address names them: a
    therapist shares `/book?therapist=<id>` as their own booking page, and every link here
    keeps the filters.

    The page of a visitor who is not signed in is kept, and answered again before routing
    (`attune.web.kept_pages`); so this busiest page takes what it needs from the app's state
    rather than through dependencies, as the day view does: a page made to be kept needs no
    session lookup."""
    state = request.app.state
    settings: Settings = state.settings
    now = state.clock.now()
    today = PracticeCalendar.of(settings).today(now)
    shown = day or today
    only = SlotFilter(therapist_id=therapist, service_id=service)
    key = kept_page_key(request.scope, now)
    if key is None:
        async with _reading(request, now) as uow:
            visitor = await page_session(request, uow)
            context = await _free_times(uow, actor_of(visitor), shown, today, only)
            return render(request, "client/book.html", context)

    async def read() -> bytes:
        async with _reading(request, now) as uow:
            context = await _free_times(uow, ANONYMOUS, shown, today, only)
        return render_html(request, "client/book.html", context).encode()

    # Kept under the address as sent, not the day it names: a page without `?date=` shows
    # today, and outlives midnight by the cache's age at most.
    cache: ReadCache = state.day_view_cache
    return page_response(request, await cache.answer(key, now, read))


def _reading(request: Request, now: datetime) -> AbstractAsyncContextManager[UnitOfWork]:
    """A read-only unit of work for the page, as the `Work` dependency opens for a GET."""
    state = request.app.state
    return unit_of_work(
        state.database,
        state.settings,
        state.events,
        now=now,
        address=client_address(request),
        write=False,
    )


async def _free_times(
    uow: UnitOfWork, actor: Actor, shown: date, today: date, only: SlotFilter
) -> dict[str, Any]:
    """What the page shows of the day `shown` and the week after it."""
    calendar = PracticeCalendar.of(uow.settings)
    slots = await schedule_service.day_view(uow, actor, shown, only)
    free = [slot for slot in slots if slot.bookable]
    following = shown + timedelta(days=1)
    week_slots = await schedule_service.free_slots(
        uow, actor, following, shown + timedelta(days=WEEK_DAYS), only
    )
    by_day: dict[date, list[SlotView]] = defaultdict(list)
    for slot in week_slots:
        by_day[calendar.date_of(slot.start_at)].append(slot)
    week = [(d, by_day[d]) for d in (following + timedelta(days=n) for n in range(WEEK_DAYS))]
    next_free = None if free else await schedule_service.next_free_day(uow, actor, shown, only)
    therapist, service = only.therapist_id, only.service_id
    kept = {"therapist": therapist, "service": service}
    return {
        # The filters, as they go on every link of the page (empty, or "&therapist=2…").
        "keep": "".join(f"&{name}={value}" for name, value in kept.items() if value),
        "therapist": therapist,
        "service": service,
        "filter_names": await _filter_names(uow, therapist, service),
        # A practice of one therapist and one service shows its times as it always has.
        "name_therapists": len(await practice.active_therapist_ids(uow.session)) > 1,
        "name_services": len(await practice.active_services(uow.session)) > 1,
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
        "zones": zone_choices(),
    }


async def _filter_names(uow: UnitOfWork, therapist: int | None, service: int | None) -> list[str]:
    """What the page is narrowed to, in words: "with <therapist>", "<service>"."""
    names: list[str] = []
    if therapist is not None:
        found = await schedule_repository.therapist_names(uow.session, [therapist])
        if therapist in found:
            names.append(f"with {found[therapist]}")
    if service is not None:
        offered = await practice.service(uow.session, service)
        if offered is not None:
            names.append(offered.name)
    return names


# The booking page's route, by which a kept page is labelled in the metrics and the log.
BOOK_PAGE_ROUTE = next(
    route for route in router.routes if getattr(route, "endpoint", None) is free_times
)


def _slot_page(request: Request, offer: SlotOffer, form: Form, status_code: int = 200) -> Response:
    # Each service with its own price for this slot's length, so the choice shows what it costs.
    options = [
        (
            one.service_id,
            f"{one.name}: {money(one.price_for(offer.duration_minutes), offer.currency)}",
        )
        for one in offer.services
    ]
    context = {"offer": offer, "form": form, "service_options": options}
    return render(request, "client/slot.html", context, status_code=status_code)


@router.get("/book/{slot_id}")
async def slot(
    request: Request,
    slot_id: PathId,
    uow: Work,
    visitor: SignedIn,
    service: Annotated[Id | None, Query()] = None,
) -> Response:
    """The slot as it would be booked, for the service the address names (else its first);
    a slot of several services lets the client choose one."""
    offer = await booking_service.offer(uow, visitor.actor, slot_id, service)
    return _slot_page(request, offer, Form())


def _service_chosen(form: Form) -> int | None:
    value = form.values.get("service_id")
    return int(value) if value and value.isdigit() else None


@router.post("/book/{slot_id}")
async def book(request: Request, slot_id: PathId, uow: Work, visitor: SignedIn) -> Response:
    form = await read_form(request)
    chosen = _service_chosen(form)
    offer = await booking_service.offer(uow, visitor.actor, slot_id, chosen)
    try:
        body = parse(
            BookingCreate,
            {
                "schedule_id": slot_id,
                "notes": form.values.get("notes"),
                "service_id": offer.service.service_id,
            },
        )
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
        offer = await booking_service.offer(uow, visitor.actor, slot_id, chosen)
        return _slot_page(request, offer, form.refused({name: message}), error.status_code)
    if uow.settings.payments_required:
        return see_other(f"/bookings/{booking.id}/pay")
    return see_other(with_notice(f"/bookings/{booking.id}", "booked"))
