"""`/admin/settings`: the practice's configuration at a glance, read only."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("/settings")
async def settings(request: Request, visitor: Staff) -> Response:
    return render(request, "admin/settings.html")
