"""`/admin/requests`: appointment requests, waiting first; scheduling or rejecting one.

Reading goes through `reading_service` (each look audited, as the API's), scheduling, moving
and declining through `review_service`, the services `/api/meetings/appointments/*` call.
"""

from __future__ import annotations

from datetime import date, time

from starlette.requests import Request
from starlette.responses import Response

from attune.models import AppointmentStatus
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.practice_calendar import PracticeCalendar
from attune.practice.service import practice_service
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
# A choice of therapist refused for the service it does not offer is shown beside the picker.
CHOICE_FIELDS = {**FIELDS, "service_id": "therapist_id"}
DONE = {
    "scheduled": "The appointment is scheduled. The requester has been mailed an invitation.",
    "rescheduled": "The appointment is moved. The requester has been mailed an update.",
    "rejected": "The request is declined. The requester has been mailed.",
}


@router.get("/requests")
async def requests(
    request: Request, uow: Work, visitor: Staff, therapist: str | None = None
) -> Response:
    """The requests the member sees; `?therapist=<id>` keeps one therapist's (a filter that
    stays in the address, so a list can be shared)."""
    actor = visitor.actor
    chosen = int(therapist) if therapist and therapist.isdigit() else None
    listed = await reading_service.listed(uow, actor, therapist_id=chosen)
    waiting = [item for item in listed if item.status == AppointmentStatus.pending_review]
    others = [item for item in listed if item.status != AppointmentStatus.pending_review]
    context = {
        "waiting": waiting,
        "others": others,
        "therapists": await _therapist_choices(uow, actor, "Every therapist"),
        "filter": Form({"therapist": str(chosen or "")}),
    }
    return render(request, "admin/requests.html", context)


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
                    uow,
                    visitor.actor,
                    request_id,
                    body.scheduled_datetime,
                    body.scheduled_duration,
                    therapist_id=body.therapist_id,
                )
            else:
                await review_service.schedule(
                    uow,
                    visitor.actor,
                    request_id,
                    body.scheduled_datetime,
                    body.scheduled_duration,
                    therapist_id=body.therapist_id,
                )
    except FormInvalid as invalid:
        errors = {FIELDS.get(name, name): message for name, message in invalid.errors.items()}
        return await _request_page(
            request, uow, visitor.actor, request_id, form.refused(errors), status_code=400
        )
    except AttuneError as error:
        # A clash is about the time typed: shown beside it, not as a page of its own.
        renamed = (
            {**CHOICE_FIELDS, FORM: "time"}
            if isinstance(error, AppointmentOverlap)
            else CHOICE_FIELDS
        )
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
    if form.values.get("therapist_id"):
        values["therapist_id"] = form.values["therapist_id"]
    return values


async def _therapist_choices(uow: Work, actor: Actor, nobody: str) -> list[tuple[str, str]]:
    """The therapists a member may choose among, after `nobody` (the empty choice); none for
    a therapist, who sees and schedules on their own calendar only."""
    if policy.client_scope(actor) is not policy.ANY_THERAPIST:
        return []
    therapists = await practice_service.therapists(uow, actor)
    return [("", nobody)] + [(str(one.id), one.name) for one in therapists]


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
    if view.therapist_id is not None:
        form.values.setdefault("therapist_id", str(view.therapist_id))
    therapists = await _therapist_choices(uow, actor, "Choose a therapist")
    return render(
        request,
        "admin/request.html",
        {"view": view, "form": form, "notice": notice, "therapists": therapists},
        status_code=status_code,
    )
