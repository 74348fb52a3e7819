"""`/invitation`: a new member of staff chooses their password with the link the owner's
invitation mailed them, through the service `POST /api/auth/accept-invitation` calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from attune.accounts.errors import InvalidInvitation, WeakPassword
from attune.accounts.passwords import MIN_LENGTH
from attune.accounts.schemas import InvitationAcceptance
from attune.accounts.service import account_service
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.web.auth import actor_of
from attune.web.forms import FORM, Form, FormInvalid, errors_of, parse, read_form
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router()

TEMPLATE = "account/invitation.html"
# The link stays out of the pages it leads to, so no other site learns it from a referrer.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


def _page(request: Request, context: dict[str, object], status_code: int = 200) -> Response:
    context = {"password_min_length": MIN_LENGTH, "invalid": False, "invited": None, **context}
    return render(request, TEMPLATE, context, status_code=status_code, headers=NO_REFERRER)


@router.get("/invitation")
async def invitation(
    request: Request, uow: Work, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    try:
        invited = await account_service.invitation(uow, actor_of(None), token)
    except InvalidInvitation:
        return _page(request, {"invalid": True}, status_code=400)
    return _page(request, {"invited": invited, "form": Form({"token": token})})


@router.post("/invitation")
async def accept_invitation(request: Request, uow: Work) -> Response:
    form = await read_form(request)
    try:
        body = parse(InvitationAcceptance, form.values)
        async with uow.attempt():
            await account_service.accept_invitation(uow, actor_of(None), body)
    except FormInvalid as invalid:
        return _page(request, {"form": _keeping_token(form, invalid.errors)}, status_code=400)
    except InvalidInvitation:
        return _page(request, {"invalid": True}, status_code=400)
    except AttuneError as error:
        errors = errors_of(
            error, fields={FORM: "new_password"} if isinstance(error, WeakPassword) else None
        )
        return _page(request, {"form": _keeping_token(form, errors)}, error.status_code)
    return see_other(with_notice("/login", "invitation-accepted"))


def _keeping_token(form: Form, errors: dict[str, str]) -> Form:
    refused = form.refused(errors)
    refused.values["token"] = form.values.get("token", "")
    return refused
