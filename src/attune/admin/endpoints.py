"""`/api/admin/*` (admin only): dashboard, users and bookings."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from attune.accounts.dependencies import require_admin

router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin)])
