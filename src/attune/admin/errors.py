"""What can go wrong in the admin overview, each mapped to its HTTP status in one place."""

from __future__ import annotations

from attune.platform.auth import InvalidToken
from attune.platform.errors import BadRequest, Conflict, NotFound
from attune.platform.policy import AdminRequired


class UserNotFound(NotFound):
    error = "User not found"
    details = "No user has this id."


class SelfLockout(Conflict):
    # The practice must keep someone who can run it: no admin can take themselves out.
    error = "You cannot revoke your own admin access or deactivate your own account"
    details = "Another admin can do this for you."


class EmptyUserUpdate(BadRequest):
    error = "Nothing to change"
    details = "Send at least one of the fields to change."


# Every admin route answers these: no token (401), not an admin (403).
CALLER_ERRORS = (InvalidToken, AdminRequired)
