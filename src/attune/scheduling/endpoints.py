"""Slots: the public day view (`GET /api/schedules`) and the admin's slot management."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from attune.platform.actor import ANONYMOUS
from attune.platform.auth import CalendarActor, InvalidToken, require_calendar_keeper
from attune.platform.dependencies import Work, single_read
from attune.platform.fields import CalendarDate, Id, PathId
from attune.platform.openapi import documented_errors, reads_database
from attune.platform.policy import AdminRequired
from attune.platform.read_cache import ReadCache
from attune.scheduling.day_cache import day_view_key
from attune.scheduling.errors import (
    CapacityBelowBookings,
    InvalidSchedule,
    ScheduleHasBookings,
    ScheduleNotFound,
    ScheduleOverlap,
    SlotOverlapsAppointment,
)
from attune.scheduling.repository import SlotFilter
from attune.scheduling.schemas import (
    CREATE_EXAMPLES,
    GENERATE_EXAMPLES,
    UPDATE_EXAMPLES,
    DaySlots,
    ScheduleCreate,
    ScheduleDeleted,
    ScheduleGenerate,
    ScheduleList,
    ScheduleSaved,
    SchedulesGenerated,
    ScheduleUpdate,
    schedule_read,
    skipped_read,
    slot_read,
)
from attune.scheduling.service import MAX_GENERATED, schedule_service

router = APIRouter(tags=["schedules"])
admin_router = APIRouter(
    prefix="/api/admin/schedules", tags=["admin"], dependencies=[Depends(require_calendar_keeper)]
)

ScheduleId = PathId
# Only digits are a slot's id: `PUT /generate` is then a method that `/generate` does not allow
# (405), not an id that is not a number (400).
ITEM = "/{schedule_id:int}"
ADMIN_ERRORS = (InvalidToken, AdminRequired)
OptionalId = Id | None


@router.get(
    "/api/schedules",
    summary="The slots of a day",
    description="The slots starting on `date` (a day in the practice's time zone) that the "
    "practice has opened, soonest first. `is_available` says whether a slot can be booked "
    "now: open, not full, not started, and allowed by its services' booking notice and buffer "
    "(a slot too close to a booked session of its therapist is not offered). Each slot names "
    "its therapist, its services and how it is held. `therapist_id` and `service_id` narrow "
    "the day to one therapist's slots or to the slots offering one service (whose terms then "
    "decide `is_available`). A date more than five years from today is refused. "
    "Each process may answer from memory for `ATTUNE_AVAILABILITY_CACHE_SECONDS` (1 s); a "
    "booking is always decided by the database, never by this view.",
    response_model=DaySlots,
    responses=documented_errors(InvalidSchedule, body=False),
)
@reads_database
async def list_day(
    day: Annotated[CalendarDate, Query(alias="date", examples=["2024-12-15"])],
    request: Request,
    therapist_id: Annotated[OptionalId, Query(examples=[1])] = None,
    service_id: Annotated[OptionalId, Query(examples=[1])] = None,
) -> Response:
    # The busiest public read takes what it needs from the app's state rather than through
    # dependencies: each dependency FastAPI solves costs about as much as a cached answer.
    state = request.app.state
    now = state.clock.now()
    cache: ReadCache = state.day_view_cache

    async def read() -> bytes:
        # A unit of work only on a miss: a hit touches neither the pool nor the database.
        # One SELECT (repository.open_slots_offered).
        async with single_read(request, now) as uow:
            slots = await schedule_service.day_view(uow, ANONYMOUS, day, only)
        view = DaySlots(day=day, slots=[slot_read(slot) for slot in slots])
        return view.model_dump_json(by_alias=True).encode()

    only = SlotFilter(therapist_id=therapist_id, service_id=service_id)
    # Kept under the key by which KeptReadsMiddleware looks it up before routing; valid, since
    # it got here.
    body = await cache.answer(day_view_key(request.scope, now), now, read)
    return Response(body, media_type="application/json")


# The day view's route, by which a remembered answer is labelled in the metrics and the log.
DAY_VIEW_ROUTE = next(
    route for route in router.routes if getattr(route, "endpoint", None) is list_day
)


@admin_router.get(
    "",
    summary="List slots (admin)",
    description="Every slot starting on the practice-zone days `from` to `to` (inclusive, at "
    "most 366 days; by default today and the next 30 days), soonest first, closed ones "
    "included. A therapist lists their own calendar only (asking for another's `therapist_id` "
    "is refused); the owner and the front desk list every one, or one with `therapist_id`.",
    responses=documented_errors(*ADMIN_ERRORS, InvalidSchedule, body=False),
)
async def list_schedules(
    *,
    actor: CalendarActor,
    uow: Work,
    first: Annotated[CalendarDate | None, Query(alias="from", examples=["2024-12-01"])] = None,
    last: Annotated[CalendarDate | None, Query(alias="to", examples=["2024-12-31"])] = None,
    therapist_id: Annotated[OptionalId, Query(examples=[1])] = None,
    service_id: Annotated[OptionalId, Query(examples=[1])] = None,
) -> ScheduleList:
    only = SlotFilter(therapist_id=therapist_id, service_id=service_id)
    first, last, slots = await schedule_service.list_days(uow, actor, first, last, only)
    return ScheduleList(
        from_date=first, to_date=last, schedules=[schedule_read(slot) for slot in slots]
    )


@admin_router.post(
    "",
    status_code=201,
    summary="Create a slot (admin)",
    description="`start_time` and `end_time` are RFC 3339 instants with an offset. The slot "
    "must start in the future, last at most 12 hours and overlap no other slot of its "
    "therapist (a slot may start when another ends; two therapists' slots may overlap) nor "
    "a scheduled appointment of theirs. `therapist_id` defaults to the caller when they are "
    "a therapist (or the practice's only one), `service_ids` to every service that therapist "
    "offers, `max_bookings` to the services' seats. A therapist may add slots to their own "
    "calendar only.",
    responses=documented_errors(
        *ADMIN_ERRORS, InvalidSchedule, ScheduleOverlap, SlotOverlapsAppointment
    ),
)
async def create_schedule(
    body: Annotated[ScheduleCreate, Body(openapi_examples=CREATE_EXAMPLES)],
    actor: CalendarActor,
    uow: Work,
) -> ScheduleSaved:
    slot = await schedule_service.create(uow, actor, body)
    return ScheduleSaved(message="Schedule created successfully", schedule=schedule_read(slot))


@admin_router.post(
    "/generate",
    status_code=201,
    summary="Generate weekly slots (admin)",
    description="On each of `weekdays` (0 = Monday) from `start_date` to `end_date`, slots of "
    "`session_minutes` start at `start_time`, then every `session_minutes + break_minutes`, "
    "as long as a session ends by `end_time`. Dates and times are the practice's: a slot "
    "starts at the same local time across daylight-saving changes. A start that does not "
    "exist that day (the clocks skip it), is not in the future or overlaps a slot is "
    "skipped and listed with its reason; a local time that happens twice is used once, at "
    f"its first occurrence. At most {MAX_GENERATED} slots per request. The slots are "
    "`therapist_id`'s (default: the caller when they are a therapist, or the practice's only "
    "one) and offer `service_ids` (default: every service of that therapist); "
    "`session_minutes` defaults to the services' length when they share one (else 60), "
    "`max_bookings` to their seats. Another therapist's slots do not get in the way.",
    responses=documented_errors(*ADMIN_ERRORS, InvalidSchedule, ScheduleOverlap),
)
async def generate_schedules(
    body: Annotated[ScheduleGenerate, Body(openapi_examples=GENERATE_EXAMPLES)],
    actor: CalendarActor,
    uow: Work,
) -> SchedulesGenerated:
    generated = await schedule_service.generate(uow, actor, body)
    return SchedulesGenerated(
        message="Schedules generated successfully",
        created=[schedule_read(slot) for slot in generated.created],
        skipped=[skipped_read(item) for item in generated.skipped],
        created_count=len(generated.created),
        skipped_count=len(generated.skipped),
    )


@admin_router.put(
    ITEM,
    summary="Change a slot (admin)",
    description="Changes the fields that are sent. Times are checked as on create and can "
    "only move while no booking holds a seat; `max_bookings` never drops below "
    "`booked_count`. Closing a slot (`is_available: false`) keeps its bookings. A "
    "therapist may change only their own slots (another's is not found).",
    responses=documented_errors(
        *ADMIN_ERRORS,
        InvalidSchedule,
        ScheduleNotFound,
        ScheduleOverlap,
        SlotOverlapsAppointment,
        ScheduleHasBookings,
        CapacityBelowBookings,
    ),
)
async def update_schedule(
    schedule_id: ScheduleId,
    body: Annotated[ScheduleUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
    actor: CalendarActor,
    uow: Work,
) -> ScheduleSaved:
    slot = await schedule_service.update(uow, actor, schedule_id, body)
    return ScheduleSaved(message="Schedule updated successfully", schedule=schedule_read(slot))


@admin_router.delete(
    ITEM,
    summary="Delete a slot (admin)",
    description="Only a slot that no booking holds a seat in. Its cancelled bookings keep "
    "their data, without a slot. A therapist may delete only their own slots.",
    responses=documented_errors(*ADMIN_ERRORS, ScheduleNotFound, ScheduleHasBookings, body=False),
)
async def delete_schedule(
    schedule_id: ScheduleId, actor: CalendarActor, uow: Work
) -> ScheduleDeleted:
    await schedule_service.delete(uow, actor, schedule_id)
    return ScheduleDeleted(message="Schedule deleted successfully")
