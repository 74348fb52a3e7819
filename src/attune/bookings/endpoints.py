"""`/api/bookings*`: a client's bookings (seed 000); the rules are in service.py."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/bookings", tags=["bookings"])
