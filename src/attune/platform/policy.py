"""Who may do what: the one module that answers it (docs/architecture.md, "Actor and policy").

Services ask here, with the actor in hand, before they read or change anything a client owns;
no other module looks at an account's role. A stranger's object answers as an unknown one
does (404, never 403), so the services use `may_see` to decide whether an object exists for
the actor at all, and `require` for what a signed-in person of the wrong role may not do.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_

from attune.platform.actor import Actor, Role
from attune.platform.errors import Forbidden


class Permission(StrEnum):
    # Slots, weekly availability, accounts' roles, reports, the audit log.
    manage_practice = "manage_practice"
    # Any client's bookings, requests and account, with their personal fields.
    see_any_client = "see_any_client"
    # Cancel or move anyone's appointment at any time: the notice windows bind clients only.
    act_for_clients = "act_for_clients"
    refund = "refund"
    # Open a meeting's room whenever it exists, as its host.
    host_meetings = "host_meetings"
    # Be mailed when clients book, pay, move or cancel.
    receive_practice_notices = "receive_practice_notices"


_EVERYTHING = frozenset(Permission)
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.admin: _EVERYTHING,
    Role.system: _EVERYTHING - {Permission.receive_practice_notices},
    Role.client: frozenset(),
    Role.anonymous: frozenset(),
}


class AdminRequired(Forbidden):
    error = "Admin access required"
    details = "Only the practice's admins may do this."


class Account(Protocol):
    """What the policy reads of an account to know its actor."""

    @property
    def id(self) -> int: ...
    @property
    def is_admin(self) -> bool: ...
    @property
    def is_verified(self) -> bool: ...


def actor_for(account: Account) -> Actor:
    """The actor a signed-in account acts as."""
    role = Role.admin if account.is_admin else Role.client
    return Actor(role=role, user_id=account.id, verified=account.is_verified)


def role_of(account: Account) -> Role:
    return actor_for(account).role


def allows(actor: Actor, permission: Permission) -> bool:
    return permission in GRANTS[actor.role]


def require(actor: Actor, permission: Permission) -> None:
    """Refuse (403) what this actor's role may not do."""
    if not allows(actor, permission):
        raise AdminRequired()


def is_staff(actor: Actor) -> bool:
    """A signed-in member of the practice, as opposed to a client, a visitor or the system."""
    return actor.signed_in and allows(actor, Permission.manage_practice)


def may_see(actor: Actor, owner_id: int | None) -> bool:
    """Whether an object owned by `owner_id` exists for this actor at all."""
    return actor.owns(owner_id) or allows(actor, Permission.see_any_client)


def may_act_for(actor: Actor, owner_id: int | None) -> bool:
    """Whether this actor may change the object, within the rules that bind its owner."""
    return actor.owns(owner_id) or allows(actor, Permission.act_for_clients)


def bound_by_notice(actor: Actor) -> bool:
    """The cancellation and rescheduling notices bind clients; the practice may override them."""
    return not allows(actor, Permission.act_for_clients)


def acts_for_another(actor: Actor, owner_id: int | None) -> bool:
    """A member of the practice at a record that is not their own: audited."""
    return is_staff(actor) and not actor.owns(owner_id)


class LiveAccount(Account, Protocol):
    """An account as read afresh, with whether it may still sign in."""

    @property
    def is_active(self) -> bool: ...


def still_allows(account: LiveAccount | None, permission: Permission) -> bool:
    """Whether an account read again under lock still exists, is active and holds the
    permission: a change to who runs the practice is decided on the accounts as they are now,
    not as the caller's token found them, so two admins demoting each other cannot both win."""
    return account is not None and account.is_active and allows(actor_for(account), permission)


class AccountColumns(Protocol):
    """The columns of the accounts table that the policy reads in SQL (`models.User`)."""

    is_admin: Any
    is_active: Any


def holds_practice_roles(accounts: type[AccountColumns]) -> ColumnElement[bool]:
    """In SQL: the active accounts that act as members of the practice (`actor_for`'s admin),
    the ones its notices go to."""
    return and_(accounts.is_admin.is_(True), accounts.is_active.is_(True))


def is_client_account(accounts: type[AccountColumns]) -> ColumnElement[bool]:
    """In SQL: the accounts that act as clients."""
    return accounts.is_admin.is_(False)  # type: ignore[no-any-return]
