"""The practice's answer to an appointment request: scheduling it, moving it, declining it.

A member of the practice answers the requests on the calendars they see: a therapist those
given to them, the owner and the front desk every one (and they give the unassigned ones to a
therapist). Placing an appointment in a therapist's time takes the lock that slots take, then
checks for an overlap with that therapist's scheduled appointments and their slots that are
booked or open for booking; on PostgreSQL an exclusion constraint per therapist stands behind
that check. Each answer is recorded in the
audit log when the practice acts on a client's request, and mailed to the requester.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from attune.appointments.reminders import reminders_already_covered
from attune.models import AppointmentRequest, AppointmentStatus
from attune.platform import policy
from attune.platform.actor import Actor
from attune.platform.audit import AuditAction, AuditTarget
from attune.platform.crypto import Encryptor
from attune.platform.time_range import TimeRange
from attune.platform.unit_of_work import UnitOfWork
from attune.practice import repository as practice
from attune.requests import mail, repository
from attune.requests.access import existing_request, view_for
from attune.requests.assignment import check_choice
from attune.requests.errors import (
    AppointmentInPast,
    AppointmentNotFound,
    AppointmentNotPending,
    AppointmentNotScheduled,
    AppointmentOverlap,
    InvalidAppointmentRequest,
    OwnCalendarOnly,
)
from attune.requests.views import AppointmentView
from attune.scheduling.repository import refusing_overlap
from attune.video.rooms import new_room_id

# Minutes of an appointment scheduled without a length (seed 003).
DEFAULT_DURATION = 60


class ReviewService:
    async def schedule(
        self,
        uow: UnitOfWork,
        actor: Actor,
        request_id: str,
        starts_at: datetime,
        minutes: int,
        *,
        therapist_id: int | None = None,
    ) -> AppointmentView:
        """Give a pending request its therapist, time and video room, and mail the invitation.

        Without `therapist_id` it goes to the therapist it named, else to the caller when they
        are a therapist, else to the practice's only therapist."""
        request = await _answerable_request(uow, actor, request_id)
        if request.status != AppointmentStatus.pending_review:
            raise AppointmentNotPending(details=f"Its status is {request.status}.")
        asked_for = starts_at
        starts_at = starts_at.astimezone(UTC)
        therapist_id = await _therapist_for(uow, actor, request, therapist_id)
        ends_at = await _free_time(uow, request, therapist_id, starts_at, minutes)
        async with refusing_overlap(uow.session, _scheduled_meanwhile()):
            request.therapist_id = therapist_id
            request.status = AppointmentStatus.scheduled
            request.scheduled_at = starts_at
            request.scheduled_duration = minutes
            request.scheduled_end_at = ends_at
            request.room_id = new_room_id()
            request.rejection_reason_encrypted = None
            request.updated_at = uow.now
            # Scheduled less than a day ahead, the scheduling mail stands for the day-before
            # reminder, as it does for a moved appointment.
            for mark, value in reminders_already_covered(starts_at, uow.now).items():
                setattr(request, mark, value)
        requester = mail.Requester.of(uow.settings, request)
        await mail.queue_scheduled(uow.session, uow.settings, request, requester)
        _audit(
            uow,
            actor,
            AuditAction.appointment_scheduled,
            request,
            scheduled_at=asked_for.isoformat(),
            duration_minutes=minutes,
        )
        return await view_for(uow, actor, request)

    async def reschedule(
        self,
        uow: UnitOfWork,
        actor: Actor,
        request_id: str,
        starts_at: datetime,
        minutes: int | None,
        *,
        therapist_id: int | None = None,
    ) -> AppointmentView:
        """Move a scheduled appointment, in the same room; the requester gets a calendar
        update. Without `minutes` it keeps its length, without `therapist_id` its therapist."""
        request = await _answerable_request(uow, actor, request_id)
        if request.status != AppointmentStatus.scheduled:
            raise AppointmentNotScheduled(details=f"Its status is {request.status}.")
        asked_for = starts_at
        starts_at = starts_at.astimezone(UTC)
        minutes = minutes or request.scheduled_duration or DEFAULT_DURATION
        therapist_id = await _therapist_for(uow, actor, request, therapist_id)
        ends_at = await _free_time(uow, request, therapist_id, starts_at, minutes)
        async with refusing_overlap(uow.session, _scheduled_meanwhile()):
            request.therapist_id = therapist_id
            request.scheduled_at = starts_at
            request.scheduled_duration = minutes
            request.scheduled_end_at = ends_at
            request.calendar_sequence += 1
            request.updated_at = uow.now
            # The new time is reminded in its own windows, as a moved booking is: the move's
            # mail stands for a reminder whose window is already open. Both marks are written
            # even when they read the same: a sweep may have stamped the old time since this
            # request read the row.
            for mark, value in reminders_already_covered(starts_at, uow.now).items():
                setattr(request, mark, value)
                flag_modified(request, mark)
        requester = mail.Requester.of(uow.settings, request)
        await mail.queue_rescheduled(uow.session, uow.settings, request, requester)
        _audit(
            uow,
            actor,
            AuditAction.appointment_rescheduled,
            request,
            scheduled_at=asked_for.isoformat(),
            duration_minutes=minutes,
        )
        return await view_for(uow, actor, request)

    async def reject(
        self, uow: UnitOfWork, actor: Actor, request_id: str, reason: str | None
    ) -> AppointmentView:
        """Decline a pending request; the reason, if any, is stored sealed and mailed."""
        request = await _answerable_request(uow, actor, request_id)
        if request.status != AppointmentStatus.pending_review:
            raise AppointmentNotPending(details=f"Its status is {request.status}.")
        request.status = AppointmentStatus.rejected
        encryptor = Encryptor.from_settings(uow.settings)
        request.rejection_reason_encrypted = encryptor.encrypt_optional(reason)
        request.scheduled_at = request.scheduled_end_at = request.scheduled_duration = None
        request.room_id = None
        request.updated_at = uow.now
        await uow.session.flush()
        requester = mail.Requester.of(uow.settings, request)
        await mail.queue_rejected(uow.session, uow.settings, request, requester, reason)
        # Whether a reason was given, never the reason: it is personal and stored sealed.
        _audit(
            uow, actor, AuditAction.appointment_rejected, request, reason_given=reason is not None
        )
        return await view_for(uow, actor, request)


