"""Who may do what: the one module that answers it (docs/architecture.md, "Actor and policy").

Services ask here, with the actor in hand, before they read or change anything a client owns;
no other module looks at an account's role. A stranger's object answers as an unknown one
does (404, never 403), so the services use `may_see` to decide whether an object exists for
the actor at all, and `require` for what a signed-in person of the wrong role may not do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, or_

from attune.platform.actor import STAFF_ROLES, Actor, Role
from attune.platform.errors import Forbidden


class Permission(StrEnum):
    # Therapists, services, staff roles and invitations, weekly availability, settings, the
    # audit log, accounts' roles.
    manage_practice = "manage_practice"
    # Any therapist's slots and timetable.
    manage_calendars = "manage_calendars"
    # The actor's own slots and timetable, as a therapist.
    manage_own_calendar = "manage_own_calendar"
    # Any client's bookings, requests and account.
    see_any_client = "see_any_client"
    # The bookings and requests of the actor's own calendar, and the clients they have seen.
    see_own_clients = "see_own_clients"
    # A client's notes, a request's reason and why something was cancelled or rejected.
    read_clinical_notes = "read_clinical_notes"
    # Cancel or move an appointment the actor may see, at any time: the notice windows bind
    # clients only. Also schedule and reject requests, and record outcomes.
    act_for_clients = "act_for_clients"
    refund = "refund"
    # Open a meeting's room whenever it exists, as its host (a therapist: their own meetings).
    host_meetings = "host_meetings"
    # Be mailed when clients book, pay, move or cancel (a therapist: their own sessions).
    receive_practice_notices = "receive_practice_notices"


_EVERYTHING = frozenset(Permission)
P = Permission
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.owner: _EVERYTHING,
    Role.therapist: frozenset(
        {
            P.manage_own_calendar,
            P.see_own_clients,
            P.read_clinical_notes,
            P.act_for_clients,
            P.host_meetings,
            P.receive_practice_notices,
        }
    ),
    Role.front_desk: frozenset({P.manage_calendars, P.see_any_client, P.act_for_clients}),
    Role.system: _EVERYTHING - {P.receive_practice_notices},
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
    def role(self) -> str: ...
    @property
    def may_refund(self) -> bool: ...
    @property
    def is_verified(self) -> bool: ...


def actor_for(account: Account) -> Actor:
    """The actor a signed-in account acts as."""
    role = Role(account.role)
    return Actor(
        role=role,
        user_id=account.id,
        verified=account.is_verified,
        refund_granted=role is Role.front_desk and account.may_refund,
    )


def role_of(account: Account) -> Role:
    return actor_for(account).role


def allows(actor: Actor, permission: Permission) -> bool:
    if permission is Permission.refund and actor.refund_granted:
        return True
    return permission in GRANTS[actor.role]


def require(actor: Actor, permission: Permission) -> None:
    """Refuse (403) what this actor's role may not do."""
    if not allows(actor, permission):
        raise AdminRequired()


def is_staff(actor: Actor) -> bool:
    """A signed-in member of the practice, as opposed to a client, a visitor or the system."""
    return actor.signed_in and actor.role in STAFF_ROLES


ANY_THERAPIST = None
"""What `client_scope` and `calendar_scope` answer for an actor who sees the whole practice."""


def client_scope(actor: Actor) -> int | None:
    """Whose appointments and clients the actor may list: every therapist's (`ANY_THERAPIST`)
    or only their own calendar's (their therapist id). Anyone else is refused (403)."""
    if allows(actor, Permission.see_any_client):
        return ANY_THERAPIST
    if allows(actor, Permission.see_own_clients) and actor.user_id is not None:
        return actor.user_id
    raise AdminRequired()


def require_clients(actor: Actor) -> None:
    """Refuse (403) anyone who keeps no client's appointments at all; which ones they keep is
    decided object by object (`may_see`, `may_act_for`)."""
    client_scope(actor)


def listed_therapist(actor: Actor, therapist_id: int | None) -> int | None:
    """Whose appointments, clients and figures a list asked for `therapist_id` (None: any)
    shows the actor: that therapist's, when the actor sees the whole practice; their own,
    whatever they asked for, when they see only their own calendar (asking for another
    therapist's is refused, 403). The dashboard and the reports follow the same scope: their
    figures are those of the bookings the actor may list."""
    scope = client_scope(actor)
    if scope is ANY_THERAPIST:
        return therapist_id
    if therapist_id is not None and therapist_id != scope:
        raise AdminRequired()
    return scope


