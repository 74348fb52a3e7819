"""`/request`: asking for an appointment without an account (seed 003's flow).

The form offers the dates the practice takes requests on (the availability service's, as the
API's `available-dates`) and posts to the service the API's `appointments/create` calls. Once
sent, the browser keeps the request's receipt in a short-lived cookie, so `/request/sent` can
show what was asked without anything personal in its address.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from attune.availability.service import availability_service
from attune.models import TimeOfDay
from attune.platform.actor import Actor
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.settings import Environment
from attune.practice.service import practice_service
from attune.requests.errors import AppointmentNotFound
from attune.requests.intake import RECEIPT_LIFETIME, intake_service
from attune.requests.mail import TIME_OF_DAY_HOURS
from attune.requests.schemas import MAX_PREFERRED_DATES, AppointmentCreate
from attune.web.auth import Visitor, actor_of
from attune.web.forms import Form, FormInvalid, errors_of, parse, read_form
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router()

SENT_COOKIE = "attune_request_sent"
LISTS = ("preferred_dates", "preferred_time_slots")
# What a person is told when they leave a group of boxes unticked (the schema's words are the
# API's: "must have at least 1 item").
NOTHING_TICKED = {
    "preferred_dates": "Choose at least one preferred date",
    "preferred_time_slots": "Choose at least one time of day",
}
TIMES_OF_DAY = [
    (slot.value, slot.value.capitalize(), TIME_OF_DAY_HOURS[slot.value]) for slot in TimeOfDay
]


# The optional choices of the form, and the address's names for them (`/request?therapist=2`,
# a link a therapist can share).
CHOICES = {"therapist_id": "therapist", "service_id": "service"}


async def _request_page(
    request: Request,
    uow: Work,
    actor: Actor,
    form: Form,
    dates: list[date],
    *,
    status_code: int = 200,
) -> Response:
    therapists = await practice_service.therapists(uow, actor)
    services = await practice_service.services(uow, actor)
    context: dict[str, Any] = {
        "form": form,
        "dates": dates,
        # A choice is offered only when there is one to make.
        "therapists": [("", "Anyone")] + [(str(one.id), one.name) for one in therapists]
        if len(therapists) > 1
        else [],
        "services": [("", "Any service")] + [(str(one.id), one.name) for one in services]
        if len(services) > 1
        else [],
        "chosen_dates": set(form.values.get("preferred_dates", [])),
        "chosen_times": set(form.values.get("preferred_time_slots", [])),
        "times_of_day": TIMES_OF_DAY,
        "max_dates": MAX_PREFERRED_DATES,
    }
    return render(request, "client/request.html", context, status_code=status_code)


def _messages(form: Form, errors: dict[str, str]) -> dict[str, str]:
    for name, message in NOTHING_TICKED.items():
        if name in errors and not form.values.get(name):
            errors[name] = message
    return errors


def _refusal(error: AttuneError) -> dict[str, str]:
    """The service's refusal beside its field, without the API's `field: ` prefix."""
    errors = errors_of(error)
    if error.field is not None and error.field in errors:
        errors[error.field] = errors[error.field].replace(f"{error.field}: ", "")
    return errors


def _chosen(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values for the schema: a choice left at "Anyone" is no choice."""
    return {name: value for name, value in values.items() if not (name in CHOICES and value == "")}


@router.get("/request")
async def request_an_appointment(
    request: Request,
    uow: Work,
    visitor: Visitor,
    therapist: str | None = None,
    service: str | None = None,
) -> Response:
    dates = await availability_service.available_dates(uow, actor_of(visitor))
    # Chosen in the address: a therapist's or a service's page links here with its id.
    form = Form({"therapist_id": therapist or "", "service_id": service or ""})
    return await _request_page(request, uow, actor_of(visitor), form, dates)


@router.post("/request")
async def send_request(request: Request, uow: Work, visitor: Visitor) -> Response:
    actor = actor_of(visitor)
    form = await read_form(request, lists=LISTS)
    try:
        wanted = parse(AppointmentCreate, _chosen(form.values))
        async with uow.attempt():
            view = await intake_service.create(uow, actor, wanted.wanted())
    except FormInvalid as invalid:
        dates = await availability_service.available_dates(uow, actor)
        refused = form.refused(_messages(form, invalid.errors))
        return await _request_page(request, uow, actor, refused, dates, status_code=400)
    except AttuneError as error:
        dates = await availability_service.available_dates(uow, actor)
        refused = form.refused(_refusal(error))
        return await _request_page(
            request, uow, actor, refused, dates, status_code=error.status_code
        )
    response = see_other("/request/sent")
    response.set_cookie(
        SENT_COOKIE,
        f"{view.id}.{intake_service.receipt(uow.settings, view.id)}",
        max_age=int(RECEIPT_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=uow.settings.env is Environment.production,
        path="/request",
    )
    return response


@router.get("/request/sent")
async def request_sent(request: Request, uow: Work, visitor: Visitor) -> Response:
    request_id, _, receipt = request.cookies.get(SENT_COOKIE, "").partition(".")
    if not request_id or not receipt:
        return see_other("/request")
    try:
        view = await intake_service.sent(uow, actor_of(visitor), request_id, receipt)
    except AppointmentNotFound:
        return see_other("/request")
    return render(
        request,
        "client/request_sent.html",
        {
            "sent": view,
            "preferred_dates": [date.fromisoformat(day) for day in view.preferred_dates],
            "hours": TIME_OF_DAY_HOURS,
        },
    )
