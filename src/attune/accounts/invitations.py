"""Staff invitations: a mailed link that sets a new member's password once.

The link's token is kept the way a one-time code is (an `OtpCode` row of purpose
`invitation`, only its keyed hash stored, with an expiry, spent once by a conditional update),
but it is a long random token rather than six digits: it travels in a link, not typed from a
mail, so it needs no throttle of tries to be safe from guessing.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from attune.accounts import repository
from attune.models import OtpCode, OtpPurpose, User
from attune.notifications.mail import queue_mail
from attune.platform.crypto import keyed_hash
from attune.platform.unit_of_work import UnitOfWork

INVITATION_DAYS = 7
INVITATION_PATH = "/invitation"
ROLE_NAMES = {"owner": "an owner", "therapist": "a therapist", "front_desk": "front desk"}


def token_hash(uow: UnitOfWork, token: str) -> str:
    return keyed_hash(uow.settings.derived_key("invitation"), token)


def invitation_link(uow: UnitOfWork, token: str) -> str:
    return f"{uow.settings.public_base_url}{INVITATION_PATH}?{urlencode({'token': token})}"


async def mail_invitation(uow: UnitOfWork, user: User, *, invited_by: str, with_link: bool) -> None:
    """Mail the new member of staff; `with_link` replaces any earlier link with a fresh one that
    sets the password (an account that has a password of its own just signs in)."""
    link: str | None = None
    if with_link:
        await repository.delete_codes(uow.session, user.id, OtpPurpose.invitation)
        token = secrets.token_urlsafe(32)
        uow.session.add(
            OtpCode(
                user_id=user.id,
                purpose=OtpPurpose.invitation,
                code_hash=token_hash(uow, token),
                created_at=uow.now,
                expires_at=uow.now + timedelta(days=INVITATION_DAYS),
            )
        )
        link = invitation_link(uow, token)
    await queue_mail(
        uow.session,
        uow.settings,
        to=user.email,
        template="staff_invitation",
        context={
            "first_name": user.first_name,
            "invited_by": invited_by,
            "role": ROLE_NAMES.get(user.role, user.role),
            "link": link,
            "days": INVITATION_DAYS,
            "sign_in": f"{uow.settings.public_base_url}/login",
        },
    )


async def invited_account(uow: UnitOfWork, token: str) -> tuple[User, OtpCode] | None:
    """The account a live, unspent invitation token is for."""
    if not token or len(token) > 200:
        return None
    return await repository.live_code_by_hash(
        uow.session, OtpPurpose.invitation, token_hash(uow, token), uow.now
    )
