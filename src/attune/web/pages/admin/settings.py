"""`/admin/settings`: the practice's configuration at a glance, read only."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.admin.service import admin_service
from attune.platform.dependencies import Work
from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("/settings")
async def settings(request: Request, visitor: Staff, uow: Work) -> Response:
    practice = await admin_service.practice_settings(uow, visitor.actor)
    return render(request, "admin/settings.html", {"practice": practice})
