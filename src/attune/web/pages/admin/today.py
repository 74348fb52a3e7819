"""`/admin/`: the therapist's day at a glance (a therapist's own; the owner's and the front
desk's, the practice's or one therapist's). Routed as `/admin`, as every path is routed
without its trailing slash.

Today's sessions and the rest of the coming week's, with their clients (the diary of the admin
service, audited as the list of bookings is), the requests waiting for an answer, the unpaid
bookings and the month's revenue (the dashboard's figures)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby

from starlette.requests import Request
from starlette.responses import Response

from attune.admin.service import admin_service
from attune.admin.views import PracticeBookingView
from attune.models import AppointmentStatus
from attune.platform.actor import Actor
from attune.platform.dependencies import Work
from attune.platform.errors import Forbidden
from attune.platform.practice_calendar import PracticeCalendar
from attune.requests.reading import reading_service
from attune.web.auth import Staff
from attune.web.pages.admin.therapist_filter import chosen_therapist, therapist_options
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")

# Today and the six days after it.
WEEK_DAYS = 7


@router.get("")
async def today(
    request: Request, uow: Work, visitor: Staff, therapist: str | None = None
) -> Response:
    """A therapist's own week; the owner's and the front desk's the whole practice's, or one
    therapist's (`?therapist=`, which the page's filter sets)."""
    actor = visitor.actor
    calendar = PracticeCalendar.of(uow.settings)
    first = calendar.today(uow.now)
    last = first + timedelta(days=WEEK_DAYS - 1)
    options = await therapist_options(uow, actor)
    chosen = chosen_therapist(therapist, options)
    figures = await admin_service.dashboard(uow, actor, therapist_id=chosen)
    sessions = await admin_service.sessions(uow, actor, first, last, therapist_id=chosen)
    days = _by_day(sessions, calendar)
    return render(
        request,
        "admin/today.html",
        {
            "today": first,
            "last_day": last,
            "today_sessions": days.pop(first, []),
            "later_days": sorted(days.items()),
            "figures": figures,
            "waiting_requests": await _waiting_requests(uow, actor),
            "therapist_options": options,
            "chosen_therapist": "" if chosen is None else str(chosen),
        },
    )


async def _waiting_requests(uow: Work, actor: Actor) -> int | None:
    """Requests waiting for an answer, when the actor may review requests (None otherwise)."""
    try:
        requests = await reading_service.stats(uow, actor)
    except Forbidden:
        return None
    return requests.count(AppointmentStatus.pending_review)


def _by_day(
    sessions: list[PracticeBookingView], calendar: PracticeCalendar
) -> dict[date, list[PracticeBookingView]]:
    """The sessions (soonest first) under the practice's day each starts on."""

    def day_of(item: PracticeBookingView) -> date:
        return calendar.date_of(item.booking.scheduled_at)

    return {day: list(items) for day, items in groupby(sessions, key=day_of)}