async def _answerable_request(uow: UnitOfWork, actor: Actor, request_id: str) -> AppointmentRequest:
    """The request, locked, for a member of the practice who may answer it: the wrong role is
    refused (403) and a request on another therapist's calendar is not found (404)."""
    policy.require(actor, policy.Permission.act_for_clients)
    # The lock comes before the read, so that of two admins the second sees the first's work.
    await repository.lock_therapist_time(uow.session)
    request = await existing_request(uow, request_id)
    if not policy.in_scope(actor, request.therapist_id):
        raise AppointmentNotFound()
    return request


async def _therapist_for(
    uow: UnitOfWork, actor: Actor, request: AppointmentRequest, chosen: int | None
) -> int:
    """Who sees the client: `chosen`, else the request's therapist, else the caller when they
    are a therapist, else the practice's only one. It must be an active therapist who offers
    the service asked for, on a calendar the actor may give appointments on."""
    therapist_id = (
        chosen
        or request.therapist_id
        or await practice.own_or_only_therapist(uow.session, actor.user_id)
    )
    if therapist_id is None:
        raise InvalidAppointmentRequest(
            details="Say who will see the client: therapist_id names one of the practice's "
            "therapists.",
            field="therapist_id",
        )
    if therapist_id != request.therapist_id:
        if not policy.in_scope(actor, therapist_id):
            raise OwnCalendarOnly()
        await check_choice(uow.session, therapist_id, request.service_id)
    return therapist_id


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    action: AuditAction,
    request: AppointmentRequest,
    **details: Any,
) -> None:
    uow.audit(
        actor,
        action,
        AuditTarget.appointment_request,
        request.id,
        owner_id=request.user_id,
        **details,
    )


async def _free_time(
    uow: UnitOfWork,
    request: AppointmentRequest,
    therapist_id: int,
    starts_at: datetime,
    minutes: int,
) -> datetime:
    """The end of [starts_at, +minutes) once it is known to be in the future and free in
    the therapist's time: another therapist may see a client at the same time."""
    if starts_at <= uow.now:
        raise AppointmentInPast(
            details=f"It is now {uow.now.isoformat()}.", field="scheduled_datetime"
        )
    time = TimeRange(starts_at, starts_at + timedelta(minutes=minutes))
    session = uow.session
    if await repository.overlapping_appointment(
        session, time, therapist_id=therapist_id, excluding=request.id
    ):
        raise AppointmentOverlap(details="Another appointment is scheduled at this time.")
    if await repository.overlapping_offered_slot(session, time, therapist_id=therapist_id):
        raise AppointmentOverlap(
            details="A slot that is booked or open for booking takes this time; "
            "close or move it first."
        )
    return time.end


def _scheduled_meanwhile() -> AppointmentOverlap:
    return AppointmentOverlap(details="Another appointment was scheduled at this time meanwhile.")


review_service = ReviewService()
