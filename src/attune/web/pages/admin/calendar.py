"""`/admin/calendar`: the week's slots and their bookings; adding, closing, reopening and
removing slots, and generating a timetable after a preview of what it would make.

Slots are the scheduling service's, bookings the admin service's diary (audited as the list of
bookings is). Dates and times typed here are on the practice's clock, as the API's are.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query
from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response

from attune.accounts.page_sessions import PageSession
from attune.admin.service import admin_service
from attune.admin.views import PracticeBookingView
from attune.models import Delivery
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.fields import CalendarDate, WallTime
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository as practice
from attune.scheduling.repository import SlotFilter
from attune.scheduling.schemas import Capacity, ScheduleCreate, ScheduleGenerate, ScheduleUpdate
from attune.scheduling.service import schedule_service
from attune.scheduling.views import Generated
from attune.web.auth import Staff
from attune.web.forms import Form, FormInvalid, errors_of, parse, read_form, sentence
from attune.web.notices import NOTICES, PARAMETER
from attune.web.pages.admin.therapist_filter import chosen_therapist, therapist_options
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router(prefix="/admin")

CALENDAR = "/admin/calendar"
WEEK = 7
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The add form's names for the API's fields.
ADD_FIELDS = {
    "start_time": "start",
    "end_time": "end",
    "max_bookings": "seats",
    "therapist_id": "slot_therapist",
    "service_ids": "slot_services",
    "delivery": "slot_delivery",
    "location": "slot_location",
}
# How a slot's sessions are held, as the forms offer it.
DELIVERIES = [("video", "By video"), ("in_person", "In person")]
SKIPPED_TIME = "The clocks skip this time on that day (daylight saving time starts)."


class SlotTimes(BaseModel):
    """The add form: a day and two times on the practice's clock, and the seats."""

    model_config = ConfigDict(extra="ignore")

    day: CalendarDate
    start: WallTime
    end: WallTime
    seats: Capacity = 1


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_asked(value: Any, today: date) -> date:
    """The Monday of the week a form came from (a hidden field), else of this week."""
    try:
        return monday_of(date.fromisoformat(str(value)))
    except ValueError:
        return monday_of(today)


def _generate_defaults(week: date, today: date) -> Form:
    """A working week of 50-minute sessions with 10-minute breaks, over the week shown."""
    first = max(week, today)
    return Form(
        {
            "weekdays": ["0", "1", "2", "3", "4"],
            "start_time": "09:00",
            "end_time": "17:00",
            "session_minutes": "50",
            "break_minutes": "10",
            "start_date": first.isoformat(),
            "end_date": (week + timedelta(days=WEEK - 1)).isoformat(),
            "max_bookings": "1",
        }
    )


async def _week_page(
    request: Request,
    uow: UnitOfWork,
    visitor: PageSession,
    week: date | None,
    *,
    add_form: Form | None = None,
    generate_form: Form | None = None,
    preview: Generated | None = None,
    slot_errors: dict[int, str] | None = None,
    status_code: int = 200,
    therapist: str | None = None,
) -> Response:
    actor = visitor.actor
    calendar = PracticeCalendar.of(uow.settings)
    today = calendar.today(uow.now)
    monday = monday_of(week or today)
    sunday = monday + timedelta(days=WEEK - 1)
    # The owner and the front desk may look at one therapist's week; a therapist's is theirs.
    options = await therapist_options(uow, actor)
    chosen = chosen_therapist(therapist, options)
    _, _, slots = await schedule_service.list_days(
        uow, actor, monday, sunday, SlotFilter(therapist_id=chosen)
    )
    sessions = await admin_service.sessions(uow, actor, monday, sunday, therapist_id=chosen)
    bookings: dict[int | None, list[PracticeBookingView]] = defaultdict(list)
    for item in sessions:
        bookings[item.booking.schedule_id].append(item)
    days = [monday + timedelta(days=offset) for offset in range(WEEK)]
    slots_of = {
        day: [slot for slot in slots if calendar.date_of(slot.start_at) == day] for day in days
    }
    return render(
        request,
        "admin/calendar.html",
        {
            "week": monday,
            "week_end": sunday,
            "previous_week": monday - timedelta(days=WEEK),
            "next_week": monday + timedelta(days=WEEK),
            "this_week": monday_of(today),
            "today": today,
            "days": [(day, slots_of[day]) for day in days],
            "bookings": bookings,
            "add_form": add_form or Form({"day": max(monday, today).isoformat(), "seats": "1"}),
            "generate_form": generate_form or _generate_defaults(monday, today),
            "weekdays": list(enumerate(WEEKDAYS)),
            "preview": preview,
            "slot_errors": slot_errors or {},
            "therapist_options": options,
            "chosen_therapist": "" if chosen is None else str(chosen),
            **await _offer_choices(uow, options),
        },
        status_code=status_code,
    )


async def _offer_choices(uow: UnitOfWork, options: list[tuple[str, str]] | None) -> dict[str, Any]:
    """Whose slot a new one is and which services it offers, for a practice that has a choice
    to make: the owner and the front desk pick a therapist (default: the only one, or the one
    shown), anyone picks among several services (none picked: every one of the therapist's)."""
    services = await practice.active_services(uow.session)
    return {
        # Only a practice with a service held in person has a choice of how.
        "deliveries": DELIVERIES
        if any(one.delivery != Delivery.video for one in services)
        else None,
        "slot_therapists": [("", "Choose a therapist"), *options[1:]]
        if options is not None and len(options) > 2
        else None,
        "service_choices": [(str(one.id), one.name) for one in services]
        if len(services) > 1
        else None,
    }


