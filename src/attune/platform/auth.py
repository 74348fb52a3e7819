"""The authenticator: how any front door learns who is calling (docs/architecture.md).

An API endpoint declares the actor it needs (`CurrentActor`, `VerifiedActor`, `OptionalActor`,
or `require_staff` on a router), and the authenticator that `attune.app` installs turns the
bearer token into that actor. The web pages' cookie session will be a second way in to the same
actors. Which actor may do what is `platform.policy`'s to say.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from attune.platform import policy
from attune.platform.actor import ANONYMOUS, Actor
from attune.platform.dependencies import AppSettings, Work
from attune.platform.errors import Forbidden, Unauthorized
from attune.platform.openapi import OptionalHTTPBearer

BEARER_DESCRIPTION = "The access token from login or token/refresh."
bearer = HTTPBearer(auto_error=False, description=BEARER_DESCRIPTION)
# For the routes that anyone may call and that know a signed-in caller when a token is sent.
optional_bearer = OptionalHTTPBearer(description=BEARER_DESCRIPTION)


class InvalidToken(Unauthorized):
    """An access token that is missing, malformed, expired, forged or revoked."""


class EmailNotVerified(Forbidden):
    error = "Email address not verified"
    details = "Verify your e-mail address with the code we sent you first."


class Authenticator(Protocol):
    async def actor(self, session: AsyncSession, token: str, now: datetime) -> Actor:
        """The actor of a live access token; anything else raises InvalidToken."""
        ...


async def _actor_of(
    request: Request, credentials: HTTPAuthorizationCredentials, uow: Work
) -> Actor:
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.actor(uow.session, credentials.credentials, uow.now)


async def _actor_read_first(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    uow: Work,
    settings: AppSettings,
) -> Actor:
    """`VerifiedActor`, authenticated where `UnitOfWork.read_first` reads."""
    if credentials is None:
        raise InvalidToken()
    authenticator: Authenticator = request.app.state.authenticator
    async with uow.read_first() as session:
        actor = await authenticator.actor(session, credentials.credentials, uow.now)
    return await verified_actor(actor, settings)


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    uow: Work,
) -> Actor:
    if credentials is None:
        raise InvalidToken()
    return await _actor_of(request, credentials, uow)


async def optional_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(optional_bearer)],
    uow: Work,
) -> Actor:
    """The caller when a token is sent (a bad one is still a 401), else the anonymous actor."""
    if credentials is None:
        return ANONYMOUS
    return await _actor_of(request, credentials, uow)


async def verified_actor(
    actor: Annotated[Actor, Depends(current_actor)], settings: AppSettings
) -> Actor:
    if settings.require_email_verification and not actor.verified:
        raise EmailNotVerified(details="Verify your e-mail address first.")
    return actor


async def require_staff(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    policy.require(actor, policy.Permission.manage_practice)
    return actor


async def require_practice_member(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """A member of the practice who acts for clients (owner, therapist, front desk): a route
    for which the service decides further whose objects they may touch."""
    policy.require(actor, policy.Permission.act_for_clients)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor, Depends(optional_actor)]
VerifiedActor = Annotated[Actor, Depends(verified_actor)]
# For a route that most often refuses before it writes (many clients rushing for the last
# seats): the token is checked without taking SQLite's only write lock (`read_first`).
VerifiedActorReadingFirst = Annotated[Actor, Depends(_actor_read_first)]
StaffActor = Annotated[Actor, Depends(require_staff)]
PracticeMember = Annotated[Actor, Depends(require_practice_member)]


async def require_calendar_keeper(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """A member of the practice who keeps a calendar: every one (owner, front desk) or their
    own (therapist); the services narrow it to whose (`policy.calendar_scope`)."""
    policy.calendar_scope(actor)
    return actor


CalendarActor = Annotated[Actor, Depends(require_calendar_keeper)]
