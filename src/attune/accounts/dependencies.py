"""Bearer tokens to actors, and the claims of the token that logout ends.

`BearerAuthenticator` is the authenticator `attune.app` installs (`platform.auth`): it checks a
token against the stored login and turns its account into an actor through the policy. Routes
need only the actor; logout also needs the token's claims (`CurrentAccessToken`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncSession

from attune.accounts import repository
from attune.accounts.tokens import AccessClaims, decode_access_token
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.auth import CurrentActor, InvalidToken, bearer
from attune.platform.dependencies import Work
from attune.platform.settings import Settings


@dataclass(frozen=True)
class BearerAuthenticator:
    settings: Settings

    async def actor(self, session: AsyncSession, token: str, now: datetime) -> Actor:
        claims = decode_access_token(self.settings, token, now)
        account = await repository.authenticated_user(session, claims)
        if account is None:
            raise InvalidToken()
        return policy.actor_for(account)


async def access_token(
    _actor: CurrentActor,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    uow: Work,
) -> AccessClaims:
    """The claims of the live access token the actor called with: logout ends its login."""
    if credentials is None:
        raise InvalidToken()
    return decode_access_token(uow.settings, credentials.credentials, uow.now)


CurrentAccessToken = Annotated[AccessClaims, Depends(access_token)]
