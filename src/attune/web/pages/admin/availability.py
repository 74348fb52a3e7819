"""`/admin/availability`: the weekdays on which appointment requests may be made, through the
service the API's `/api/meetings/admin/availability` calls."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from attune.availability.schemas import DAY_NAMES, AvailabilityUpdate
from attune.availability.service import availability_service
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.web.auth import Staff
from attune.web.forms import Form, FormInvalid, errors_of, parse, read_form
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router(prefix="/admin")


async def _availability_page(
    request: Request,
    uow: Work,
    visitor: Staff,
    form: Form,
    chosen: list[int],
    *,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "weekdays": list(enumerate(DAY_NAMES)),
        "chosen": set(chosen),
        "offered": await availability_service.available_dates(uow, visitor.actor),
    }
    return render(request, "admin/availability.html", context, status_code=status_code)


def _weekdays(values: list[str]) -> list[int | str]:
    """The ticked boxes as the API's weekday numbers; anything else stays as posted, for the
    schema to refuse."""
    return [int(value) if value.isdecimal() else value for value in values]


@router.get("/availability")
async def availability(request: Request, uow: Work, visitor: Staff) -> Response:
    days = await availability_service.weekly(uow, visitor.actor)
    return await _availability_page(request, uow, visitor, Form(), days)


@router.post("/availability")
async def save_availability(request: Request, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request, lists=("available_days",))
    posted = _weekdays(form.values["available_days"])
    try:
        body = parse(AvailabilityUpdate, {"available_days": posted})
        async with uow.attempt():
            await availability_service.set_weekly(uow, visitor.actor, body.available_days)
    except FormInvalid as invalid:
        chosen = [day for day in posted if isinstance(day, int)]
        return await _availability_page(
            request, uow, visitor, form.refused(invalid.errors), chosen, status_code=400
        )
    except AttuneError as error:
        chosen = [day for day in posted if isinstance(day, int)]
        return await _availability_page(
            request,
            uow,
            visitor,
            form.refused(errors_of(error)),
            chosen,
            status_code=error.status_code,
        )
    return see_other(with_notice("/admin/availability", "availability-saved"))
