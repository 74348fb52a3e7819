"""Seed 003's weekly availability (admin) and the public list of dates open to requests."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import TypeAdapter

from attune.availability.dates_cache import dates_key
from attune.availability.schemas import (
    AVAILABLE_DATES_EXAMPLE,
    UPDATE_EXAMPLES,
    Availability,
    AvailabilityPatch,
    AvailabilityUpdate,
    availability_read,
)
from attune.availability.service import REACH_DAYS, availability_service
from attune.platform.actor import ANONYMOUS
from attune.platform.auth import InvalidToken, StaffActor, require_staff
from attune.platform.dependencies import Work, single_read
from attune.platform.openapi import documented_errors, reads_database
from attune.platform.policy import AdminRequired
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.read_cache import ReadCache

router = APIRouter(tags=["availability"])
admin_router = APIRouter(
    prefix="/api/meetings/admin/availability",
    tags=["availability"],
    dependencies=[Depends(require_staff)],
)

ADMIN_ERRORS = (InvalidToken, AdminRequired)
WRITE_DESCRIPTION = (
    "`available_days` lists weekday numbers, 0 = Monday … 6 = Sunday, each at most once; they "
    "are stored in order. An empty list means the practice takes no appointment requests until "
    "days are set again. A repeated or out-of-range day is refused with 400 and changes nothing."
)


@admin_router.get(
    "",
    summary="Weekly availability (admin)",
    description="The weekdays on which the practice takes appointment requests. Until an admin "
    "sets them, Monday to Friday.",
    responses=documented_errors(*ADMIN_ERRORS, body=False),
)
async def get_availability(actor: StaffActor, uow: Work) -> Availability:
    return availability_read(await availability_service.weekly(uow, actor))


@admin_router.put(
    "",
    summary="Set the weekly availability (admin)",
    description=WRITE_DESCRIPTION,
    responses=documented_errors(*ADMIN_ERRORS),
)
async def put_availability(
    body: Annotated[AvailabilityUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
    actor: StaffActor,
    uow: Work,
) -> Availability:
    return availability_read(await availability_service.set_weekly(uow, actor, body.available_days))


@admin_router.patch(
    "",
    summary="Change the weekly availability (admin)",
    description=WRITE_DESCRIPTION + " Left out, `available_days` stays as it is.",
    responses=documented_errors(*ADMIN_ERRORS),
)
async def patch_availability(
    body: Annotated[AvailabilityPatch, Body(openapi_examples=UPDATE_EXAMPLES)],
    actor: StaffActor,
    uow: Work,
) -> Availability:
    return availability_read(await availability_service.set_weekly(uow, actor, body.available_days))


AVAILABLE_DATES_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Dates written YYYY-MM-DD, soonest first.",
        "content": {"application/json": {"example": AVAILABLE_DATES_EXAMPLE}},
    }
}


@router.get(
    "/api/meetings/appointments/available-dates",
    summary="Dates open to appointment requests",
    description="The dates, as `YYYY-MM-DD` strings in the practice's time zone, from today "
    f"through the next {REACH_DAYS - 1} days ({REACH_DAYS} days in all) that "
    "fall on the weekdays the practice takes requests on, soonest first. Today is included. "
    "Appointments already made do not remove a date. An empty list means the practice takes "
    "no requests for now. Each process may answer from memory for "
    "`ATTUNE_AVAILABILITY_CACHE_SECONDS` (1 s).",
    response_model=list[date],
    responses=AVAILABLE_DATES_RESPONSE,
)
@reads_database
async def list_available_dates(request: Request) -> Response:
    # A public read anyone may send at will: it takes what it needs from the app's state, as the
    # day view does, and opens a unit of work only on a miss.
    state = request.app.state
    now = state.clock.now()
    cache: ReadCache = state.available_dates_cache

    async def read() -> bytes:
        # One SELECT (the practice's weekdays).
        async with single_read(request, now) as uow:
            dates = await availability_service.available_dates(uow, ANONYMOUS)
        return DATES.dump_json(dates)

    # Kept under the key by which KeptReadsMiddleware looks it up before routing.
    key = dates_key(PracticeCalendar.of(state.settings))(request.scope, now)
    body = await cache.answer(key, now, read)
    return Response(body, media_type="application/json")


DATES = TypeAdapter(list[date])

# The route by which a remembered answer is labelled in the metrics and the log.
AVAILABLE_DATES_ROUTE = next(
    route for route in router.routes if getattr(route, "endpoint", None) is list_available_dates
)
