"""`/login` and `/logout`: a page session starts with the password, as the API's login does."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from attune.accounts.page_sessions import page_session_service
from attune.accounts.schemas import Credentials
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.auth import EmailNotVerified
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.web.auth import (
    Visitor,
    actor_of,
    clear_session_cookie,
    safe_next,
    set_session_cookie,
)
from attune.web.forms import FORM, Form, FormInvalid, errors_of, parse, read_form
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router()

# Said for a wrong address and a wrong password alike: no one learns who has an account.
WRONG_CREDENTIALS = "The email or password is not right. Check both and try again."


def _login_page(request: Request, form: Form, next_path: str, status_code: int = 200) -> Response:
    return render(
        request,
        "account/login.html",
        {"form": form, "next_path": next_path},
        status_code=status_code,
    )


@router.get("/login")
async def login_form(
    request: Request, visitor: Visitor, next: Annotated[str | None, Query()] = None
) -> Response:
    next_path = safe_next(next)
    if visitor is not None:
        return see_other(_home_of(visitor.actor, next_path))
    return _login_page(request, Form(), next_path)


@router.post("/login")
async def login(request: Request, uow: Work) -> Response:
    form = await read_form(request)
    next_path = safe_next(form.values.get("next"))
    try:
        credentials = parse(Credentials, form.values)
        async with uow.attempt():
            actor, cookie = await page_session_service.sign_in(uow, actor_of(None), credentials)
    except FormInvalid as invalid:
        return _login_page(request, form.refused(invalid.errors), next_path, 400)
    except EmailNotVerified:
        email = str(form.values.get("email", ""))
        return see_other(with_notice("/verify", "unverified", email=email))
    except AttuneError as error:
        errors = {FORM: WRONG_CREDENTIALS} if error.status_code == 401 else errors_of(error)
        return _login_page(request, form.refused(errors), next_path, error.status_code)
    response = see_other(_home_of(actor, next_path))
    set_session_cookie(response, uow.settings, cookie)
    return response


@router.post("/logout")
async def logout(uow: Work, visitor: Visitor) -> Response:
    if visitor is not None:
        await page_session_service.sign_out(uow, visitor.actor, visitor.login_id)
    response = see_other("/")
    clear_session_cookie(response)
    return response


def _home_of(actor: Actor, next_path: str) -> str:
    """Where a person goes once signed in: where they were going, else their start page."""
    if next_path != "/":
        return next_path
    return "/admin/" if policy.is_staff(actor) else "/bookings"
