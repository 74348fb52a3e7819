"""`/admin/reports`: sessions and revenue by month, as a chart, a table and a CSV file."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Staff
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")


@router.get("/reports")
async def reports(request: Request, visitor: Staff) -> Response:
    return render(request, "admin/reports.html")
