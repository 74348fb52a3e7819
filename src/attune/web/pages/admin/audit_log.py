"""`/admin/audit-log`: who did what to whose records, filtered and paged."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("/audit-log")
async def audit_log(request: Request, visitor: Staff) -> Response:
    return render(request, "admin/audit_log.html")