@dataclass(frozen=True)
class BackOffice:
    """What the back office offers a member of the practice: the pages and forms it shows
    them, decided here so that no page or template looks at a role."""

    # Settings, the audit log, therapists and services, accounts' roles and availability.
    runs_practice: bool
    # Every therapist's bookings, clients and figures, with a filter by therapist.
    sees_every_therapist: bool
    refunds: bool
    clinical_notes: bool


def back_office(actor: Actor) -> BackOffice:
    return BackOffice(
        runs_practice=allows(actor, Permission.manage_practice),
        sees_every_therapist=allows(actor, Permission.see_any_client),
        refunds=allows(actor, Permission.refund),
        clinical_notes=allows(actor, Permission.read_clinical_notes),
    )


def calendar_scope(actor: Actor) -> int | None:
    """Whose slots the actor may change: every therapist's (`ANY_THERAPIST`) or their own."""
    if allows(actor, Permission.manage_calendars):
        return ANY_THERAPIST
    if allows(actor, Permission.manage_own_calendar) and actor.user_id is not None:
        return actor.user_id
    raise AdminRequired()


def may_manage_calendar_of(actor: Actor, therapist_id: int) -> bool:
    return allows(actor, Permission.manage_calendars) or (
        allows(actor, Permission.manage_own_calendar) and actor.owns(therapist_id)
    )


def in_scope(actor: Actor, therapist_id: int | None) -> bool:
    """Whether an appointment with this therapist is the practice's business of the actor."""
    return allows(actor, Permission.see_any_client) or (
        allows(actor, Permission.see_own_clients)
        and therapist_id is not None
        and actor.owns(therapist_id)
    )


def may_see(actor: Actor, owner_id: int | None, therapist_id: int | None = None) -> bool:
    """Whether an object owned by `owner_id`, on `therapist_id`'s calendar, exists for this
    actor at all."""
    return actor.owns(owner_id) or in_scope(actor, therapist_id)


def may_act_for(actor: Actor, owner_id: int | None, therapist_id: int | None = None) -> bool:
    """Whether this actor may change the object, within the rules that bind its owner."""
    return actor.owns(owner_id) or (
        allows(actor, Permission.act_for_clients) and in_scope(actor, therapist_id)
    )


def may_host(actor: Actor, therapist_id: int | None) -> bool:
    """Whether the actor holds the room of a meeting on `therapist_id`'s calendar: a therapist
    their own sessions', whoever runs every calendar any session's."""
    return allows(actor, Permission.host_meetings) and (
        allows(actor, Permission.manage_calendars)
        or (therapist_id is not None and actor.owns(therapist_id))
    )


def may_place_on(actor: Actor, therapist_id: int) -> bool:
    """Whether the actor may put an appointment on this therapist's calendar: a client moving
    their own booking may choose any therapist's slot; a member of the practice only one of
    the calendars they see (a therapist: their own)."""
    return not is_staff(actor) or in_scope(actor, therapist_id)


def may_read_clinical_notes(actor: Actor, owner_id: int | None) -> bool:
    """Notes, reasons and cancellation reasons: their author and the clinicians who see the
    record; the front desk sees that one was given, not what it says."""
    return actor.owns(owner_id) or allows(actor, Permission.read_clinical_notes)


def hides_clinical_notes(actor: Actor, owner_id: int | None) -> bool:
    """Whether a member of the practice sees the record without its notes and reasons (the
    front desk). Anyone else who reaches the record at all is its author, or holds the link or
    receipt mailed to them, and sees what they wrote."""
    return is_staff(actor) and not may_read_clinical_notes(actor, owner_id)


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

    id: Any
    role: Any
    is_active: Any


def holds_practice_roles(accounts: type[AccountColumns]) -> ColumnElement[bool]:
    """In SQL: the active accounts that act as members of the practice."""
    return and_(
        accounts.role.in_([role.value for role in STAFF_ROLES]), accounts.is_active.is_(True)
    )


def notified_of(accounts: type[AccountColumns], therapist_id: int | None) -> ColumnElement[bool]:
    """In SQL: the active accounts the practice's notices about an appointment on
    `therapist_id`'s calendar go to: its therapist and the owners (`receive_practice_notices`)."""
    return and_(
        accounts.is_active.is_(True),
        or_(accounts.role == Role.owner.value, accounts.id == therapist_id),
    )


def is_client_account(accounts: type[AccountColumns]) -> ColumnElement[bool]:
    """In SQL: the accounts that act as clients."""
    return accounts.role == Role.client.value  # type: ignore[no-any-return]
