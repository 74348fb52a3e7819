"""The audit log, for the practice's admins to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from attune.admin import schemas
from attune.admin.errors import CALLER_ERRORS
from attune.admin.schemas import AuditLog, AuditQuery
from attune.admin.service import admin_service
from attune.platform.auth import PracticeMember
from attune.platform.dependencies import Work
from attune.platform.openapi import documented_errors

router = APIRouter()


@router.get(
    "/audit",
    summary="The audit log",
    description="What admins did (scheduling, declining and moving appointment requests; "
    "weekly availability; slots; user changes; cancellations, moves, outcomes and refunds of "
    "bookings) and every time an admin opened a client's appointment request or booking: "
    "who (`actor_id`, `actor_email`), what (`action`), to which record (`target_type`, "
    "`target_id`), from which address and when. Newest first, `limit` (1 to 200, default 50) "
    "at a time from `offset`; `total` counts every match. Filters combine: `actor_id`, "
    "`action`, `target_type` and `target_id`, and the instants `since` (inclusive) and "
    "`until` (exclusive). Entries hold no personal field, only what changed.",
    responses=documented_errors(*CALLER_ERRORS),
)
async def read_audit_log(
    query: Annotated[AuditQuery, Query()], actor: PracticeMember, uow: Work
) -> AuditLog:
    return schemas.audit_log(await admin_service.audit_log(uow, actor, query))
