"""What the account services answer: an account as its owner (or the practice) sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from attune.models import User
from attune.platform import policy
from attune.platform.policy import Permission


@dataclass(frozen=True)
class AccountView:
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str | None
    location: str | None
    date_of_birth: date | None
    is_admin: bool
    # Whether the account is mailed when clients book, pay, move or cancel; None for an
    # account that is never mailed these (a client), whatever its stored choice.
    booking_notifications: bool | None
    created_at: datetime
    updated_at: datetime


def account_view(user: User) -> AccountView:
    notified = policy.allows(policy.actor_for(user), Permission.receive_practice_notices)
    return AccountView(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        phone=user.phone,
        location=user.location,
        date_of_birth=user.date_of_birth,
        is_admin=user.is_admin,
        booking_notifications=user.booking_notifications if notified else None,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )
