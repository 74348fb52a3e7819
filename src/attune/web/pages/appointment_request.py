"""`/request`: asking for an appointment without an account (seed 003's flow)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Visitor
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router()


@router.get("/request")
async def request_an_appointment(request: Request, visitor: Visitor) -> Response:
    return render(request, "client/request.html")
