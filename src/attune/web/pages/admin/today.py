"""`/admin/`: the therapist's day at a glance. Routed as `/admin`, as every path is routed
without its trailing slash."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("")
async def today(request: Request, visitor: Staff) -> Response:
    return render(request, "admin/today.html")
