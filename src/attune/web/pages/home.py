"""`/`: the practice, its next free times, and the ways in."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from attune.platform.dependencies import Work
from attune.platform.practice_calendar import PracticeCalendar
from attune.scheduling.service import schedule_service
from attune.web.auth import Visitor, actor_of
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router()

# How far ahead the home page looks for free times, and how many it shows.
LOOK_AHEAD_DAYS = 28
SHOWN_FREE_TIMES = 6


@router.get("/")
async def home(request: Request, uow: Work, visitor: Visitor) -> Response:
    today = PracticeCalendar.of(uow.settings).today(uow.now)
    slots = await schedule_service.free_slots(
        uow, actor_of(visitor), today, today + timedelta(days=LOOK_AHEAD_DAYS)
    )
    return render(request, "client/home.html", {"slots": slots[:SHOWN_FREE_TIMES]})
