"""Every query of users, one-time codes, login sessions and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Delete, Update, bindparam, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from attune.accounts.tokens import AccessClaims
from attune.models import (
    AuthSession,
    OtpCode,
    OtpPurpose,
    OtpThrottle,
    RefreshToken,
    RevokedAccessToken,
    User,
)
from attune.platform.database import execute_bulk, insert_ignoring_duplicates


async def _affected_rows(session: AsyncSession, statement: Update | Delete) -> int:
    return (await execute_bulk(session, statement)).rowcount


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    found: User | None = await session.scalar(select(User).where(User.email == email))
    return found


async def user_for_login(session: AsyncSession, user_id: int, password_hash: str) -> User | None:
    """The user, provided the password hash is still the one a login was checked against."""
    found: User | None = await session.scalar(
        select(User).where(User.id == user_id, User.password_hash == password_hash)
    )
    return found


async def user_with_latest_code(
    session: AsyncSession, email: str, purpose: OtpPurpose
) -> tuple[User | None, OtpCode | None]:
    """The account of an e-mail and its newest code for a purpose, in one query."""
    statement = (
        select(User, OtpCode)
        .outerjoin(OtpCode, (OtpCode.user_id == User.id) & (OtpCode.purpose == purpose))
        .where(User.email == email)
        .order_by(OtpCode.id.desc())
        .limit(1)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None, None
    return row[0], row[1]


async def locked_throttle(session: AsyncSession, address_hash: str, now: datetime) -> OtpThrottle:
    """The throttle row of an address, created when new, and locked for this transaction.

    Requests for one address take turns on the row, so concurrent guesses cannot slip past the
    limit between them: `FOR UPDATE` on PostgreSQL; on SQLite every write transaction already
    holds the database's write lock from its start.
    """
    await session.execute(
        insert_ignoring_duplicates(
            session,
            OtpThrottle,
            {"address_hash": address_hash, "updated_at": now},
            unique="address_hash",
        )
    )
    statement = (
        select(OtpThrottle)
        .where(OtpThrottle.address_hash == address_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).one()


async def delete_codes(session: AsyncSession, user_id: int, purpose: OtpPurpose) -> None:
    # Through the ORM, so a loaded code leaves the session too: SQLite may give its id to the
    # code inserted next.
    await session.execute(
        delete(OtpCode).where(OtpCode.user_id == user_id, OtpCode.purpose == purpose)
    )


async def spend_attempt(
    session: AsyncSession, code_id: int, *, max_attempts: int, now: datetime
) -> bool:
    """Count one try at a live code; False when it is spent, expired or out of tries.

    One conditional UPDATE, so concurrent guesses can never exceed the limit between them.
    """
    statement = (
        update(OtpCode)
        .where(
            OtpCode.id == code_id,
            OtpCode.attempts < max_attempts,
            OtpCode.consumed_at.is_(None),
            OtpCode.expires_at > now,
        )
        .values(attempts=OtpCode.attempts + 1)
    )
    return await _affected_rows(session, statement) == 1


async def mark_code_verified(session: AsyncSession, code_id: int, now: datetime) -> None:
    await _affected_rows(
        session, update(OtpCode).where(OtpCode.id == code_id).values(verified_at=now)
    )


async def consume_code(session: AsyncSession, code_id: int, now: datetime) -> bool:
    """Spend a code once; False when a concurrent request spent it first."""
    statement = (
        update(OtpCode)
        .where(OtpCode.id == code_id, OtpCode.consumed_at.is_(None))
        .values(consumed_at=now, verified_at=now)
    )
    return await _affected_rows(session, statement) == 1


async def live_code_by_hash(
    session: AsyncSession, purpose: OtpPurpose, code_hash: str, now: datetime
) -> tuple[User, OtpCode] | None:
    """The account and its unspent, unexpired code of this purpose whose hash is this one
    (a long token's, so the hash itself finds the row)."""
    row = (
        await session.execute(
            select(User, OtpCode)
            .join(OtpCode, OtpCode.user_id == User.id)
            .where(
                OtpCode.purpose == purpose,
                OtpCode.code_hash == code_hash,
                OtpCode.consumed_at.is_(None),
                OtpCode.expires_at > now,
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def users_with_live_codes(
    session: AsyncSession, purpose: OtpPurpose, now: datetime
) -> set[int]:
    found = await session.scalars(
        select(OtpCode.user_id).where(
            OtpCode.purpose == purpose, OtpCode.consumed_at.is_(None), OtpCode.expires_at > now
        )
    )
    return set(found)


@dataclass(frozen=True)
class AuthenticatedAccount:
    """What an access token's request needs of its account: who the actor is, no more.

    A tuple of four columns rather than the user's row: every authenticated request pays for
    this, and an ORM object (every column, its identity-map entry) costs more than the query."""

    id: int
    role: str
    may_refund: bool
    email_verified_at: datetime | None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


# Built once: every authenticated request runs it, and building a statement costs more than
# running this one.
_AUTHENTICATED_ACCOUNT = (
    select(User.id, User.role, User.may_refund, User.email_verified_at)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        User.is_active.is_(True),
        AuthSession.id == bindparam("session_id"),
        AuthSession.revoked_at.is_(None),
        ~exists().where(RevokedAccessToken.jti == bindparam("jti")),
    )
)


async def authenticated_user(
    session: AsyncSession, claims: AccessClaims
) -> AuthenticatedAccount | None:
    """The active user of a live login whose access token was not revoked, in one query by
    primary keys: the revocation is read from the database on every request, so a logout in
    any process refuses the token at once."""
    found = await session.execute(
        _AUTHENTICATED_ACCOUNT,
        {"user_id": claims.user_id, "session_id": claims.session_id, "jti": claims.jti},
    )
    row = found.first()
    return None if row is None else AuthenticatedAccount(*row)


async def refresh_token_family(
    session: AsyncSession, token_hash: str
) -> tuple[RefreshToken, AuthSession, User] | None:
    statement = (
        select(RefreshToken, AuthSession, User)
        .join(AuthSession, RefreshToken.auth_session_id == AuthSession.id)
        .join(User, AuthSession.user_id == User.id)
        .where(RefreshToken.token_hash == token_hash)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else (row[0], row[1], row[2])


async def mark_refresh_token_used(session: AsyncSession, token_id: int, now: datetime) -> bool:
    """Spend a refresh token once; False when it was already spent (a reuse)."""
    statement = (
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    return await _affected_rows(session, statement) == 1


async def revoke_session(
    session: AsyncSession, auth_session_id: str, *, reason: str, now: datetime
) -> None:
    statement = (
        update(AuthSession)
        .where(AuthSession.id == auth_session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    await _affected_rows(session, statement)


async def deny_access_token(session: AsyncSession, jti: str, expires_at: datetime) -> None:
    """Deny a token's `jti`; denying it twice (two logouts racing) is not an error."""
    await session.execute(
        insert_ignoring_duplicates(
            session, RevokedAccessToken, {"jti": jti, "expires_at": expires_at}, unique="jti"
        )
    )


async def revoke_user_sessions(
    session: AsyncSession,
    user_id: int,
    *,
    reason: str,
    now: datetime,
    except_login: str | None = None,
) -> None:
    statement = (
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    if except_login is not None:
        statement = statement.where(AuthSession.id != except_login)
    await _affected_rows(session, statement)


async def purge_expired_credentials(
    session: AsyncSession,
    *,
    now: datetime,
    access_tokens_issued_before: datetime,
    throttles_untouched_since: datetime,
) -> None:
    """Delete codes, denied access tokens and refresh tokens past their expiry, throttle rows
    that no limit reads any more, and the logins that no live token can name any more
    (revoked, or without refresh tokens, and older than the longest-lived access token)."""
    await _affected_rows(session, delete(OtpCode).where(OtpCode.expires_at < now))
    await _affected_rows(
        session, delete(OtpThrottle).where(OtpThrottle.updated_at < throttles_untouched_since)
    )
    await _affected_rows(
        session, delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < now)
    )
    await _affected_rows(session, delete(RefreshToken).where(RefreshToken.expires_at < now))
    without_tokens = ~exists().where(RefreshToken.auth_session_id == AuthSession.id)
    dead_sessions = delete(AuthSession).where(
        or_(
            AuthSession.revoked_at < access_tokens_issued_before,
            without_tokens & (AuthSession.created_at < access_tokens_issued_before),
        )
    )
    await _affected_rows(session, dead_sessions)
