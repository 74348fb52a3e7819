"""`/admin/bookings`: every booking, and what the therapist may do with one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("/bookings")
async def bookings(request: Request, visitor: Staff) -> Response:
    return render(request, "admin/bookings.html")
