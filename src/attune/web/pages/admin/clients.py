"""`/admin/clients`: the practice's clients, and one client's bookings and requests."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("/clients")
async def clients(request: Request, visitor: Staff) -> Response:
    return render(request, "admin/clients.html")
