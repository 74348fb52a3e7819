"""`/admin/`: the therapist's day at a glance. Routed as `/admin`, as every path is routed
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
from attune.platform.dependencies import Work
from attune.platform.practice_calendar import PracticeCalendar
from attune.requests.reading import reading_service
from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")

# Today and the six days after it.
WEEK_DAYS = 7


@router.get("")
async def today(request: Request, uow: Work, visitor: Staff) -> Response:
    actor = visitor.actor
    calendar = PracticeCalendar.of(uow.settings)
    first = calendar.today(uow.now)
    last = first + timedelta(days=WEEK_DAYS - 1)
    figures = await admin_service.dashboard(uow, actor)
    requests = await reading_service.stats(uow, actor)
    sessions = await admin_service.sessions(uow, actor, first, last)
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
            "waiting_requests": requests.count(AppointmentStatus.pending_review),
        },
    )


def _by_day(
    sessions: list[PracticeBookingView], calendar: PracticeCalendar
) -> dict[date, list[PracticeBookingView]]:
    """The sessions (soonest first) under the practice's day each starts on."""

    def day_of(item: PracticeBookingView) -> date:
        return calendar.date_of(item.booking.scheduled_at)

    return {day: list(items) for day, items in groupby(sessions, key=day_of)}
