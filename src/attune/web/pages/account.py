"""A person's account: `/register`, `/verify`, `/forgot-password`, `/reset-password` and
`/profile`, each calling the service method of the `/api/auth/*` endpoint it stands beside.
A refused call runs in `uow.attempt()`, so the form shown again commits nothing the call wrote
(but a wrong code still counts as a try).

A verified registration code signs the person in (`page_session_service.sign_in_verified`):
the code, fresh from their inbox, proves as much as a password reset code does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from attune.accounts.errors import EmailTaken, InvalidOtp, WeakPassword
from attune.accounts.page_sessions import page_session_service
from attune.accounts.passwords import MIN_LENGTH
from attune.accounts.schemas import (
    OtpResend,
    OtpVerification,
    PasswordChange,
    PasswordReset,
    PasswordResetRequest,
    ProfileUpdate,
    UserCreate,
)
from attune.accounts.service import account_service
from attune.models import OtpPurpose
from attune.platform.dependencies import Work
from attune.platform.errors import AttuneError
from attune.platform.settings import Settings
from attune.web.auth import SignedIn, Visitor, actor_of, set_session_cookie
from attune.web.forms import FORM, Form, FormInvalid, errors_of, parse, read_form, sentence
from attune.web.notices import with_notice
from attune.web.routing import page_router, see_other
from attune.web.templates import render

router = page_router()

# Where a verified person starts.
AFTER_VERIFYING = "/bookings"

# What the pages say where the API's words name its own endpoints.
WRONG_CODE = "That code is not right, or it has expired. Check it, or ask for a new one."
EMAIL_TAKEN = (
    "An account with this e-mail already exists. Sign in instead, or reset the password "
    "if you have forgotten it."
)


def _message(error: AttuneError) -> str:
    if isinstance(error, InvalidOtp):
        return WRONG_CODE
    if isinstance(error, EmailTaken):
        return EMAIL_TAKEN
    return sentence(error)


def _errors(error: AttuneError, **fields: str) -> dict[str, str]:
    """The service's refusal beside its field: `fields` renames the error's field (or the
    error's kind, for the errors that name none) to the form's."""
    name = error.field or _unnamed_field(error)
    return {fields.get(name, name) if name else FORM: _message(error)}


def _unnamed_field(error: AttuneError) -> str | None:
    if isinstance(error, InvalidOtp):
        return "otp"
    if isinstance(error, EmailTaken):
        return "email"
    if isinstance(error, WeakPassword):
        return "password"
    return None


def _page(
    request: Request,
    template: str,
    context: Mapping[str, object],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An account page, which may say what a password needs and how long a code works."""
    settings: Settings = request.app.state.settings
    values = {
        "password_min_length": MIN_LENGTH,
        "code_minutes": settings.otp_minutes,
        **context,
    }
    return render(request, template, values, status_code=status_code, headers=headers)


# ---- registering ----


def _register_page(request: Request, form: Form, status_code: int = 200) -> Response:
    return _page(request, "account/register.html", {"form": form}, status_code=status_code)


@router.get("/register")
async def create_account(request: Request, visitor: Visitor) -> Response:
    if visitor is not None:
        return see_other("/profile")
    return _register_page(request, Form())


@router.post("/register")
async def register(request: Request, uow: Work) -> Response:
    form = await read_form(request)
    try:
        body = parse(UserCreate, form.values)
    except FormInvalid as invalid:
        return _register_page(request, form.refused(invalid.errors), 400)
    try:
        async with uow.attempt():
            await account_service.register(uow, actor_of(None), body)
    except AttuneError as error:
        return _register_page(request, form.refused(_errors(error)), error.status_code)
    if uow.settings.require_email_verification:
        return see_other("/verify?" + urlencode({"email": body.email}))
    return see_other(with_notice("/login", "registered"))


# ---- verifying the address ----


def _verify_page(
    request: Request,
    form: Form,
    email: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return _page(
        request,
        "account/verify.html",
        {"form": form, "email": email},
        status_code=status_code,
        headers=headers,
    )


@router.get("/verify")
async def verify_form(
    request: Request, email: Annotated[str, Query(max_length=254)] = ""
) -> Response:
    return _verify_page(request, Form({"email": email}), email)


@router.post("/verify")
async def verify(request: Request, uow: Work) -> Response:
    form = await read_form(request)
    email = str(form.values.get("email", ""))
    try:
        body = parse(OtpVerification, form.values)
    except FormInvalid as invalid:
        errors = _email_on_form(invalid.errors)
        return _verify_page(request, form.refused(errors), email, status_code=400)
    try:
        async with uow.attempt():
            signed_in = await page_session_service.sign_in_verified(uow, actor_of(None), body)
    except AttuneError as error:
        return _verify_page(
            request,
            form.refused(_email_on_form(_errors(error))),
            email,
            status_code=error.status_code,
            headers=error.headers,
        )
    if signed_in is None:
        return see_other(with_notice("/login", "verified"))
    _, cookie = signed_in
    response = see_other(AFTER_VERIFYING)
    set_session_cookie(response, uow.settings, cookie)
    return response


@router.post("/verify/resend")
async def send_new_code(request: Request, uow: Work) -> Response:
    form = await read_form(request)
    email = str(form.values.get("email", ""))
    try:
        body = parse(OtpResend, {"email": email})
        async with uow.attempt():
            await account_service.request_code(
                uow, actor_of(None), body.email, OtpPurpose(body.context)
            )
    except FormInvalid as invalid:
        errors = _email_on_form(invalid.errors)
        return _verify_page(request, form.refused(errors), email, status_code=400)
    except AttuneError as error:
        return _verify_page(
            request,
            form.refused(_email_on_form(_errors(error))),
            email,
            status_code=error.status_code,
            headers=error.headers,
        )
    return see_other(with_notice("/verify", "code-sent", email=body.email))


def _email_on_form(errors: Mapping[str, str]) -> dict[str, str]:
    """On the verify page the address is not a field (it is in the address bar): its error is
    the form's."""
    return {FORM if name == "email" else name: message for name, message in errors.items()}


# ---- a forgotten password ----


def _forgot_page(
    request: Request,
    form: Form,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return _page(
        request,
        "account/forgot_password.html",
        {"form": form},
        status_code=status_code,
        headers=headers,
    )


@router.get("/forgot-password")
async def forgot_password_form(
    request: Request, email: Annotated[str, Query(max_length=254)] = ""
) -> Response:
    return _forgot_page(request, Form({"email": email}))


@router.post("/forgot-password")
async def forgot_password(request: Request, uow: Work) -> Response:
    form = await read_form(request)
    try:
        body = parse(PasswordResetRequest, form.values)
        async with uow.attempt():
            await account_service.request_code(
                uow, actor_of(None), body.email, OtpPurpose.password_reset
            )
    except FormInvalid as invalid:
        return _forgot_page(request, form.refused(invalid.errors), 400)
    except AttuneError as error:
        return _forgot_page(
            request, form.refused(errors_of(error)), error.status_code, error.headers
        )
    return see_other(with_notice("/reset-password", "reset-code-sent", email=body.email))


def _reset_page(
    request: Request,
    form: Form,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return _page(
        request,
        "account/reset_password.html",
        {"form": form},
        status_code=status_code,
        headers=headers,
    )


@router.get("/reset-password")
async def reset_password_form(
    request: Request, email: Annotated[str, Query(max_length=254)] = ""
) -> Response:
    return _reset_page(request, Form({"email": email}))


@router.post("/reset-password")
async def reset_password(request: Request, uow: Work) -> Response:
    form = await read_form(request)
    try:
        body = parse(PasswordReset, form.values)
    except FormInvalid as invalid:
        return _reset_page(request, form.refused(invalid.errors), status_code=400)
    try:
        async with uow.attempt():
            await account_service.reset_password(uow, actor_of(None), body)
    except AttuneError as error:
        errors = _errors(error, password="new_password")
        return _reset_page(
            request, form.refused(errors), status_code=error.status_code, headers=error.headers
        )
    return see_other(with_notice("/login", "password-reset"))


# ---- the profile ----


async def _profile_page(
    request: Request,
    uow: Work,
    visitor: SignedIn,
    *,
    profile_form: Form | None = None,
    password_form: Form | None = None,
    status_code: int = 200,
) -> Response:
    account = await account_service.profile(uow, visitor.actor)
    if profile_form is None:
        profile_form = Form(
            {
                "first_name": account.first_name,
                "last_name": account.last_name,
                "phone": account.phone or "",
            }
        )
    return _page(
        request,
        "account/profile.html",
        {
            "account": account,
            "form": profile_form,
            "password_form": password_form or Form(),
        },
        status_code=status_code,
    )


@router.get("/profile")
async def profile(request: Request, uow: Work, visitor: SignedIn) -> Response:
    return await _profile_page(request, uow, visitor)


@router.post("/profile")
async def update_profile(request: Request, uow: Work, visitor: SignedIn) -> Response:
    form = await read_form(request)
    # The form's three fields, all of them: an emptied phone number is removed.
    values = {name: form.values.get(name, "") for name in ("first_name", "last_name", "phone")}
    try:
        changes = parse(ProfileUpdate, values)
        async with uow.attempt():
            await account_service.update_profile(uow, visitor.actor, changes)
    except FormInvalid as invalid:
        page_form = form.refused(invalid.errors)
        return await _profile_page(request, uow, visitor, profile_form=page_form, status_code=400)
    except AttuneError as error:
        return await _profile_page(
            request,
            uow,
            visitor,
            profile_form=form.refused(errors_of(error)),
            status_code=error.status_code,
        )
    return see_other(with_notice("/profile", "profile-saved"))


@router.post("/profile/password")
async def change_password(request: Request, uow: Work, visitor: SignedIn) -> Response:
    form = await read_form(request)
    try:
        change = parse(PasswordChange, form.values)
        async with uow.attempt():
            await account_service.change_password(
                uow,
                visitor.actor,
                change.current_password,
                change.new_password,
                keep_login=visitor.login_id,
            )
    except FormInvalid as invalid:
        page_form = form.refused(invalid.errors)
        return await _profile_page(request, uow, visitor, password_form=page_form, status_code=400)
    except AttuneError as error:
        errors = _errors(error, password="new_password")
        return await _profile_page(
            request,
            uow,
            visitor,
            password_form=form.refused(errors),
            status_code=error.status_code,
        )
    return see_other(with_notice("/profile", "password-changed"))
