"""`/admin/requests`: appointment requests, waiting first; scheduling or rejecting one.

Reading goes through `reading_service` (each look audited, as the API's), scheduling, moving
and declining through `review_service`, the services `/api/meetings/appointments/*` call.
"""

from __future__ import annotations

from datetime import date, time

from starlette.requests import Request
from starlette.responses import Response

from attune.models import AppointmentStatus
from attune.platform.actor import Actor
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.practice_calendar import PracticeCalendar
from attune.requests.errors import AppointmentOverlap
from attune.requests.reading import reading_service
from attune.requests.review import DEFAULT_DURATION, review_service
from attune.requests.schemas import AppointmentMove, AppointmentReject, AppointmentSchedule
from attune.web.auth import Staff
from attune.web.forms import FORM, Form, FormInvalid, errors_of, parse, read_form
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router(prefix="/admin")

# The form's names for the API's fields, and back.
FIELDS = {"scheduled_datetime": "time", "scheduled_duration": "duration"}
DONE = {
    "scheduled": "The appointment is scheduled. The requester has been mailed an invitation.",
    "rescheduled": "The appointment is moved. The requester has been mailed an update.",
    "rejected": "The request is declined. The requester has been mailed.",
}


@router.get("/requests")
async def requests(request: Request, uow: Work, visitor: Staff) -> Response:
    listed = await reading_service.listed(uow, visitor.actor)
    waiting = [item for item in listed if item.status == AppointmentStatus.pending_review]
    others = [item for item in listed if item.status != AppointmentStatus.pending_review]
    return render(request, "admin/requests.html", {"waiting": waiting, "others": others})


@router.get("/requests/{request_id}")
async def appointment_request(
    request: Request, request_id: str, uow: Work, visitor: Staff, done: str | None = None
) -> Response:
    return await _request_page(
        request, uow, visitor.actor, request_id, Form(), notice=DONE.get(done or "")
    )


@router.post("/requests/{request_id}/schedule")
async def schedule(request: Request, request_id: str, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request)
    current = await reading_service.read(uow, visitor.actor, request_id)
    moving = current.status == AppointmentStatus.scheduled
    try:
        body = parse(
            AppointmentMove if moving else AppointmentSchedule,
            _schedule_values(form, PracticeCalendar.of(uow.settings)),
        )
        async with uow.attempt():
            if moving:
                await review_service.reschedule(
                    uow, visitor.actor, request_id, body.scheduled_datetime, body.scheduled_duration
                )
            else:
                await review_service.schedule(
                    uow, visitor.actor, request_id, body.scheduled_datetime, body.scheduled_duration
                )
    except FormInvalid as invalid:
        errors = {FIELDS.get(name, name): message for name, message in invalid.errors.items()}
        return await _request_page(
            request, uow, visitor.actor, request_id, form.refused(errors), status_code=400
        )
    except AttuneError as error:
        # A clash is about the time typed: shown beside it, not as a page of its own.
        renamed = {**FIELDS, FORM: "time"} if isinstance(error, AppointmentOverlap) else FIELDS
        return await _request_page(
            request,
            uow,
            visitor.actor,
            request_id,
            form.refused(errors_of(error, fields=renamed)),
            status_code=error.status_code,
        )
    done = "rescheduled" if moving else "scheduled"
    return see_other(f"/admin/requests/{request_id}?done={done}")


@router.post("/requests/{request_id}/reject")
async def reject(request: Request, request_id: str, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request)
    try:
        body = parse(AppointmentReject, form.values)
        async with uow.attempt():
            await review_service.reject(uow, visitor.actor, request_id, body.rejection_reason)
    except FormInvalid as invalid:
        return await _request_page(
            request, uow, visitor.actor, request_id, form.refused(invalid.errors), status_code=400
        )
    except AttuneError as error:
        errors = errors_of(error, fields={FORM: "rejection_reason"})
        return await _request_page(
            request,
            uow,
            visitor.actor,
            request_id,
            form.refused(errors),
            status_code=error.status_code,
        )
    return see_other(f"/admin/requests/{request_id}?done=rejected")


def _schedule_values(form: Form, calendar: PracticeCalendar) -> dict[str, object]:
    """The API's fields from the form's: a date and a time on the practice's clocks, and the
    minutes (left out when empty, as the API's default is)."""
    errors: dict[str, str] = {}
    typed_date, typed_time = form.values.get("date", ""), form.values.get("time", "")
    day = wall = None
    try:
        day = date.fromisoformat(typed_date)
    except ValueError:
        errors["date"] = "Enter a date, such as 2026-12-24"
    try:
        wall = time.fromisoformat(typed_time)
    except ValueError:
        errors["time"] = "Enter a time, such as 14:30"
    values: dict[str, object] = {}
    if day is not None and wall is not None:
        instant = calendar.instant_at(day, wall)
        if instant is None:
            errors["time"] = "The clocks skip this time on that day; choose another"
        else:
            values["scheduled_datetime"] = instant.isoformat()
    if errors:
        raise FormInvalid(errors)
    if form.values.get("duration"):
        values["scheduled_duration"] = form.values["duration"]
    return values


async def _request_page(
    request: Request,
    uow: Work,
    actor: Actor,
    request_id: str,
    form: Form,
    *,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    view = await reading_service.read(uow, actor, request_id)
    if view.scheduled_at is not None and not form.values:
        local = view.scheduled_at.astimezone(uow.settings.zone)
        form.values.update(
            date=local.date().isoformat(),
            time=local.strftime("%H:%M"),
            duration=str(view.scheduled_duration or ""),
        )
    elif view.status == AppointmentStatus.pending_review and not form.values:
        form.values["duration"] = str(DEFAULT_DURATION)
    return render(
        request,
        "admin/request.html",
        {"view": view, "form": form, "notice": notice},
        status_code=status_code,
    )
