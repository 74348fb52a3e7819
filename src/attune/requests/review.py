"""The practice's answer to an appointment request: scheduling it, moving it, declining it.

Placing an appointment in the therapist's time takes the lock that slots take, then checks for
an overlap with every scheduled appointment and every slot that is booked or open for booking;
on PostgreSQL an exclusion constraint stands behind that check. Each answer is recorded in the
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
from attune.requests.errors import (
    AppointmentInPast,
    AppointmentNotPending,
    AppointmentNotScheduled,
    AppointmentOverlap,
    InvalidAppointmentRequest,
)
from attune.requests.views import AppointmentView
from attune.scheduling.repository import refusing_overlap
from attune.video.rooms import new_room_id

# Minutes of an appointment scheduled without a length (seed 003).
DEFAULT_DURATION = 60
REVIEW = policy.Permission.manage_practice


class ReviewService:
    async def schedule(
        self, uow: UnitOfWork, actor: Actor, request_id: str, starts_at: datetime, minutes: int
    ) -> AppointmentView:
        """Give a pending request its time and video room, and mail the invitation."""
        policy.require(actor, REVIEW)
        request = await _locked_request(uow, request_id)
        if request.status != AppointmentStatus.pending_review:
            raise AppointmentNotPending(details=f"Its status is {request.status}.")
        asked_for = starts_at
        starts_at = starts_at.astimezone(UTC)
        therapist_id = request.therapist_id or await practice.own_or_only_therapist(
            uow.session, actor.user_id
        )
        if therapist_id is None:
            raise InvalidAppointmentRequest(
                details="Say who will see the client: therapist_id names one of the practice's "
                "therapists.",
                field="therapist_id",
            )
        ends_at = await _free_time(uow, request, starts_at, minutes)
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
    ) -> AppointmentView:
        """Move a scheduled appointment, in the same room; the requester gets a calendar
        update. Without `minutes` it keeps its length."""
        policy.require(actor, REVIEW)
        request = await _locked_request(uow, request_id)
        if request.status != AppointmentStatus.scheduled:
            raise AppointmentNotScheduled(details=f"Its status is {request.status}.")
        asked_for = starts_at
        starts_at = starts_at.astimezone(UTC)
        minutes = minutes or request.scheduled_duration or DEFAULT_DURATION
        ends_at = await _free_time(uow, request, starts_at, minutes)
        async with refusing_overlap(uow.session, _scheduled_meanwhile()):
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
        policy.require(actor, REVIEW)
        request = await _locked_request(uow, request_id)
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


async def _locked_request(uow: UnitOfWork, request_id: str) -> AppointmentRequest:
    # The lock comes before the read, so that of two admins the second sees the first's work.
    await repository.lock_therapist_time(uow.session)
    return await existing_request(uow, request_id)


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
    uow: UnitOfWork, request: AppointmentRequest, starts_at: datetime, minutes: int
) -> datetime:
    """The end of [starts_at, +minutes) once it is known to be in the future and free."""
    if starts_at <= uow.now:
        raise AppointmentInPast(
            details=f"It is now {uow.now.isoformat()}.", field="scheduled_datetime"
        )
    time = TimeRange(starts_at, starts_at + timedelta(minutes=minutes))
    if await repository.overlapping_appointment(uow.session, time, excluding=request.id):
        raise AppointmentOverlap(details="Another appointment is scheduled at this time.")
    if await repository.overlapping_offered_slot(uow.session, time):
        raise AppointmentOverlap(
            details="A slot that is booked or open for booking takes this time; "
            "close or move it first."
        )
    return time.end


def _scheduled_meanwhile() -> AppointmentOverlap:
    return AppointmentOverlap(details="Another appointment was scheduled at this time meanwhile.")


review_service = ReviewService()
