"""`/book`: the free times of a day and of the week, and booking one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from attune.web.auth import Visitor
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router()


@router.get("/book")
async def book_a_session(request: Request, visitor: Visitor) -> Response:
    return render(request, "client/book.html")
