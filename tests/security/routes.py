"""The app's API routes as the security tests walk them: every method of every API route, with its
dependency tree, and which of them are the therapist's or open to anyone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from attune.platform.auth import (
    require_calendar_keeper,
    require_practice_member,
    require_staff,
)
from attune.web.routing import PageRoute

ADMIN_PREFIXES = ("/api/admin/", "/api/meetings/admin/")
# The dependencies that refuse clients and visitors before a route reads its body: the owner's
# (`require_staff`), any member of the practice's (`require_practice_member`) and a calendar
# keeper's (`require_calendar_keeper`), whose service then decides whose objects they may touch.
STAFF_DEPENDENCIES = (require_staff, require_practice_member, require_calendar_keeper)
ADMIN_REQUEST_ACTIONS = re.compile(
    r"^/api/meetings/appointments/(stats|\{request_id[^}]*\}/(schedule|reschedule|reject))$"
)
# Open to anyone by design (docs/security.md says why); every other route needs a token.
PUBLIC_ROUTES = {
    ("GET", "/health"),
    ("GET", "/health/detailed"),
    ("GET", "/metrics"),
    ("GET", "/api"),
    ("GET", "/api/schedules"),
    ("GET", "/api/meetings/appointments/available-dates"),
    ("POST", "/api/meetings/appointments/create"),
    ("POST", "/api/payments/webhook"),
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/verify-otp"),
    ("POST", "/api/auth/resend-otp"),
    ("POST", "/api/auth/forgot-password"),
    ("POST", "/api/auth/verify-password-reset-otp"),
    ("POST", "/api/auth/reset-password"),
    ("POST", "/api/auth/token/refresh"),
    # The invitation's token is the credential, as a reset code is.
    ("POST", "/api/auth/accept-invitation"),
    # The practice's public profiles and services, as the client pages show them.
    ("GET", "/api/therapists"),
    ("GET", "/api/services"),
    # The join links of mails and calendar entries: a key instead of a token (docs/decisions.md).
    ("GET", "/api/bookings/{booking_id}/join"),
    ("GET", "/api/meetings/appointments/{request_id:uuid}/join"),
}
PATH_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    dependant: Dependant

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def depends_on_admin(self) -> bool:
        pending = list(self.dependant.dependencies)
        while pending:
            dependency = pending.pop()
            if dependency.call in STAFF_DEPENDENCIES:
                return True
            pending.extend(dependency.dependencies)
        return False

    def is_admin_by_path(self) -> bool:
        return self.path.startswith(ADMIN_PREFIXES) or bool(ADMIN_REQUEST_ACTIONS.match(self.path))

    def is_admin_only(self) -> bool:
        return self.depends_on_admin() or self.is_admin_by_path()


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue  # /docs, /redoc and /openapi.json: FastAPI's own pages
        if isinstance(context.original_route, PageRoute):
            continue  # the web pages: tests/web/test_page_routes.py walks them
        for method in sorted(context.methods or ()):
            found.append(Endpoint(method, str(context.path), context.dependant))
    return found
