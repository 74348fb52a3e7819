"""`GET /api/bookings/{id}/meeting`: how and when to join a booking's video session; and
`GET /api/bookings/{id}/join`, the link its mails and calendar entries carry (under the
video tag, as they have always been documented)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from attune.bookings.errors import BookingNotFound
from attune.bookings.meeting_service import meeting_service
from attune.bookings.schemas import MeetingRead, meeting_read
from attune.platform.auth import CurrentActor, InvalidToken
from attune.platform.dependencies import Work
from attune.platform.fields import PathId
from attune.platform.openapi import documented_errors
from attune.video.errors import MeetingCancelled
from attune.video.join_links import FOLLOWED_ANSWERS, JoinKey, followed

router = APIRouter(tags=["video"])

BookingId = PathId


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
    actor: CurrentActor,
    uow: Work,
) -> MeetingRead:
    return meeting_read(await meeting_service.meeting(uow, actor, booking_id))


@router.get(
    "/api/bookings/{booking_id}/join",
    summary="Follow a booking's join link",
    description="The link a booking's mails and calendar entries carry instead of the room: "
    "no sign-in, the `key` stands for it. Followed inside the join window of a paid session "
    "(or one that needs no payment), it answers 303 to the room, with the client's token "
    "when Jitsi tokens are configured; otherwise a page says when the room opens. A wrong "
    "key is not found, as an unknown booking is.",
    response_class=HTMLResponse,
    responses={
        **FOLLOWED_ANSWERS,
        **documented_errors(BookingNotFound, MeetingCancelled),
    },
)
async def join_booking(
    booking_id: BookingId,
    key: JoinKey,
    uow: Work,
) -> Response:
    found = await meeting_service.meeting_by_join_link(uow, booking_id, key)
    meeting = found.meeting
    return followed(uow.settings, meeting.url, meeting.status, meeting.opens_at, found.scheduled_at)
