"""`/admin/calendar`: the week's slots and their bookings; adding slots and generating a
timetable."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("/calendar")
async def calendar(request: Request, visitor: Staff) -> Response:
    return render(request, "admin/calendar.html")
