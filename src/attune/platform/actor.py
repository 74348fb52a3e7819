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
    # The therapist who runs the practice: seed 000's and seed 003's admin.
    admin = "admin"
    # The worker, its sweeps and the command line: the practice's own machinery.
    system = "system"
    anonymous = "anonymous"


@dataclass(frozen=True)
class Actor:
    role: Role
    user_id: int | None = None
    # Whether the account's e-mail address is verified; taking a seat needs it.
    verified: bool = False

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def owns(self, owner_id: int | None) -> bool:
        return self.user_id is not None and owner_id == self.user_id


ANONYMOUS = Actor(Role.anonymous)
SYSTEM = Actor(Role.system)
