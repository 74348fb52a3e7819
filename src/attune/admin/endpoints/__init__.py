"""`/api/admin/*` (admin only): the routes by topic, in the order the API document lists them.

Each route hands the actor and the unit of work to one service call and shapes its view into
the response; the rules, the policy and the audit log are the services'.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from attune.admin.endpoints import audit_log, bookings, overview, users
from attune.platform.auth import require_practice_member

router = APIRouter(
    prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_practice_member)]
)
for topic in (overview, users, bookings, audit_log):
    router.include_router(topic.router)
