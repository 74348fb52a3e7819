"""Mailed one-time codes as stored: issuing one, and checking one against its own tries and
against the address's throttle (accounts/throttle.py), the same way whether or not the address
has an account."""

from __future__ import annotations

from datetime import timedelta

from attune.accounts import otp, repository, throttle
from attune.accounts.errors import TooManyWrongCodes
from attune.models import OtpCode, OtpPurpose, User
from attune.notifications.mail import queue_mail
from attune.platform.unit_of_work import UnitOfWork

CODE_TEMPLATES = {
    OtpPurpose.registration: "account_verification",
    OtpPurpose.password_reset: "password_reset",
}
# Compared against when an e-mail has no account, so that path does the same work.
_DECOY_CODE_HASH = "0" * 64
_DECOY_CODE_ID = 0  # ids start at 1


async def issue_code(uow: UnitOfWork, user: User, purpose: OtpPurpose) -> None:
    """Replace the user's code for this purpose with a new one, and mail it."""
    settings = uow.settings
    await repository.delete_codes(uow.session, user.id, purpose)
    code = otp.new_code()
    stored = OtpCode(
        user_id=user.id,
        purpose=purpose,
        code_hash=otp.code_hash(settings, code),
        created_at=uow.now,
        expires_at=uow.now + timedelta(minutes=settings.otp_minutes),
    )
    uow.session.add(stored)
    await queue_mail(
        uow.session,
        settings,
        to=user.email,
        template=CODE_TEMPLATES[purpose],
        context={"first_name": user.first_name, "code": code, "minutes": settings.otp_minutes},
    )


async def accept_code(
    uow: UnitOfWork, *, email: str, purpose: OtpPurpose, code: str
) -> tuple[User, OtpCode] | None:
    """The account and its code when the code is right and live; every try counts, against
    the code's own tries and against the address's (see throttle.py).

    A locked address is refused before its code is looked at, the right code included.
    """
    session, settings, now = uow.session, uow.settings, uow.now
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
    accepted = await _check_code(uow, email=email, purpose=purpose, code=code)
    if accepted is None:
        throttle.record_failure(throttled, settings, now)
    else:
        throttle.record_success(throttled, now)
    return accepted


async def _check_code(
    uow: UnitOfWork, *, email: str, purpose: OtpPurpose, code: str
) -> tuple[User, OtpCode] | None:
    session, settings, now = uow.session, uow.settings, uow.now
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
