"""`/admin/clients`: the practice's clients, and one client's bookings and requests."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote_plus

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from attune.admin.schemas import BookingQuery, UserQuery
from attune.admin.service import admin_service
from attune.platform.dependencies import Work
from attune.platform.fields import PathId
from attune.requests.reading import reading_service
from attune.web.auth import Staff
from attune.web.forms import Form, FormInvalid, parse
from attune.web.pages.admin.therapist_filter import therapist_options
from attune.web.routing import page_router
from attune.web.templates import render

router = page_router(prefix="/admin")

CLIENTS_PER_PAGE = 25
# A client's latest bookings shown on their page; the bookings page lists the rest.
BOOKINGS_SHOWN = 50
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/clients")
async def clients(
    request: Request,
    visitor: Staff,
    uow: Work,
    *,
    search: Annotated[str | None, Query(max_length=300)] = None,
    therapist_id: Annotated[str | None, Query(max_length=20)] = None,
    page: PageNumber = 1,
) -> Response:
    """The owner and the front desk see every account, or the clients of one therapist; a
    therapist the clients they have seen."""
    form = Form({"search": search or "", "therapist_id": therapist_id or ""})
    options = await therapist_options(uow, visitor.actor)
    try:
        query = parse(
            UserQuery,
            {
                "search": search or None,
                "therapist_id": therapist_id or None,
                "limit": CLIENTS_PER_PAGE,
                "offset": (page - 1) * CLIENTS_PER_PAGE,
            },
        )
    except FormInvalid as invalid:
        return render(
            request,
            "admin/clients.html",
            {
                "form": form.refused(invalid.errors),
                "accounts": None,
                "page": 1,
                "therapist_options": options,
            },
            status_code=400,
        )
    found = await admin_service.list_accounts(uow, visitor.actor, query)
    wanted = {"search": search, "therapist_id": therapist_id}
    return render(
        request,
        "admin/clients.html",
        {
            "form": form,
            "accounts": found,
            "page": page,
            "has_next": found.offset + len(found.items) < found.total,
            "pager_params": "".join(
                f"{name}={quote_plus(value)}&" for name, value in wanted.items() if value
            ),
            "therapist_options": options,
        },
    )


@router.get("/clients/{user_id}")
async def client(request: Request, user_id: PathId, visitor: Staff, uow: Work) -> Response:
    detail = await admin_service.account(uow, visitor.actor, user_id)
    bookings = await admin_service.list_bookings(
        uow, visitor.actor, BookingQuery(user_id=user_id, limit=BOOKINGS_SHOWN)
    )
    appointment_requests = await reading_service.listed(
        uow, visitor.actor, None, detail.account.email
    )
    return render(
        request,
        "admin/client.html",
        {"detail": detail, "bookings": bookings, "appointment_requests": appointment_requests},
    )
