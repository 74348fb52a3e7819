"""`/api/meetings/appointments*` and `/api/meetings/user/appointments`: appointment requests
(seed 003); the rules are in intake.py (asking, claiming, withdrawing), review.py (scheduling,
moving, declining) and reading.py.

Anyone may ask for an appointment; a signed-in caller's request is linked to them, and anyone
else's joins an account only when claimed with the code mailed to its address. Reading needs a
signed-in user: the owner and the front desk see every request, a therapist those on their own
calendar, a client only their own (another's is not found), and nobody looks requests up by
e-mail without signing in. Scheduling, rescheduling and declining are for the practice's staff
who see the request, the statistics for the owner; withdrawing is for the person who asked.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import HTMLResponse, Response

from attune.models import AppointmentStatus
from attune.platform.auth import (
    CurrentActor,
    InvalidToken,
    OptionalActor,
    PracticeMember,
    StaffActor,
)
from attune.platform.dependencies import AppSettings, Work
from attune.platform.fields import MAX_ID, Text
from attune.platform.openapi import documented_errors
from attune.platform.policy import AdminRequired
from attune.requests.errors import (
    AppointmentCannotBeWithdrawn,
    AppointmentInPast,
    AppointmentNotFound,
    AppointmentNotPending,
    AppointmentNotScheduled,
    AppointmentOverlap,
    ClaimByAddressOwnerOnly,
    InvalidAppointmentRequest,
    OwnCalendarOnly,
    RequestClaimedByAnother,
    WithdrawalByOwnerOnly,
)
from attune.requests.intake import intake_service
from attune.requests.reading import reading_service
from attune.requests.review import review_service
from attune.requests.schemas import (
    CREATE_EXAMPLES,
    REJECT_EXAMPLES,
    SCHEDULE_EXAMPLES,
    AppointmentClaim,
    AppointmentCreate,
    AppointmentMove,
    AppointmentRead,
    AppointmentReject,
    AppointmentSchedule,
    AppointmentStats,
    JitsiMeetingRead,
    appointment_read,
    appointment_stats_read,
    jitsi_meeting_read,
    meeting_of,
)
from attune.video.join_links import FOLLOWED_ANSWERS, JoinKey, followed

router = APIRouter(prefix="/api/meetings", tags=["appointment requests"])

# The body when none is sent: an optional body is the model, not required (a `null` is refused).
NO_REASON = AppointmentReject()

# The `uuid` converter keeps sibling paths such as `appointments/available-dates` and
# `appointments/stats` from being read as an id.
ITEM = "/appointments/{request_id:uuid}"
RequestId = Annotated[
    uuid.UUID,
    Path(description="The request's id.", examples=["7c9e6679-7425-40de-944b-e07fc1f90ae7"]),
]


@router.post(
    "/appointments/create",
    status_code=201,
    summary="Ask for an appointment",
    description="Public. Each preferred date must be within the next 30 days (the practice's "
    "calendar, today included) and on a weekday the practice takes appointments; each time "
    "of day is `morning` (09–12), `afternoon` (13–17) or `evening` (18–21). `therapist_id` "
    "and `service_id` are optional: an active therapist, an active service, and the "
    "therapist must offer the service (400 naming the field otherwise). A signed-in "
    "client asks for themselves: the request is theirs and answers to their own address, "
    "whatever `email` says. Anyone else's request belongs to no account (`user_id` is null) "
    "and answers the same whether or not the address has one; its acknowledgement carries a "
    "code with which the owner of the address adds it to their account (`.../claim`). The "
    "owners and the therapist asked for get a notice. The personal fields are stored "
    "encrypted. Rate limited as the credential endpoints are.",
    responses=documented_errors(InvalidToken, InvalidAppointmentRequest),
)
async def create_appointment(
    body: Annotated[AppointmentCreate, Body(openapi_examples=CREATE_EXAMPLES)],
    actor: OptionalActor,
    uow: Work,
) -> AppointmentRead:
    return appointment_read(await intake_service.create(uow, actor, body.wanted()))


@router.get(
    "/appointments",
    summary="List appointment requests",
    description="Newest first. The owner and the front desk see every request, a therapist "
    "only those on their own calendar; they may filter by `status`, by `therapist_id` and by "
    "`email` (matched through a keyed hash, never by decrypting rows). The front desk gets "
    "no reasons (`reason_hidden`). A client sees only their own and `email` and "
    "`therapist_id` are ignored. Without a token this is 401, whatever the query.",
    responses=documented_errors(InvalidToken, body=False),
)
async def list_appointments(
    *,
    actor: CurrentActor,
    uow: Work,
    status: Annotated[
        AppointmentStatus | None, Query(description="Only requests in this state.")
    ] = None,
    email: Annotated[
        Text | None,
        Query(max_length=254, description="Staff only: the requester's e-mail address."),
    ] = None,
    therapist_id: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="Staff only: the requests on this therapist's calendar.",
        ),
    ] = None,
) -> list[AppointmentRead]:
    views = await reading_service.listed(uow, actor, status, email, therapist_id)
    return [appointment_read(view) for view in views]


@router.get(
    "/appointments/stats",
    summary="Appointment request statistics",
    description="Admins only. `completion_rate` is the scheduled requests as a percentage of "
    "all requests (0 when there are none).",
    responses=documented_errors(InvalidToken, AdminRequired, body=False),
)
async def appointment_stats(actor: StaffActor, uow: Work) -> AppointmentStats:
    return appointment_stats_read(await reading_service.stats(uow, actor))


@router.get(
    "/user/appointments",
    summary="List your appointment requests",
    description="The signed-in user's own requests, newest first, with their meetings: those "
    "asked for while signed in and those claimed with a mailed code.",
    responses=documented_errors(InvalidToken, body=False),
)
async def own_appointments(actor: CurrentActor, uow: Work) -> list[AppointmentRead]:
    return [appointment_read(view) for view in await reading_service.own(uow, actor)]


@router.get(
    ITEM,
    summary="Read an appointment request",
    description="Your own request, or one the practice's staff see (a therapist: those on "
    "their own calendar); another client's, or another therapist's, is not found.",
    responses=documented_errors(InvalidToken, AppointmentNotFound, body=False),
)
async def read_appointment(
    request_id: RequestId, actor: CurrentActor, uow: Work
) -> AppointmentRead:
    return appointment_read(await reading_service.read(uow, actor, str(request_id)))


@router.post(
    ITEM + "/claim",
    summary="Add an appointment request to your account",
    description="For a request asked for without signing in (or entered by an admin): the "
    "owner of the address it was sent from, signed in with that address verified, sends the "
    "code from its acknowledgement mail. A wrong code is answered as an unknown request; the "
    "right code from another account is 403. Claiming again changes nothing.",
    responses=documented_errors(
        InvalidToken, AppointmentNotFound, ClaimByAddressOwnerOnly, RequestClaimedByAnother
    ),
)
async def claim_appointment(
    request_id: RequestId, body: AppointmentClaim, actor: CurrentActor, uow: Work
) -> AppointmentRead:
    view = await intake_service.claim(uow, actor, str(request_id), body.code)
    return appointment_read(view)


@router.post(
    ITEM + "/schedule",
    summary="Schedule an appointment request",
    description="The practice's staff, for a pending request they see (a therapist: one on "
    "their own calendar). `scheduled_datetime` is ISO 8601 with an offset and in the future; "
    "`scheduled_duration` is 15 to 240 minutes (60 by default). `therapist_id` picks who "
    "sees the client: left out, the therapist the request named, else the caller when they "
    "are a therapist, else the practice's only therapist (400 when none of these is one); a "
    "therapist gives appointments only on their own calendar (403). Refused with 409 when "
    "the time overlaps another scheduled appointment or a booked slot of the same "
    "therapist. Creates the video room and mails the requester with a calendar invitation.",
    responses=documented_errors(
        InvalidToken,
        AdminRequired,
        OwnCalendarOnly,
        AppointmentNotFound,
        AppointmentNotPending,
        AppointmentOverlap,
        AppointmentInPast,
    ),
)
async def schedule_appointment(
    request_id: RequestId,
    body: Annotated[AppointmentSchedule, Body(openapi_examples=SCHEDULE_EXAMPLES)],
    actor: PracticeMember,
    uow: Work,
) -> AppointmentRead:
    view = await review_service.schedule(
        uow,
        actor,
        str(request_id),
        body.scheduled_datetime,
        body.scheduled_duration,
        therapist_id=body.therapist_id,
    )
    return appointment_read(view)


@router.post(
    ITEM + "/reschedule",
    summary="Move a scheduled appointment",
    description="The practice's staff, for a scheduled request they see; the same rules as "
    "scheduling. Without `scheduled_duration` the appointment keeps its length, without "
    "`therapist_id` its therapist. The room stays the same; the "
    "requester gets a calendar update (a higher SEQUENCE).",
    responses=documented_errors(
        InvalidToken,
        AdminRequired,
        AppointmentNotFound,
        OwnCalendarOnly,
        AppointmentNotScheduled,
        AppointmentOverlap,
        AppointmentInPast,
    ),
)
async def reschedule_appointment(
    request_id: RequestId,
    body: Annotated[AppointmentMove, Body(openapi_examples=SCHEDULE_EXAMPLES)],
    actor: PracticeMember,
    uow: Work,
) -> AppointmentRead:
    view = await review_service.reschedule(
        uow,
        actor,
        str(request_id),
        body.scheduled_datetime,
        body.scheduled_duration,
        therapist_id=body.therapist_id,
    )
    return appointment_read(view)


@router.post(
    ITEM + "/reject",
    summary="Decline an appointment request",
    description="The practice's staff, for a pending request they see (a therapist: one on "
    "their own calendar); the optional reason is stored encrypted and mailed to the "
    "requester.",
    responses=documented_errors(
        InvalidToken, AdminRequired, AppointmentNotFound, AppointmentNotPending
    ),
)
async def reject_appointment(
    request_id: RequestId,
    actor: PracticeMember,
    uow: Work,
    body: Annotated[AppointmentReject, Body(openapi_examples=REJECT_EXAMPLES)] = NO_REASON,
) -> AppointmentRead:
    view = await review_service.reject(uow, actor, str(request_id), body.rejection_reason)
    return appointment_read(view)


@router.post(
    ITEM + "/withdraw",
    summary="Withdraw your appointment request",
    description="For the person who asked, while the request is pending review or scheduled. "
    "The requester gets a confirmation (with a calendar cancellation when it was scheduled) "
    "and the admins a notice. An admin declines a request instead.",
    responses=documented_errors(
        InvalidToken,
        AppointmentNotFound,
        WithdrawalByOwnerOnly,
        AppointmentCannotBeWithdrawn,
        body=False,
    ),
)
async def withdraw_appointment(
    request_id: RequestId, actor: CurrentActor, uow: Work
) -> AppointmentRead:
    return appointment_read(await intake_service.withdraw(uow, actor, str(request_id)))


@router.get(
    ITEM + "/jitsi-meeting",
    summary="Get an appointment's video meeting",
    description="For a scheduled request, to its owner or an admin (another client's is not "
    "found). `can_join` is true from 10 minutes before the start to 15 minutes after the end. "
    "With Jitsi tokens configured, `meeting_url` carries a token valid only in that window; "
    "the admin joins as moderator.",
    responses=documented_errors(
        InvalidToken, AppointmentNotFound, AppointmentNotScheduled, body=False
    ),
)
async def appointment_meeting(
    request_id: RequestId, actor: CurrentActor, uow: Work
) -> JitsiMeetingRead:
    return jitsi_meeting_read(await reading_service.meeting(uow, actor, str(request_id)))


@router.get(
    ITEM + "/join",
    summary="Follow an appointment's join link",
    description="The link the appointment's mails and calendar entries carry instead of the "
    "room: no sign-in, the `key` stands for it. Followed inside the join window of a "
    "scheduled appointment, it answers 303 to the room, with the requester's token when Jitsi "
    "tokens are configured; otherwise a page says when the room opens. A wrong key is not "
    "found, as an unknown request is.",
    response_class=HTMLResponse,
    responses={
        **FOLLOWED_ANSWERS,
        **documented_errors(AppointmentNotFound, AppointmentNotScheduled),
    },
)
async def join_appointment(
    request_id: RequestId, key: JoinKey, uow: Work, settings: AppSettings
) -> Response:
    view = await reading_service.by_join_link(uow, str(request_id), key)
    meeting = meeting_of(view)
    return followed(settings, meeting.url, view.meeting_status, meeting.opens_at, meeting.starts_at)
