"""Logins: checking a password, handing out and rotating tokens, logging out.

A login is an `AuthSession`; its refresh tokens rotate on every use and its access tokens name
it, so ending it (logout, a reused refresh token, a new password) ends every token it gave
(docs/decisions.md, "Accounts").
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from attune.accounts import repository
from attune.accounts.errors import InvalidCredentials, InvalidRefreshToken
from attune.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_against_decoy,
    verify_password,
)
from attune.accounts.schemas import Credentials
from attune.accounts.tokens import (
    AccessClaims,
    TokenPair,
    issue_access_token,
    new_refresh_token,
    refresh_token_hash,
)
from attune.accounts.views import AccountView, account_view
from attune.models import AuthSession, RefreshToken, User
from attune.platform.actor import Actor
from attune.platform.auth import EmailNotVerified
from attune.platform.unit_of_work import UnitOfWork


class LoginService:
    async def login(
        self, uow: UnitOfWork, actor: Actor, credentials: Credentials
    ) -> tuple[AccountView, TokenPair]:
        user = await checked_login_user(uow, credentials)
        tokens = await _start_login(uow, user)
        return account_view(user), tokens

    async def refresh(self, uow: UnitOfWork, actor: Actor, refresh_token: str) -> TokenPair:
        """Rotate a refresh token; a spent one revokes its whole login (it has been stolen)."""
        session, now = uow.session, uow.now
        found = await repository.refresh_token_family(
            session, refresh_token_hash(uow.settings, refresh_token)
        )
        if found is None:
            raise InvalidRefreshToken()
        token, login, user = found
        if login.revoked_at is not None or token.expires_at <= now or not user.is_active:
            raise InvalidRefreshToken()
        if await repository.mark_refresh_token_used(session, token.id, now):
            return await _continue_login(uow, login)
        await repository.revoke_session(session, login.id, reason="refresh_token_reuse", now=now)
        # The revocation must outlast the 401 it answers with.
        raise uow.commit_and_refuse(InvalidRefreshToken())

    async def logout(
        self, uow: UnitOfWork, actor: Actor, claims: AccessClaims, *, refresh_token: str | None
    ) -> None:
        """End the login of this access token, and of the given refresh token if it is theirs."""
        session, now = uow.session, uow.now
        await repository.revoke_session(session, claims.session_id, reason="logout", now=now)
        await repository.deny_access_token(session, claims.jti, claims.expires_at)
        if refresh_token:
            found = await repository.refresh_token_family(
                session, refresh_token_hash(uow.settings, refresh_token)
            )
            if found is not None and actor.owns(found[2].id):
                await repository.revoke_session(session, found[1].id, reason="logout", now=now)


async def checked_login_user(uow: UnitOfWork, credentials: Credentials) -> User:
    """The account whose password `credentials` give, ready to sign in (API login or page).

    The password is checked on a read-ahead, and the login recorded in the unit's transaction:
    Argon2 takes tens of milliseconds on purpose, and on SQLite the unit's write transaction
    would hold the database's only write lock for all that time and queue every other login
    behind it (docs/decisions.md, "Accounts").
    """
    settings = uow.settings
    async with uow.read_ahead() as session:
        user = await repository.user_by_email(session, credentials.email)
    if user is None:
        await verify_against_decoy(settings, credentials.password)
        raise InvalidCredentials()
    if not await verify_password(settings, user.password_hash, credentials.password):
        raise InvalidCredentials()
    if not user.is_active:
        raise InvalidCredentials()
    # Only someone who knows the password learns that the address is unverified.
    if settings.require_email_verification and not user.is_verified:
        raise EmailNotVerified(
            details="Verify your e-mail address with the code we sent you first; "
            "POST /api/auth/resend-otp/ sends a new one."
        )
    new_hash = None
    if needs_rehash(settings, user.password_hash):
        new_hash = await hash_password(settings, credentials.password)
    # The password was checked against this hash: a change in between voids the login.
    checked = await repository.user_for_login(uow.session, user.id, user.password_hash)
    if checked is None or not checked.is_active:
        raise InvalidCredentials()
    if new_hash is not None:
        checked.password_hash = new_hash
    return checked


async def _start_login(uow: UnitOfWork, user: User) -> TokenPair:
    login = AuthSession(id=str(uuid.uuid4()), user_id=user.id, created_at=uow.now)
    uow.session.add(login)
    return await _continue_login(uow, login)


async def _continue_login(uow: UnitOfWork, login: AuthSession) -> TokenPair:
    """Hand out a new refresh token of this login and an access token naming it."""
    settings, now = uow.settings, uow.now
    refresh = new_refresh_token()
    uow.session.add(
        RefreshToken(
            auth_session_id=login.id,
            token_hash=refresh_token_hash(settings, refresh),
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    await uow.session.flush()
    access = issue_access_token(settings, user_id=login.user_id, session_id=login.id, now=now)
    return TokenPair(access=access, refresh=refresh)


login_service = LoginService()
