"""Who is calling: typed dependencies for routes that need a signed-in user (docs/architecture.md,
"Actor and policy").

@router.get("/api/bookings")
async def list_bookings(user: VerifiedUser, session: Session) -> BookingList: ...

admin_router = APIRouter(dependencies=[Depends(require_admin)])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from attune.accounts import repository
from attune.accounts.errors import AdminRequired, EmailNotVerified, InvalidToken
from attune.accounts.tokens import AccessClaims, decode_access_token
from attune.models import User
from attune.platform.dependencies import AppClock, AppSettings, Session
from attune.platform.openapi import OptionalHTTPBearer

BEARER_DESCRIPTION = "The access token from login or token/refresh."
bearer = HTTPBearer(auto_error=False, description=BEARER_DESCRIPTION)
# For the routes that anyone may call and that know a signed-in caller when a token is sent.
optional_bearer = OptionalHTTPBearer(description=BEARER_DESCRIPTION)


@dataclass(frozen=True)
class Authenticated:
    """The caller and the access token they called with (logout needs both)."""

    user: User
    claims: AccessClaims


async def authenticate(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    session: Session,
    settings: AppSettings,
    clock: AppClock,
) -> Authenticated:
    if credentials is None:
        raise InvalidToken()
    claims = decode_access_token(settings, credentials.credentials, clock.now())
    user = await repository.authenticated_user(session, claims)
    if user is None:
        raise InvalidToken()
    return Authenticated(user=user, claims=claims)


async def current_user(authenticated: Annotated[Authenticated, Depends(authenticate)]) -> User:
    return authenticated.user


async def verified_user(
    user: Annotated[User, Depends(current_user)], settings: AppSettings
) -> User:
    if settings.require_email_verification and not user.is_verified:
        raise EmailNotVerified(details="Verify your e-mail address first.")
    return user


async def require_admin(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise AdminRequired()
    return user


CurrentAuthentication = Annotated[Authenticated, Depends(authenticate)]
CurrentUser = Annotated[User, Depends(current_user)]
VerifiedUser = Annotated[User, Depends(verified_user)]
AdminUser = Annotated[User, Depends(require_admin)]
