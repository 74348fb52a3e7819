"""Account rules: registration, e-mail verification, password reset, profile, admins.

Every method runs in the caller's unit of work. A wrong one-time code is a refusal that must
still count as a try: those refusals commit the unit's work before they answer
(`UnitOfWork.commit_and_refuse`), so nothing else opens a transaction here. Logins and tokens
are in logins.py, the stored codes in one_time_codes.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from pydantic_core import PydanticCustomError
from sqlalchemy.exc import IntegrityError

from attune.accounts import invitations, repository, throttle
from attune.accounts.errors import (
    AlreadyStaff,
    BookingNoticesForAdminsOnly,
    CodeRequestedTooSoon,
    EmailTaken,
    InvalidDateOfBirth,
    InvalidEmail,
    InvalidInvitation,
    InvalidOtp,
    PasswordMismatch,
    WrongCurrentPassword,
)
from attune.accounts.one_time_codes import accept_code, issue_code
from attune.accounts.passwords import check_password_policy, hash_password, verify_password
from attune.accounts.schemas import (
    InvitationAcceptance,
    OtpVerification,
    PasswordReset,
    ProfileUpdate,
    UserCreate,
    normalise_email,
)
from attune.accounts.views import AccountView, account_view
from attune.models import OtpPurpose, User
from attune.notifications.mail import queue_mail
from attune.platform import policy
from attune.platform.actor import Actor, Role
from attune.platform.auth import InvalidToken
from attune.platform.jobs import enqueue
from attune.platform.policy import Permission
from attune.platform.practice_calendar import PracticeCalendar
from attune.platform.unit_of_work import UnitOfWork

SEND_CODE_JOB = "send_account_code"
# Not an argon2 hash, so no password ever matches it: an invited account signs in only once
# its invitation's link has set a password.
UNUSABLE_PASSWORD = "!invited"
WRONG_CODE = "Check the code, or ask for a new one with {}."


class AccountService:
    async def register(self, uow: UnitOfWork, actor: Actor, body: UserCreate) -> AccountView:
        """Create a client account; when verification is on, mail it a code to verify with."""
        settings, now = uow.settings, uow.now
        if body.password2 is not None and body.password2 != body.password:
            raise PasswordMismatch(field="password2")
        check_password_policy(
            body.password, email=body.email, names=[body.first_name, body.last_name]
        )
        _refuse_future_birth_date(uow, body.date_of_birth)
        # Hashed before the first query, which on SQLite takes the write lock.
        password_hash = await hash_password(settings, body.password)
        if await repository.user_by_email(uow.session, body.email) is not None:
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
        uow.session.add(user)
        try:
            await uow.session.flush()
        except IntegrityError as error:
            # Another request registered the same address between the check and the insert.
            raise EmailTaken() from error
        if settings.require_email_verification:
            await issue_code(uow, user, OtpPurpose.registration)
            # Sending a code starts the address's resend cool-down, as asking for one does.
            throttled = await repository.locked_throttle(
                uow.session,
                throttle.address_hash(settings, user.email, OtpPurpose.registration),
                now,
            )
            throttle.record_code_request(throttled, now)
        return account_view(user)

    async def profile(self, uow: UnitOfWork, actor: Actor) -> AccountView:
        return account_view(await _own_account(uow, actor))

    async def update_profile(
        self, uow: UnitOfWork, actor: Actor, changes: ProfileUpdate
    ) -> AccountView:
        """Change the fields that were sent (an admin's booking notices too); a name cannot be
        emptied."""
        user = await _own_account(uow, actor)
        fields = changes.model_dump(exclude_unset=True)
        _refuse_future_birth_date(uow, fields.get("date_of_birth"))
        notices = fields.get("booking_notifications")
        if notices is not None and not policy.allows(actor, Permission.receive_practice_notices):
            raise BookingNoticesForAdminsOnly(
                details="Clients are mailed about their own bookings only; leave "
                "booking_notifications out."
            )
        for name in ("first_name", "last_name", "booking_notifications"):
            if fields.get(name) is None:
                fields.pop(name, None)
        for name, value in fields.items():
            setattr(user, name, value)
        user.updated_at = uow.now
        await uow.session.flush()
        return account_view(user)

    async def change_password(
        self,
        uow: UnitOfWork,
        actor: Actor,
        current_password: str,
        new_password: str,
        *,
        keep_login: str | None = None,
    ) -> None:
        """A signed-in person's new password, given the current one: every other login of
        the account ends (`keep_login`, the one they are using, goes on)."""
        user = await _own_account(uow, actor)
        if not await verify_password(uow.settings, user.password_hash, current_password):
            raise WrongCurrentPassword(field="current_password")
        check_password_policy(new_password, email=user.email, names=_names(user))
        await _change_password(uow, user, new_password, keep_login=keep_login)
        await queue_mail(
            uow.session,
            uow.settings,
            to=user.email,
            template="password_changed",
            context={"first_name": user.first_name},
        )

    async def request_code(
        self, uow: UnitOfWork, actor: Actor, email: str, purpose: OtpPurpose
    ) -> None:
        """Queue the sending of a code (see send_code), at most once per resend cool-down.

        Inside the cool-down the request is refused with the time left, rather than accepted
        and then dropped, so a person who asks for a code either gets one or knows when to ask
        again. The cool-down is the address's, so it answers the same with or without an account.
        """
        settings, now = uow.settings, uow.now
        throttled = await repository.locked_throttle(
            uow.session, throttle.address_hash(settings, email, purpose), now
        )
        wait = throttle.seconds_until(throttle.next_code_at(throttled, settings), now)
        if wait is not None:
            raise CodeRequestedTooSoon(
                details="Use the code in the last e-mail (check the spam folder too), or ask "
                f"for a new one in {throttle.wait_in_words(wait)}.",
                headers={"Retry-After": str(wait)},
            )
        throttle.record_code_request(throttled, now)
        await enqueue(uow.session, SEND_CODE_JOB, {"email": email, "purpose": purpose.value})

    async def send_code(
        self, uow: UnitOfWork, actor: Actor, email: str, purpose: OtpPurpose
    ) -> None:
        """Mail a fresh code if the address has an account that may get one.

        Runs as a job (see jobs.py), so the request that asked for it does the same work, and
        takes the same time, for an unknown address and an address that gets a code. The
        request has already applied the resend cool-down.
        """
        user = await repository.user_by_email(uow.session, email)
        if user is None or not user.is_active:
            return
        if purpose is OtpPurpose.registration and user.is_verified:
            return
        await issue_code(uow, user, purpose)

    async def verify_email(self, uow: UnitOfWork, actor: Actor, body: OtpVerification) -> None:
        purpose = OtpPurpose.registration
        accepted = await accept_code(uow, email=body.email, purpose=purpose, code=body.otp)
        if accepted is not None:
            user, code = accepted
            if await repository.consume_code(uow.session, code.id, uow.now):
                user.email_verified_at = user.email_verified_at or uow.now
                return
        # The try counts even though the answer is a refusal.
        raise uow.commit_and_refuse(InvalidOtp(details=WRONG_CODE.format("resend-otp")))

    async def verify_password_reset_code(
        self, uow: UnitOfWork, actor: Actor, body: OtpVerification
    ) -> None:
        """Confirm a reset code without spending it: reset-password still needs it."""
        purpose = OtpPurpose.password_reset
        accepted = await accept_code(uow, email=body.email, purpose=purpose, code=body.otp)
        if accepted is not None:
            await repository.mark_code_verified(uow.session, accepted[1].id, uow.now)
            return
        # The try counts even though the answer is a refusal.
        raise uow.commit_and_refuse(InvalidOtp(details=WRONG_CODE.format("forgot-password")))

    async def reset_password(self, uow: UnitOfWork, actor: Actor, body: PasswordReset) -> None:
        """Set a new password with a mailed code, and end every login of the account."""
        if body.new_password != body.confirm_password:
            raise PasswordMismatch(field="confirm_password")
        purpose = OtpPurpose.password_reset
        accepted = await accept_code(uow, email=body.email, purpose=purpose, code=body.otp)
        if accepted is not None:
            user, code = accepted
            # A weak password rolls the try back: the code still works with a better one.
            check_password_policy(body.new_password, email=user.email, names=_names(user))
            if await repository.consume_code(uow.session, code.id, uow.now):
                await _change_password(uow, user, body.new_password)
                # The code reached the inbox, which proves the address as well as a
                # verification code would.
                user.email_verified_at = user.email_verified_at or uow.now
                await queue_mail(
                    uow.session,
                    uow.settings,
                    to=user.email,
                    template="password_changed",
                    context={"first_name": user.first_name},
                )
                return
        # The try counts even though the answer is a refusal.
        raise uow.commit_and_refuse(InvalidOtp(details=WRONG_CODE.format("forgot-password")))

    async def create_admin(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        email: str,
        password: str,
        first_name: str,
        last_name: str,
    ) -> AccountView:
        """Create a verified admin, or make the account with this e-mail one, with this password."""
        policy.require(actor, Permission.manage_practice)
        try:
            email = normalise_email(email)
        except PydanticCustomError as error:
            raise InvalidEmail(details=f"The e-mail address {error.message()}.") from error
        user = await repository.user_by_email(uow.session, email)
        names = [first_name, last_name] if user is None else _names(user)
        check_password_policy(password, email=email, names=names)
        if user is None:
            user = User(
                email=email,
                password_hash=await hash_password(uow.settings, password),
                first_name=first_name,
                last_name=last_name,
                created_at=uow.now,
                updated_at=uow.now,
            )
            uow.session.add(user)
        else:
            await _change_password(uow, user, password)
        user.is_admin = True
        user.is_active = True
        user.email_verified_at = user.email_verified_at or uow.now
        user.updated_at = uow.now
        await uow.session.flush()
        return account_view(user)

    async def invite_staff(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        email: str,
        first_name: str,
        last_name: str,
        role: Role,
    ) -> tuple[User, bool]:
        """Make a member of staff with this role and mail them; whether the account is new.

        A new account gets a password no one can type and a link that sets one; inviting it
        again before a password is chosen sends a new link. An existing client's account
        becomes staff and keeps its password: the mail only tells them, so an invitation never
        takes over an account someone already uses.
        """
        policy.require(actor, Permission.manage_practice)
        inviting = await uow.session.get(User, actor.user_id) if actor.user_id else None
        invited_by = (
            f"{inviting.first_name} {inviting.last_name}"
            if inviting
            else uow.settings.practice_name
        )
        user = await repository.user_by_email(uow.session, email)
        created = user is None
        if user is None:
            user = User(
                email=email,
                password_hash=UNUSABLE_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                created_at=uow.now,
                updated_at=uow.now,
            )
            uow.session.add(user)
            try:
                await uow.session.flush()
            except IntegrityError as error:
                raise EmailTaken() from error
        # Invited before and no password chosen yet: a new link replaces the old one.
        pending = user.password_hash == UNUSABLE_PASSWORD
        if user.is_admin and not pending:
            raise AlreadyStaff(field="email")
        user.role = role
        user.is_active = True
        user.updated_at = uow.now
        await uow.session.flush()
        await invitations.mail_invitation(
            uow, user, invited_by=invited_by, with_link=created or pending
        )
        return user, created

    async def invitation(self, uow: UnitOfWork, actor: Actor, token: str) -> AccountView:
        """The account a live invitation link is for (to greet them by name)."""
        found = await invitations.invited_account(uow, token)
        if found is None:
            raise InvalidInvitation()
        return account_view(found[0])

    async def accept_invitation(
        self, uow: UnitOfWork, actor: Actor, body: InvitationAcceptance
    ) -> AccountView:
        """Set the password of an invited account with its link's token, once; the link came
        to the inbox, so the address is verified too."""
        if body.new_password != body.confirm_password:
            raise PasswordMismatch(field="confirm_password")
        found = await invitations.invited_account(uow, body.token)
        if found is None:
            raise InvalidInvitation(field="token")
        user, code = found
        check_password_policy(body.new_password, email=user.email, names=_names(user))
        if not await repository.consume_code(uow.session, code.id, uow.now):
            raise InvalidInvitation(field="token")
        await _change_password(uow, user, body.new_password)
        user.email_verified_at = user.email_verified_at or uow.now
        await uow.session.flush()
        return account_view(user)

    async def purge_expired_credentials(self, uow: UnitOfWork, actor: Actor) -> None:
        """Delete the tokens, codes and throttles that no rule reads any more."""
        now = uow.now
        await repository.purge_expired_credentials(
            uow.session,
            now=now,
            access_tokens_issued_before=now - timedelta(minutes=uow.settings.access_token_minutes),
            throttles_untouched_since=now - throttle.FORGOTTEN_AFTER,
        )


async def _own_account(uow: UnitOfWork, actor: Actor) -> User:
    """The actor's own account; the authenticator has already loaded it into the session."""
    user = await uow.session.get(User, actor.user_id)
    if user is None:
        raise InvalidToken()
    return user


async def _change_password(
    uow: UnitOfWork, user: User, password: str, *, keep_login: str | None = None
) -> None:
    user.password_hash = await hash_password(uow.settings, password)
    user.updated_at = uow.now
    await repository.revoke_user_sessions(
        uow.session, user.id, reason="password_changed", now=uow.now, except_login=keep_login
    )


def _names(user: User) -> Sequence[str]:
    return [user.first_name, user.last_name]


def _refuse_future_birth_date(uow: UnitOfWork, born: date | None) -> None:
    if born is not None and born > PracticeCalendar.of(uow.settings).today(uow.now):
        raise InvalidDateOfBirth(field="date_of_birth")


account_service = AccountService()
