"""Sign-ins on the web pages: a login held by a cookie instead of by tokens.

The cookie carries a random value; the database keeps only its keyed hash, on the login
(`AuthSession.cookie_hash`), so anything that ends a login (signing out, a new password, an
account switched off) ends a page session too. A session ends after
`ATTUNE_WEB_SESSION_IDLE_MINUTES` without a request and after `ATTUNE_WEB_SESSION_HOURS` in all
(docs/decisions.md, "Web pages").
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from attune.accounts import repository
from attune.accounts.logins import checked_login_user
from attune.accounts.schemas import Credentials, OtpVerification
from attune.accounts.service import account_service
from attune.models import AuthSession, User
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.crypto import keyed_hash
from attune.platform.database import Database
from attune.platform.settings import Settings
from attune.platform.unit_of_work import UnitOfWork

# last_seen_at is written at most this often: a page view is not a write for every request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class PageSession:
    """Who a cookie signs in, and which login it is (signing out or a new password ends it)."""

    actor: Actor
    login_id: str
    first_name: str


def cookie_hash(settings: Settings, cookie: str) -> str:
    return keyed_hash(settings.derived_key("page-session"), cookie)


@dataclass(frozen=True)
class _Account:
    """What the policy reads of the signed-in account (`policy.Account`)."""

    id: int
    role: str
    may_refund: bool
    is_verified: bool


@dataclass(frozen=True)
class PageSessionAuthenticator:
    """Turns a page session cookie into its actor, as the bearer authenticator does a token."""

    settings: Settings
    database: Database

    async def session(self, uow: UnitOfWork, cookie: str) -> PageSession | None:
        """The live page session of `cookie`, or None (unknown, ended, idle or too old)."""
        settings, now = self.settings, uow.now
        # Columns rather than the two rows' objects: this runs on every page a person sees.
        statement = (
            select(
                AuthSession.id,
                AuthSession.last_seen_at,
                User.id,
                User.role,
                User.may_refund,
                User.email_verified_at,
                User.first_name,
            )
            .join(User, AuthSession.user_id == User.id)
            .where(
                AuthSession.cookie_hash == cookie_hash(settings, cookie),
                AuthSession.revoked_at.is_(None),
                AuthSession.created_at > now - timedelta(hours=settings.web_session_hours),
                AuthSession.last_seen_at
                > now - timedelta(minutes=settings.web_session_idle_minutes),
                User.is_active.is_(True),
            )
        )
        row = (await uow.session.execute(statement)).first()
        if row is None:
            return None
        login_id, last_seen, user_id, role, may_refund, verified_at, first_name = row
        if last_seen is None or now - last_seen >= TOUCH_EVERY:
            await self._touch(uow, login_id)
        account = _Account(user_id, role, may_refund, verified_at is not None)
        return PageSession(policy.actor_for(account), login_id, first_name)

    async def _touch(self, uow: UnitOfWork, login_id: str) -> None:
        touch = (
            update(AuthSession)
            .where(AuthSession.id == login_id, AuthSession.last_seen_at < uow.now)
            .values(last_seen_at=uow.now)
        )
        if uow.writes:
            # A unit that writes holds SQLite's only write lock already: a second transaction
            # would wait for it in vain.
            await uow.session.execute(touch)
            return
        # A read-only unit (a GET) cannot write: a transaction of its own, whose loss would only
        # shorten the idle timeout by a minute.
        async with self.database.transaction() as session:
            await session.execute(touch)


class PageSessionService:
    async def sign_in(
        self, uow: UnitOfWork, actor: Actor, credentials: Credentials
    ) -> tuple[Actor, str]:
        """Check the password as the API's login does, then start a page session: gives who
        signed in and the cookie's value."""
        user = await checked_login_user(uow, credentials)
        return policy.actor_for(user), await _start(uow, user)

    async def sign_in_verified(
        self, uow: UnitOfWork, actor: Actor, body: OtpVerification
    ) -> tuple[Actor, str] | None:
        """Verify the address with the code mailed on registration, then start a page session
        without the password: gives who signed in and the cookie's value, or None when the
        account may not sign in (switched off).

        The code is fresh from the inbox and spent here, which proves as much as the password
        reset code does (whoever reads the mail can set a new password and sign in), and no
        more than that: a wrong code is refused and counted exactly as `verify_email` counts it.
        """
        await account_service.verify_email(uow, actor, body)
        user = await repository.user_by_email(uow.session, body.email)
        if user is None or not user.is_active:
            return None
        return policy.actor_for(user), await _start(uow, user)

    async def sign_out(self, uow: UnitOfWork, actor: Actor, login_id: str) -> None:
        await repository.revoke_session(uow.session, login_id, reason="signed_out", now=uow.now)


async def _start(uow: UnitOfWork, user: User) -> str:
    """A new page session for `user`: the cookie's value (only its hash is stored)."""
    cookie = secrets.token_urlsafe(32)
    uow.session.add(
        AuthSession(
            id=str(uuid.uuid4()),
            user_id=user.id,
            created_at=uow.now,
            cookie_hash=cookie_hash(uow.settings, cookie),
            last_seen_at=uow.now,
        )
    )
    await uow.session.flush()
    return cookie


page_session_service = PageSessionService()
