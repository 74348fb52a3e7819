"""`/bookings` (My bookings) and `/bookings/{id}`: a client's bookings and what they can do
with one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import SignedIn
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router()


@router.get("/bookings")
async def my_bookings(request: Request, visitor: SignedIn) -> Response:
    return render(request, "client/bookings.html")
