"""`/api/meetings/appointments*` and `/api/meetings/user/appointments`: appointment requests
(seed 003); the rules are in service.py.

Anyone may ask for an appointment; a signed-in caller's request is linked to them, and anyone
else's joins an account only when claimed with the code mailed to its address. Reading needs a
signed-in user: an admin sees every request, a client only their own (another's is not found),
and nobody looks requests up by e-mail without signing in. Scheduling, rescheduling, declining
and the statistics are for admins; withdrawing is for the person who asked.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response

from attune.accounts.dependencies import AdminUser, CurrentUser
from attune.admin.audit import Audit
from attune.models import AppointmentStatus, User
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.auth import InvalidToken, OptionalActor
from attune.platform.dependencies import AppClock, AppSettings, Session
from attune.platform.fields import Text
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
    RequestClaimedByAnother,
    WithdrawalByOwnerOnly,
)
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
)
from attune.requests.service import NewAppointment, appointment_service, email_hash
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


async def optional_user(actor: OptionalActor, session: Session) -> User | None:
    """The caller when a token is sent (a bad one is still a 401), else nobody."""
    if actor.user_id is None:
        return None
    return await session.get(User, actor.user_id)


OptionalUser = Annotated[User | None, Depends(optional_user)]


@router.post(
    "/appointments/create",
    status_code=201,
    summary="Ask for an appointment",
    description="Public. Each preferred date must be within the next 30 days (the practice's "
    "calendar, today included) and on a weekday the practice takes appointments; each time "
    "of day is `morning` (09–12), `afternoon` (13–17) or `evening` (18–21). A signed-in "
    "client asks for themselves: the request is theirs and answers to their own address, "
    "whatever `email` says. Anyone else's request belongs to no account (`user_id` is null) "
    "and answers the same whether or not the address has one; its acknowledgement carries a "
    "code with which the owner of the address adds it to their account (`.../claim`). The "
    "admins get a notice. The personal fields are stored encrypted. Rate limited as the "
    "credential endpoints are.",
    responses=documented_errors(InvalidToken, InvalidAppointmentRequest),
)
async def create_appointment(
    body: Annotated[AppointmentCreate, Body(openapi_examples=CREATE_EXAMPLES)],
    caller: OptionalUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
) -> AppointmentRead:
    now = clock.now()
    wanted = NewAppointment(
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        phone=body.phone,
        reason=body.reason,
        preferred_dates=body.preferred_dates,
        preferred_time_slots=[slot.value for slot in body.preferred_time_slots],
    )
    request = await appointment_service.create(session, settings, wanted, caller, now=now)
    return appointment_read(appointment_service.view(settings, request, caller, now))


@router.get(
    "/appointments",
    summary="List appointment requests",
    description="An admin sees every request, newest first, and may filter by `status` and "
    "by `email` (matched through a keyed hash, never by decrypting rows). A client sees only "
    "their own and `email` is ignored. Without a token this is 401, whatever the query.",
    responses=documented_errors(InvalidToken, body=False),
)
async def list_appointments(
    *,
    user: CurrentUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
    status: Annotated[
        AppointmentStatus | None, Query(description="Only requests in this state.")
    ] = None,
    email: Annotated[
        Text | None,
        Query(max_length=254, description="Admins only: the requester's e-mail address."),
    ] = None,
) -> list[AppointmentRead]:
    now = clock.now()
    if user.is_admin and email:
        requests = await appointment_service.by_email(session, email_hash(settings, email), status)
        via = "email search"
    else:
        requests = await appointment_service.listed(session, settings, user, status)
        via = "list"
    await audit.record_views(
        AuditAction.appointment_viewed,
        AuditTarget.appointment_request,
        (item.id for item in requests),
        via=via,
    )
    return [
        appointment_read(appointment_service.view(settings, item, user, now)) for item in requests
    ]


@router.get(
    "/appointments/stats",
    summary="Appointment request statistics",
    description="Admins only. `completion_rate` is the scheduled requests as a percentage of "
    "all requests (0 when there are none).",
    responses=documented_errors(InvalidToken, AdminRequired, body=False),
)
async def appointment_stats(_admin: AdminUser, session: Session) -> AppointmentStats:
    stats = await appointment_service.stats(session)
    return AppointmentStats(
        total_requests=stats.total,
        pending_review=stats.count(AppointmentStatus.pending_review),
        scheduled=stats.count(AppointmentStatus.scheduled),
        rejected=stats.count(AppointmentStatus.rejected),
        withdrawn=stats.count(AppointmentStatus.withdrawn),
        completion_rate=stats.completion_rate,
    )


@router.get(
    "/user/appointments",
    summary="List your appointment requests",
    description="The signed-in user's own requests, newest first, with their meetings: those "
    "asked for while signed in and those claimed with a mailed code.",
    responses=documented_errors(InvalidToken, body=False),
)
async def own_appointments(
    user: CurrentUser, session: Session, settings: AppSettings, clock: AppClock
) -> list[AppointmentRead]:
    now = clock.now()
    requests = await appointment_service.own(session, user)
    return [
        appointment_read(appointment_service.view(settings, item, user, now)) for item in requests
    ]


@router.get(
    ITEM,
    summary="Read an appointment request",
    description="Your own request, or any for an admin; another client's is not found.",
    responses=documented_errors(InvalidToken, AppointmentNotFound, body=False),
)
async def read_appointment(
    request_id: RequestId,
    *,
    user: CurrentUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> AppointmentRead:
    request = await appointment_service.visible(session, settings, str(request_id), user)
    await audit.record_views(
        AuditAction.appointment_viewed, AuditTarget.appointment_request, [request.id], via="detail"
    )
    return appointment_read(appointment_service.view(settings, request, user, clock.now()))


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
    request_id: RequestId,
    *,
    body: AppointmentClaim,
    user: CurrentUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
) -> AppointmentRead:
    now = clock.now()
    request = await appointment_service.claim(
        session, settings, str(request_id), body.code, user, now=now
    )
    return appointment_read(appointment_service.view(settings, request, user, now))


@router.post(
    ITEM + "/schedule",
    summary="Schedule an appointment request",
    description="Admins only, for a request pending review. `scheduled_datetime` is ISO 8601 "
    "with an offset and in the future; `scheduled_duration` is 15 to 240 minutes (60 by "
    "default). Refused with 409 when the time overlaps another scheduled appointment or a "
    "booked slot. Creates the video room and mails the requester with a calendar invitation.",
    responses=documented_errors(
        InvalidToken,
        AdminRequired,
        AppointmentNotFound,
        AppointmentNotPending,
        AppointmentOverlap,
        AppointmentInPast,
    ),
)
async def schedule_appointment(
    request_id: RequestId,
    *,
    body: Annotated[AppointmentSchedule, Body(openapi_examples=SCHEDULE_EXAMPLES)],
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> AppointmentRead:
    now = clock.now()
    request = await appointment_service.schedule(
        session,
        settings,
        str(request_id),
        body.scheduled_datetime,
        body.scheduled_duration,
        now=now,
    )
    audit.record(
        AuditAction.appointment_scheduled,
        AuditTarget.appointment_request,
        request.id,
        scheduled_at=body.scheduled_datetime.isoformat(),
        duration_minutes=body.scheduled_duration,
    )
    return appointment_read(appointment_service.view(settings, request, admin, now))


@router.post(
    ITEM + "/reschedule",
    summary="Move a scheduled appointment",
    description="Admins only, for a scheduled request; the same rules as scheduling. Without "
    "`scheduled_duration` the appointment keeps its length. The room stays the same; the "
    "requester gets a calendar update (a higher SEQUENCE).",
    responses=documented_errors(
        InvalidToken,
        AdminRequired,
        AppointmentNotFound,
        AppointmentNotScheduled,
        AppointmentOverlap,
        AppointmentInPast,
    ),
)
async def reschedule_appointment(
    request_id: RequestId,
    *,
    body: Annotated[AppointmentMove, Body(openapi_examples=SCHEDULE_EXAMPLES)],
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> AppointmentRead:
    now = clock.now()
    request = await appointment_service.reschedule(
        session,
        settings,
        str(request_id),
        body.scheduled_datetime,
        body.scheduled_duration,
        now=now,
    )
    audit.record(
        AuditAction.appointment_rescheduled,
        AuditTarget.appointment_request,
        request.id,
        scheduled_at=body.scheduled_datetime.isoformat(),
        duration_minutes=request.scheduled_duration,
    )
    return appointment_read(appointment_service.view(settings, request, admin, now))


@router.post(
    ITEM + "/reject",
    summary="Decline an appointment request",
    description="Admins only, for a request pending review; the optional reason is stored "
    "encrypted and mailed to the requester.",
    responses=documented_errors(
        InvalidToken, AdminRequired, AppointmentNotFound, AppointmentNotPending
    ),
)
async def reject_appointment(
    request_id: RequestId,
    *,
    admin: AdminUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
    body: Annotated[AppointmentReject, Body(openapi_examples=REJECT_EXAMPLES)] = NO_REASON,
) -> AppointmentRead:
    now = clock.now()
    reason = body.rejection_reason
    request = await appointment_service.reject(session, settings, str(request_id), reason, now=now)
    # Whether a reason was given, never the reason: it is personal and stored sealed.
    audit.record(
        AuditAction.appointment_rejected,
        AuditTarget.appointment_request,
        request.id,
        reason_given=reason is not None,
    )
    return appointment_read(appointment_service.view(settings, request, admin, now))


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
    request_id: RequestId,
    user: CurrentUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
) -> AppointmentRead:
    now = clock.now()
    request = await appointment_service.withdraw(session, settings, str(request_id), user, now=now)
    return appointment_read(appointment_service.view(settings, request, user, now))


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
    request_id: RequestId,
    *,
    user: CurrentUser,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
    audit: Audit,
) -> JitsiMeetingRead:
    meeting = await appointment_service.meeting(
        session, settings, str(request_id), user, now=clock.now()
    )
    await audit.record_views(
        AuditAction.appointment_viewed,
        AuditTarget.appointment_request,
        [meeting.request.id],
        via="meeting",
    )
    start = meeting.scheduled_at.astimezone(settings.zone)
    minutes = int((meeting.ends_at - meeting.scheduled_at).total_seconds() // 60)
    return JitsiMeetingRead(
        appointment_id=meeting.request.id,
        meeting_url=meeting.url,
        room_id=meeting.room_id,
        scheduled_time=f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M} "
        f"({settings.practice_timezone})",
        duration=f"{minutes} minutes",
        can_join=meeting.can_join,
        meeting_status=meeting.status,
        join_instructions=meeting.instructions,
        scheduled_at=meeting.scheduled_at,
        ends_at=meeting.ends_at,
        join_opens_at=meeting.opens_at,
        join_closes_at=meeting.closes_at,
        join_window_enforced=meeting.window_enforced,
    )


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
    request_id: RequestId,
    key: JoinKey,
    session: Session,
    settings: AppSettings,
    clock: AppClock,
) -> Response:
    meeting = await appointment_service.by_join_link(
        session, settings, str(request_id), key, now=clock.now()
    )
    return followed(settings, meeting.url, meeting.status, meeting.opens_at, meeting.scheduled_at)