def _offer_fields(form: Form, prefix: str = "") -> dict[str, Any]:
    """The therapist, services and way of holding them that a form names (its fields named
    with `prefix`), as the slot services take them; a field left blank takes the default."""
    named = form.values.get(prefix + "therapist") if prefix else form.values.get("therapist_id")
    chosen = form.values.get(prefix + "services" if prefix else "service_ids") or []
    return {
        "therapist_id": named or None,
        "service_ids": list(chosen) if chosen else None,
        "delivery": form.values.get(prefix + "delivery") or "video",
        "location": form.values.get(prefix + "location") or None,
    }


@router.get("/calendar")
async def calendar(
    request: Request,
    uow: Work,
    visitor: Staff,
    week: Annotated[CalendarDate | None, Query()] = None,
    therapist: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return await _week_page(request, uow, visitor, week, therapist=therapist)


def _week_with_notice(week: date, notice: str) -> str:
    """The calendar's week with one of the site's named notices (web.notices)."""
    if notice not in NOTICES:
        raise ValueError(f"no notice {notice!r}")
    return f"{CALENDAR}?{urlencode({'week': week.isoformat(), PARAMETER: notice})}"


@router.post("/calendar/slots")
async def add_slot(request: Request, uow: Work, visitor: Staff) -> Response:
    form = await read_form(request, lists=("slot_services",))
    calendar = PracticeCalendar.of(uow.settings)
    week = _week_asked(form.values.get("week"), calendar.today(uow.now))
    try:
        times = parse(SlotTimes, form.values)
        start = calendar.instant_at(times.day, times.start)
        end = calendar.instant_at(times.day, times.end)
        if start is None or end is None:
            raise FormInvalid({"start" if start is None else "end": SKIPPED_TIME})
        body = parse(
            ScheduleCreate,
            {
                "start_time": start.isoformat(),
                "end_time": end.isoformat(),
                "max_bookings": times.seats,
                **_offer_fields(form, "slot_"),
            },
        )
        async with uow.attempt():
            slot = await schedule_service.create(uow, visitor.actor, body)
    except FormInvalid as invalid:
        errors = {ADD_FIELDS.get(name, name): message for name, message in invalid.errors.items()}
        return await _week_page(
            request, uow, visitor, week, add_form=form.refused(errors), status_code=400
        )
    except AttuneError as error:
        errors = errors_of(error, fields=ADD_FIELDS)
        return await _week_page(
            request,
            uow,
            visitor,
            week,
            add_form=form.refused(errors),
            status_code=error.status_code,
        )
    return see_other(_week_with_notice(monday_of(calendar.date_of(slot.start_at)), "slot-added"))


@router.post("/calendar/generate")
async def generate(request: Request, uow: Work, visitor: Staff) -> Response:
    """ "Preview" answers what the request would make now; "Generate" makes it."""
    form = await read_form(request, lists=("weekdays", "service_ids"))
    today = PracticeCalendar.of(uow.settings).today(uow.now)
    week = _week_asked(form.values.get("week"), today)
    dry_run = form.values.get("action") != "generate"
    try:
        body = parse(
            ScheduleGenerate,
            {**form.values, **_offer_fields(form)},
        )
        async with uow.attempt():
            generated = await schedule_service.generate(uow, visitor.actor, body, dry_run=dry_run)
    except FormInvalid as invalid:
        return await _week_page(
            request, uow, visitor, week, generate_form=form.refused(invalid.errors), status_code=400
        )
    except AttuneError as error:
        return await _week_page(
            request,
            uow,
            visitor,
            week,
            generate_form=form.refused(errors_of(error)),
            status_code=error.status_code,
        )
    if dry_run:
        return await _week_page(request, uow, visitor, week, generate_form=form, preview=generated)
    first_week = monday_of(body.start_date)
    # To the top of the week: the form was posted to its own section.
    return see_other(_week_with_notice(first_week, "slots-generated") + "#main")


@router.post("/calendar/slots/{slot_id:int}/close")
async def close_slot(request: Request, uow: Work, visitor: Staff, slot_id: int) -> Response:
    return await _change_slot(request, uow, visitor, slot_id, ScheduleUpdate(is_available=False))


@router.post("/calendar/slots/{slot_id:int}/reopen")
async def reopen_slot(request: Request, uow: Work, visitor: Staff, slot_id: int) -> Response:
    return await _change_slot(request, uow, visitor, slot_id, ScheduleUpdate(is_available=True))


@router.post("/calendar/slots/{slot_id:int}/remove")
async def remove_slot(request: Request, uow: Work, visitor: Staff, slot_id: int) -> Response:
    return await _change_slot(request, uow, visitor, slot_id, None)


async def _change_slot(
    request: Request,
    uow: UnitOfWork,
    visitor: PageSession,
    slot_id: int,
    change: ScheduleUpdate | None,
) -> Response:
    """Close or reopen the slot (`change`), or remove it (None); back to its week."""
    form = await read_form(request)
    week = _week_asked(form.values.get("week"), PracticeCalendar.of(uow.settings).today(uow.now))
    try:
        async with uow.attempt():
            if change is None:
                await schedule_service.delete(uow, visitor.actor, slot_id)
                notice = "slot-removed"
            else:
                await schedule_service.update(uow, visitor.actor, slot_id, change)
                notice = "slot-reopened" if change.is_available else "slot-closed"
    except AttuneError as error:
        if error.status_code == 404:
            raise
        return await _week_page(
            request,
            uow,
            visitor,
            week,
            slot_errors={slot_id: sentence(error)},
            status_code=error.status_code,
        )
    return see_other(_week_with_notice(week, notice))
