"""Slots: the public day view (`GET /api/schedules`) and the admin's slot management."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from attune.accounts.dependencies import require_admin

router = APIRouter(tags=["schedules"])
admin_router = APIRouter(
    prefix="/api/admin/schedules", tags=["admin"], dependencies=[Depends(require_admin)]
)
