"""A person's account: `/register`, `/verify`, `/forgot-password`, `/reset-password` and
`/profile`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Visitor
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router()


@router.get("/register")
async def create_account(request: Request, visitor: Visitor) -> Response:
    return render(request, "account/register.html")
