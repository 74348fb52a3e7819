"""Account rules: registration, e-mail verification, login, tokens, password reset, profile.

Most operations run in the request's transaction. Those that must record a failure (a wrong
one-time code counts as a try, a reused refresh token revokes its login) take the `Database`
and commit that record in their own transaction before they raise, because raising inside the
request's transaction would roll it back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from pydantic_core import PydanticCustomError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from attune.accounts import otp, repository, throttle
from attune.accounts.errors import (
    BookingNoticesForAdminsOnly,
    CodeRequestedTooSoon,
    EmailTaken,
    InvalidCredentials,
    InvalidDateOfBirth,
    InvalidEmail,
    InvalidOtp,
    InvalidRefreshToken,
    PasswordMismatch,
    TooManyWrongCodes,
)
from attune.accounts.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_against_decoy,
    verify_password,
)
from attune.accounts.schemas import (
    Credentials,
    OtpVerification,
    PasswordReset,
    ProfileUpdate,
    UserCreate,
    normalise_email,
)
from attune.accounts.tokens import (
    AccessClaims,
    TokenPair,
    issue_access_token,
    new_refresh_token,
    refresh_token_hash,
)
from attune.models import AuthSession, OtpCode, OtpPurpose, RefreshToken, User
from attune.notifications.mail import queue_mail
from attune.platform.auth import EmailNotVerified
from attune.platform.database import Database
from attune.platform.jobs import enqueue
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.settings import Settings

CODE_TEMPLATES = {
    OtpPurpose.registration: "account_verification",
    OtpPurpose.password_reset: "password_reset",
}
SEND_CODE_JOB = "send_account_code"
# Compared against when an e-mail has no account, so that path does the same work.
_DECOY_CODE_HASH = "0" * 64
_DECOY_CODE_ID = 0  # ids start at 1


class AccountService:
    async def register(
        self, session: AsyncSession, settings: Settings, body: UserCreate, now: datetime
    ) -> User:
        """Create a client account; when verification is on, mail it a code to verify with."""
        if body.password2 is not None and body.password2 != body.password:
            raise PasswordMismatch()
        check_password_policy(
            body.password, email=body.email, names=[body.first_name, body.last_name]
        )
        _refuse_future_birth_date(body.date_of_birth, settings, now)
        # Hashed before the first query, which on SQLite takes the write lock.
        password_hash = await hash_password(settings, body.password)
        if await repository.user_by_email(session, body.email) is not None:
            raise EmailTaken()
        user = User(
            email=body.email,
            password_hash=password_hash,
            first_name=body.first_name,
            last_name=body.last_name,
            phone=body.phone,
            location=body.location,
            date_of_birth=body.date_of_birth,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        try:
            await session.flush()
        except IntegrityError as error:
            # Another request registered the same address between the check and the insert.
            raise EmailTaken() from error
        if settings.require_email_verification:
            await self._issue_code(session, settings, user, OtpPurpose.registration, now)
            # Sending a code starts the address's resend cool-down, as asking for one does.
            throttled = await repository.locked_throttle(
                session, throttle.address_hash(settings, user.email, OtpPurpose.registration), now
            )
            throttle.record_code_request(throttled, now)
        return user

    async def login(
        self, database: Database, settings: Settings, credentials: Credentials, now: datetime
    ) -> tuple[User, TokenPair]:
        """Check the password in a read transaction, then record the login in a write one.

        Argon2 takes tens of milliseconds on purpose; on SQLite a write transaction would hold
        the database's only write lock for all that time and queue every other login behind it.
        """
        async with database.transaction(write=False) as session:
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
        async with database.transaction() as session:
            # The password was checked against this hash: a change in between voids the login.
            user = await repository.user_for_login(session, user.id, user.password_hash)
            if user is None or not user.is_active:
                raise InvalidCredentials()
            if new_hash is not None:
                user.password_hash = new_hash
            return user, await self._start_login(session, settings, user, now)

    async def refresh(
        self, database: Database, settings: Settings, refresh_token: str, now: datetime
    ) -> TokenPair:
        """Rotate a refresh token; a spent one revokes its whole login (it has been stolen)."""
        async with database.transaction() as session:
            found = await repository.refresh_token_family(
                session, refresh_token_hash(settings, refresh_token)
            )
            if found is None:
                raise InvalidRefreshToken()
            token, login, user = found
            if login.revoked_at is not None or token.expires_at <= now or not user.is_active:
                raise InvalidRefreshToken()
            if await repository.mark_refresh_token_used(session, token.id, now):
                return await self._continue_login(session, settings, login, now)
            await repository.revoke_session(
                session, login.id, reason="refresh_token_reuse", now=now
            )
        raise InvalidRefreshToken()

    async def logout(
        self,
        session: AsyncSession,
        settings: Settings,
        user: User,
        claims: AccessClaims,
        *,
        refresh_token: str | None,
        now: datetime,
    ) -> None:
        """End the login of this access token, and of the given refresh token if it is theirs."""
        await repository.revoke_session(session, claims.session_id, reason="logout", now=now)
        await repository.deny_access_token(session, claims.jti, claims.expires_at)
        if refresh_token:
            found = await repository.refresh_token_family(
                session, refresh_token_hash(settings, refresh_token)
            )
            if found is not None and found[2].id == user.id:
                await repository.revoke_session(session, found[1].id, reason="logout", now=now)

    async def update_profile(
        self,
        session: AsyncSession,
        settings: Settings,
        user: User,
        changes: ProfileUpdate,
        now: datetime,
    ) -> User:
        """Change the fields that were sent (an admin's booking notices too); a name cannot be
        emptied."""
        fields = changes.model_dump(exclude_unset=True)
        _refuse_future_birth_date(fields.get("date_of_birth"), settings, now)
        if fields.get("booking_notifications") is not None and not user.is_admin:
            raise BookingNoticesForAdminsOnly(
                details="Clients are mailed about their own bookings only; leave "
                "booking_notifications out."
            )
        for name in ("first_name", "last_name", "booking_notifications"):
            if fields.get(name) is None:
                fields.pop(name, None)
        for name, value in fields.items():
            setattr(user, name, value)
        user.updated_at = now
        await session.flush()
        return user

    async def request_code(
        self,
        session: AsyncSession,
        settings: Settings,
        email: str,
        purpose: OtpPurpose,
        now: datetime,
    ) -> None:
        """Queue the sending of a code (see send_code), at most once per resend cool-down.

        Inside the cool-down the request is refused with the time left, rather than accepted
        and then dropped, so a person who asks for a code either gets one or knows when to ask
        again. The cool-down is the address's, so it answers the same with or without an account.
        """
        throttled = await repository.locked_throttle(
            session, throttle.address_hash(settings, email, purpose), now
        )
        wait = throttle.seconds_until(throttle.next_code_at(throttled, settings), now)
        if wait is not None:
            raise CodeRequestedTooSoon(
                details="Use the code in the last e-mail (check the spam folder too), or ask "
                f"for a new one in {throttle.wait_in_words(wait)}.",
                headers={"Retry-After": str(wait)},
            )
        throttle.record_code_request(throttled, now)
        await enqueue(session, SEND_CODE_JOB, {"email": email, "purpose": purpose.value})

    async def send_code(
        self,
        session: AsyncSession,
        settings: Settings,
        email: str,
        purpose: OtpPurpose,
        now: datetime,
    ) -> None:
        """Mail a fresh code if the address has an account that may get one.

        Runs as a job (see jobs.py), so the request that asked for it does the same work, and
        takes the same time, for an unknown address and an address that gets a code. The
        request has already applied the resend cool-down.
        """
        user = await repository.user_by_email(session, email)
        if user is None or not user.is_active:
            return
        if purpose is OtpPurpose.registration and user.is_verified:
            return
        await self._issue_code(session, settings, user, purpose, now)

    async def verify_email(
        self, database: Database, settings: Settings, body: OtpVerification, now: datetime
    ) -> None:
        async with database.transaction() as session:
            accepted = await self._accept_code(
                session,
                settings,
                email=body.email,
                purpose=OtpPurpose.registration,
                code=body.otp,
                now=now,
            )
            if accepted is not None:
                user, code = accepted
                if await repository.consume_code(session, code.id, now):
                    user.email_verified_at = user.email_verified_at or now
                    return
        raise InvalidOtp(details="Check the code, or ask for a new one with resend-otp.")

    async def verify_password_reset_code(
        self, database: Database, settings: Settings, body: OtpVerification, now: datetime
    ) -> None:
        """Confirm a reset code without spending it: reset-password still needs it."""
        async with database.transaction() as session:
            accepted = await self._accept_code(
                session,
                settings,
                email=body.email,
                purpose=OtpPurpose.password_reset,
                code=body.otp,
                now=now,
            )
            if accepted is not None:
                await repository.mark_code_verified(session, accepted[1].id, now)
                return
        raise InvalidOtp(details="Check the code, or ask for a new one with forgot-password.")

    async def reset_password(
        self, database: Database, settings: Settings, body: PasswordReset, now: datetime
    ) -> None:
        """Set a new password with a mailed code, and end every login of the account."""
        if body.new_password != body.confirm_password:
            raise PasswordMismatch()
        async with database.transaction() as session:
            accepted = await self._accept_code(
                session,
                settings,
                email=body.email,
                purpose=OtpPurpose.password_reset,
                code=body.otp,
                now=now,
            )
            if accepted is not None:
                user, code = accepted
                check_password_policy(body.new_password, email=user.email, names=_names(user))
                if await repository.consume_code(session, code.id, now):
                    await self._change_password(session, settings, user, body.new_password, now)
                    # The code reached the inbox, which proves the address as well as a
                    # verification code would.
                    user.email_verified_at = user.email_verified_at or now
                    await queue_mail(
                        session,
                        settings,
                        to=user.email,
                        template="password_changed",
                        context={"first_name": user.first_name},
                    )
                    return
        raise InvalidOtp(details="Check the code, or ask for a new one with forgot-password.")

    async def create_admin(
        self,
        session: AsyncSession,
        settings: Settings,
        *,
        email: str,
        password: str,
        first_name: str,
        last_name: str,
        now: datetime,
    ) -> User:
        """Create a verified admin, or make the account with this e-mail one, with this password."""
        try:
            email = normalise_email(email)
        except PydanticCustomError as error:
            raise InvalidEmail(details=f"The e-mail address {error.message()}.") from error
        user = await repository.user_by_email(session, email)
        names = [first_name, last_name] if user is None else _names(user)
        check_password_policy(password, email=email, names=names)
        if user is None:
            user = User(
                email=email,
                password_hash=await hash_password(settings, password),
                first_name=first_name,
                last_name=last_name,
                created_at=now,
                updated_at=now,
            )
            session.add(user)
        else:
            await self._change_password(session, settings, user, password, now)
        user.is_admin = True
        user.is_active = True
        user.email_verified_at = user.email_verified_at or now
        user.updated_at = now
        await session.flush()
        return user

    async def _issue_code(
        self,
        session: AsyncSession,
        settings: Settings,
        user: User,
        purpose: OtpPurpose,
        now: datetime,
    ) -> None:
        """Replace the user's code for this purpose with a new one, and mail it."""
        await repository.delete_codes(session, user.id, purpose)
        code = otp.new_code()
        stored = OtpCode(
            user_id=user.id,
            purpose=purpose,
            code_hash=otp.code_hash(settings, code),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.otp_minutes),
        )
        session.add(stored)
        await queue_mail(
            session,
            settings,
            to=user.email,
            template=CODE_TEMPLATES[purpose],
            context={"first_name": user.first_name, "code": code, "minutes": settings.otp_minutes},
        )

    async def _accept_code(
        self,
        session: AsyncSession,
        settings: Settings,
        *,
        email: str,
        purpose: OtpPurpose,
        code: str,
        now: datetime,
    ) -> tuple[User, OtpCode] | None:
        """The account and its code when the code is right and live; every try counts, against
        the code's own tries and against the address's (see throttle.py).

        A locked address is refused before its code is looked at, the right code included.
        """
        throttled = await repository.locked_throttle(
            session, throttle.address_hash(settings, email, purpose), now
        )
        wait = throttle.seconds_until(throttled.locked_until, now)
        if wait is not None:
            raise TooManyWrongCodes(
                details="Too many wrong codes were tried for this address. Try again in "
                f"{throttle.wait_in_words(wait)}.",
                headers={"Retry-After": str(wait)},
            )
        accepted = await self._check_code(
            session, settings, email=email, purpose=purpose, code=code, now=now
        )
        if accepted is None:
            throttle.record_failure(throttled, settings, now)
        else:
            throttle.record_success(throttled, now)
        return accepted

    async def _check_code(
        self,
        session: AsyncSession,
        settings: Settings,
        *,
        email: str,
        purpose: OtpPurpose,
        code: str,
        now: datetime,
    ) -> tuple[User, OtpCode] | None:
        user, stored = await repository.user_with_latest_code(session, email, purpose)
        if user is None or stored is None:
            # The same statements and hashing as for a wrong code, on a row that cannot exist.
            await repository.spend_attempt(
                session, _DECOY_CODE_ID, max_attempts=settings.otp_max_attempts, now=now
            )
            otp.code_matches(settings, _DECOY_CODE_HASH, code)
            return None
        if not await repository.spend_attempt(
            session, stored.id, max_attempts=settings.otp_max_attempts, now=now
        ):
            return None
        if not otp.code_matches(settings, stored.code_hash, code):
            return None
        return user, stored

    async def _change_password(
        self, session: AsyncSession, settings: Settings, user: User, password: str, now: datetime
    ) -> None:
        user.password_hash = await hash_password(settings, password)
        user.updated_at = now
        await repository.revoke_user_sessions(session, user.id, reason="password_changed", now=now)

    async def _start_login(
        self, session: AsyncSession, settings: Settings, user: User, now: datetime
    ) -> TokenPair:
        login = AuthSession(id=str(uuid.uuid4()), user_id=user.id, created_at=now)
        session.add(login)
        return await self._continue_login(session, settings, login, now)

    async def _continue_login(
        self, session: AsyncSession, settings: Settings, login: AuthSession, now: datetime
    ) -> TokenPair:
        """Hand out a new refresh token of this login and an access token naming it."""
        refresh = new_refresh_token()
        session.add(
            RefreshToken(
                auth_session_id=login.id,
                token_hash=refresh_token_hash(settings, refresh),
                created_at=now,
                expires_at=now + timedelta(days=settings.refresh_token_days),
            )
        )
        await session.flush()
        access = issue_access_token(settings, user_id=login.user_id, session_id=login.id, now=now)
        return TokenPair(access=access, refresh=refresh)


def _names(user: User) -> Sequence[str]:
    return [user.first_name, user.last_name]


def _refuse_future_birth_date(born: date | None, settings: Settings, now: datetime) -> None:
    if born is not None and born > PracticeCalendar.of(settings).today(now):
        raise InvalidDateOfBirth()


account_service = AccountService()
