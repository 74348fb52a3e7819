"""Seed 003's weekly availability (admin) and the public list of dates open to requests."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from attune.admin.audit import Audit
from attune.availability import service
from attune.availability.schemas import (
    AVAILABLE_DATES_EXAMPLE,
    UPDATE_EXAMPLES,
    Availability,
    AvailabilityPatch,
    AvailabilityUpdate,
    availability_read,
)
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.auth import InvalidToken, require_staff
from attune.platform.dependencies import AppClock, AppSettings, Session
from attune.platform.openapi import documented_errors
from attune.platform.policy import AdminRequired
from attune.platform.practice_calendar import PracticeCalendar

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
async def get_availability(session: Session) -> Availability:
    return availability_read(await service.available_days(session))


@admin_router.put(
    "",
    summary="Set the weekly availability (admin)",
    description=WRITE_DESCRIPTION,
    responses=documented_errors(*ADMIN_ERRORS),
)
async def put_availability(
    body: Annotated[AvailabilityUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
    session: Session,
    clock: AppClock,
    audit: Audit,
) -> Availability:
    days = await service.set_available_days(session, body.available_days, clock.now())
    audit.record(AuditAction.availability_changed, AuditTarget.availability, available_days=days)
    return availability_read(days)


@admin_router.patch(
    "",
    summary="Change the weekly availability (admin)",
    description=WRITE_DESCRIPTION + " Left out, `available_days` stays as it is.",
    responses=documented_errors(*ADMIN_ERRORS),
)
async def patch_availability(
    body: Annotated[AvailabilityPatch, Body(openapi_examples=UPDATE_EXAMPLES)],
    session: Session,
    clock: AppClock,
    audit: Audit,
) -> Availability:
    if body.available_days is None:
        return availability_read(await service.available_days(session))
    days = await service.set_available_days(session, body.available_days, clock.now())
    audit.record(AuditAction.availability_changed, AuditTarget.availability, available_days=days)
    return availability_read(days)


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
    f"through the next {service.REACH_DAYS - 1} days ({service.REACH_DAYS} days in all) that "
    "fall on the weekdays the practice takes requests on, soonest first. Today is included. "
    "Appointments already made do not remove a date. An empty list means the practice takes "
    "no requests for now.",
    responses=AVAILABLE_DATES_RESPONSE,
)
async def list_available_dates(
    session: Session, settings: AppSettings, clock: AppClock
) -> list[date]:
    today = PracticeCalendar.of(settings).today(clock.now())
    return await service.available_dates(session, today)
