"""`GET /api/bookings/{id}/meeting`: how and when to join a booking's video session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from attune.accounts.dependencies import CurrentUser
from attune.accounts.errors import InvalidToken
from attune.admin.audit import Audit, AuditAction, AuditTarget
from attune.bookings.errors import BookingNotFound
from attune.platform.dependencies import AppClock, AppSettings, Session
from attune.platform.openapi import documented_errors
from attune.video.errors import MeetingCancelled
from attune.video.schemas import MeetingRead, meeting_read
from attune.video.service import meeting_service

router = APIRouter(tags=["video"])

BookingId = Annotated[int, Path(ge=1, le=2**31 - 1, examples=[1])]


@router.get(
    "/api/bookings/{booking_id}/meeting",
    summary="Get a booking's video meeting",
    description="Whether and how to join the booking's Jitsi session. The client gets the "
    "join link once the session is paid (or payments are off) and only inside the join "
    "window, from 10 minutes before the start to 15 minutes after the end. The therapist "
    "(an admin) gets it at any time and joins as moderator. With Jitsi tokens configured, "
    "the link carries a token that the Jitsi server accepts only inside the join window. "
    "Another client's booking is not found.",
    responses=documented_errors(InvalidToken, BookingNotFound, MeetingCancelled),
)
async def read_meeting(
    booking_id: BookingId,
    *,
    user: CurrentUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> MeetingRead:
    meeting = await meeting_service.meeting(session, settings, booking_id, user, now=clock.now())
    if audit.acts_for_another(meeting.booking.user_id):
        await audit.record_views(
            AuditAction.booking_viewed, AuditTarget.booking, [meeting.booking.id], via="meeting"
        )
    return meeting_read(meeting)
