"""Who is acting: the one value every front door hands to the services.

An API endpoint gets it from the bearer token, a page from its cookie session (both through
`platform.auth`), the worker and the command line act as the system. What an actor may do is
decided in `platform.policy` alone, from the role, never from an account's columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    client = "client"
    # Runs the practice: everything, including therapists, services, refunds and settings.
    # The seeds' admin is an owner (and, in a practice of one, its only therapist).
    owner = "owner"
    # Sees their own calendar, bookings, requests, the clients they have seen, their reports.
    therapist = "therapist"
    # Every calendar and booking of the practice; no clinical notes or reasons, and no refunds
    # unless the owner grants them.
    front_desk = "front_desk"
    # The worker, its sweeps and the command line: the practice's own machinery.
    system = "system"
    anonymous = "anonymous"


# The roles of the practice's people, as opposed to clients, visitors and the machinery.
STAFF_ROLES = (Role.owner, Role.therapist, Role.front_desk)


@dataclass(frozen=True)
class Actor:
    role: Role
    user_id: int | None = None
    # Whether the account's e-mail address is verified; taking a seat needs it.
    verified: bool = False
    # A front-desk account the owner allowed to refund.
    refund_granted: bool = False

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def owns(self, owner_id: int | None) -> bool:
        return self.user_id is not None and owner_id == self.user_id


ANONYMOUS = Actor(Role.anonymous)
SYSTEM = Actor(Role.system)
