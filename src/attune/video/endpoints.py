"""`GET /api/bookings/{id}/meeting`: how and when to join a booking's video session."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["video"])
