"""The `/api/auth/*` endpoints of both seed contracts; the rules are in service.py.

Each route is defined once without a trailing slash; the platform middleware maps contract
003's `/api/auth/<name>/` onto it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from attune.accounts.dependencies import CurrentAccessToken
from attune.accounts.errors import (
    BookingNoticesForAdminsOnly,
    CodeRequestedTooSoon,
    EmailTaken,
    InvalidCredentials,
    InvalidDateOfBirth,
    InvalidInvitation,
    InvalidOtp,
    InvalidRefreshToken,
    PasswordMismatch,
    TooManyWrongCodes,
    WeakPassword,
)
from attune.accounts.logins import login_service
from attune.accounts.schemas import (
    FORGOT_PASSWORD_EXAMPLES,
    INVITATION_EXAMPLES,
    LOGIN_EXAMPLES,
    OTP_EXAMPLES,
    PROFILE_EXAMPLES,
    REFRESH_EXAMPLES,
    REGISTER_EXAMPLES,
    RESEND_EXAMPLES,
    RESET_PASSWORD_EXAMPLES,
    Credentials,
    InvitationAcceptance,
    LoggedIn,
    Logout,
    Message,
    NewUser,
    OtpResend,
    OtpVerification,
    PasswordReset,
    PasswordResetRequest,
    Profile,
    ProfileRead,
    ProfileUpdate,
    ProfileUpdated,
    Registered,
    TokenRefresh,
    TokenRefreshed,
    UserCreate,
    UserSummary,
)
from attune.accounts.service import account_service
from attune.models import OtpPurpose
from attune.platform.actor import ANONYMOUS
from attune.platform.auth import CurrentActor, EmailNotVerified, InvalidToken
from attune.platform.dependencies import Work
from attune.platform.openapi import documented_errors

router = APIRouter(prefix="/api/auth", tags=["accounts"])

# The body when none is sent: an optional body is the model, not required (a `null` is refused).
LOGOUT_ONLY = Logout()

CODE_SENT = "If this e-mail address has an account that needs a code, one has been sent."
RESET_CODE_SENT = "If this e-mail address has an account, a password reset code has been sent."
RESEND_LIMIT = (
    "One code a minute per address and purpose: asking again sooner is answered `429` with "
    "`Retry-After`, and nothing is sent."
)
WRONG_CODE_LIMIT = (
    "Too many wrong codes for an address (10 in an hour by default) lock it for a while, "
    "longer each time: meanwhile every code is answered `429` with `Retry-After`, unchecked."
)


@router.post(
    "/register",
    status_code=201,
    summary="Register a client account",
    description="Creates the account. When e-mail verification is on (the default), mails a "
    "six-digit code to confirm the address with `verify-otp` before the first login.",
    responses=documented_errors(WeakPassword, PasswordMismatch, InvalidDateOfBirth, EmailTaken),
)
async def register(
    body: Annotated[UserCreate, Body(openapi_examples=REGISTER_EXAMPLES)],
    uow: Work,
) -> Registered:
    account = await account_service.register(uow, ANONYMOUS, body)
    return Registered(
        user=NewUser.model_validate(account),
        email_verification_required=uow.settings.require_email_verification,
    )


@router.post(
    "/login",
    summary="Log in with e-mail and password",
    description="Returns an access token (as `token` and `access`) and a refresh token.",
    responses=documented_errors(InvalidCredentials, EmailNotVerified),
)
async def login(
    body: Annotated[Credentials, Body(openapi_examples=LOGIN_EXAMPLES)],
    uow: Work,
) -> LoggedIn:
    account, tokens = await login_service.login(uow, ANONYMOUS, body)
    return LoggedIn(
        user=UserSummary.model_validate(account),
        token=tokens.access,
        access=tokens.access,
        refresh=tokens.refresh,
    )


@router.get(
    "/profile",
    summary="Read your profile",
    responses=documented_errors(InvalidToken, body=False),
)
async def read_profile(actor: CurrentActor, uow: Work) -> ProfileRead:
    return ProfileRead(user=Profile.model_validate(await account_service.profile(uow, actor)))


@router.put(
    "/profile",
    summary="Update your profile",
    description="Changes the fields that are sent among first name, last name, phone "
    "(alias `phone_number`), location and date of birth; an admin may also switch their own "
    "booking notices off and on (`booking_notifications`), which a client may not send. "
    "`email`, `is_admin` and any other field are ignored.",
    responses=documented_errors(InvalidToken, InvalidDateOfBirth, BookingNoticesForAdminsOnly),
)
async def update_profile(
    body: Annotated[ProfileUpdate, Body(openapi_examples=PROFILE_EXAMPLES)],
    actor: CurrentActor,
    uow: Work,
) -> ProfileUpdated:
    account = await account_service.update_profile(uow, actor, body)
    return ProfileUpdated(user=Profile.model_validate(account))


@router.post(
    "/logout",
    summary="Log out",
    description="Ends the login of this access token: the token and the login's refresh "
    "tokens stop working. A `refresh` token in the body ends its login too.",
    responses=documented_errors(InvalidToken),
)
async def logout(
    actor: CurrentActor, token: CurrentAccessToken, uow: Work, body: Logout = LOGOUT_ONLY
) -> Message:
    await login_service.logout(uow, actor, token, refresh_token=body.refresh)
    return Message(message="Logged out successfully")


@router.post(
    "/verify-otp",
    summary="Verify your e-mail address with the mailed code",
    description=WRONG_CODE_LIMIT,
    responses=documented_errors(InvalidOtp, TooManyWrongCodes),
)
async def verify_otp(
    body: Annotated[OtpVerification, Body(openapi_examples=OTP_EXAMPLES)],
    uow: Work,
) -> Message:
    await account_service.verify_email(uow, ANONYMOUS, body)
    return Message(message="Email verified successfully")


@router.post(
    "/resend-otp",
    summary="Send a new code",
    description="For `context` `registration` (the default) or `password_reset`. Answers the "
    "same whether or not the address has an account. " + RESEND_LIMIT,
    responses=documented_errors(CodeRequestedTooSoon),
)
async def resend_otp(
    body: Annotated[OtpResend, Body(openapi_examples=RESEND_EXAMPLES)],
    uow: Work,
) -> Message:
    purpose = OtpPurpose(body.context)
    await account_service.request_code(uow, ANONYMOUS, body.email, purpose)
    if purpose is OtpPurpose.password_reset:
        return Message(message=RESET_CODE_SENT)
    return Message(message=CODE_SENT)


@router.post(
    "/forgot-password",
    summary="Ask for a password reset code",
    description="Answers the same whether or not the address has an account. " + RESEND_LIMIT,
    responses=documented_errors(CodeRequestedTooSoon),
)
async def forgot_password(
    body: Annotated[PasswordResetRequest, Body(openapi_examples=FORGOT_PASSWORD_EXAMPLES)],
    uow: Work,
) -> Message:
    await account_service.request_code(uow, ANONYMOUS, body.email, OtpPurpose.password_reset)
    return Message(message=RESET_CODE_SENT)


@router.post(
    "/verify-password-reset-otp",
    summary="Check a password reset code",
    description="Optional: `reset-password` checks the code again and spends it. "
    + WRONG_CODE_LIMIT,
    responses=documented_errors(InvalidOtp, TooManyWrongCodes),
)
async def verify_password_reset_otp(
    body: Annotated[OtpVerification, Body(openapi_examples=OTP_EXAMPLES)],
    uow: Work,
) -> Message:
    await account_service.verify_password_reset_code(uow, ANONYMOUS, body)
    return Message(message="OTP verified successfully")


@router.post(
    "/reset-password",
    summary="Set a new password with a reset code",
    description="Every login of the account ends: its access and refresh tokens stop working. "
    + WRONG_CODE_LIMIT,
    responses=documented_errors(InvalidOtp, PasswordMismatch, WeakPassword, TooManyWrongCodes),
)
async def reset_password(
    body: Annotated[PasswordReset, Body(openapi_examples=RESET_PASSWORD_EXAMPLES)],
    uow: Work,
) -> Message:
    await account_service.reset_password(uow, ANONYMOUS, body)
    return Message(message="Password reset successfully")


@router.post(
    "/accept-invitation",
    summary="Choose a password with a staff invitation",
    description="`token` is the one in the invitation's link. It works once, for 7 days; "
    "the address is then verified and the member signs in with `login`.",
    responses=documented_errors(InvalidInvitation, PasswordMismatch, WeakPassword),
)
async def accept_invitation(
    body: Annotated[InvitationAcceptance, Body(openapi_examples=INVITATION_EXAMPLES)],
    uow: Work,
) -> Message:
    await account_service.accept_invitation(uow, ANONYMOUS, body)
    return Message(message="Password set: you can log in now")


@router.post(
    "/token/refresh",
    summary="Exchange a refresh token for new tokens",
    description="The refresh token is spent and a new one returned. Presenting a spent one "
    "again ends that login, as it means the token was copied.",
    responses=documented_errors(InvalidRefreshToken),
)
async def refresh_token(
    body: Annotated[TokenRefresh, Body(openapi_examples=REFRESH_EXAMPLES)],
    uow: Work,
) -> TokenRefreshed:
    tokens = await login_service.refresh(uow, ANONYMOUS, body.refresh)
    return TokenRefreshed(access=tokens.access, refresh=tokens.refresh)
