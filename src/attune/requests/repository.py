"""Reading and writing appointment requests; the rules are in the service modules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from attune.models import (
    AppointmentRequest,
    AppointmentStatus,
    Schedule,
    User,
)
from attune.platform import policy
from attune.platform.time_range import TimeRange
from attune.scheduling.repository import lock_slot_times, scheduled_appointment_overlapping


async def add(session: AsyncSession, request: AppointmentRequest) -> None:
    session.add(request)
    await session.flush()


async def by_id(session: AsyncSession, request_id: str) -> AppointmentRequest | None:
    return await session.get(AppointmentRequest, request_id, populate_existing=True)


async def listed(
    session: AsyncSession,
    *,
    status: AppointmentStatus | None = None,
    owner_id: int | None = None,
    email_hash: str | None = None,
    therapist_id: int | None = None,
) -> Sequence[AppointmentRequest]:
    """Newest first; with `owner_id`, only the requests linked to that account; with
    `therapist_id`, only those on that therapist's calendar."""
    query = select(AppointmentRequest).order_by(
        AppointmentRequest.created_at.desc(), AppointmentRequest.id
    )
    if status is not None:
        query = query.where(AppointmentRequest.status == status)
    if email_hash is not None:
        query = query.where(AppointmentRequest.email_hash == email_hash)
    if owner_id is not None:
        query = query.where(AppointmentRequest.user_id == owner_id)
    if therapist_id is not None:
        query = query.where(AppointmentRequest.therapist_id == therapist_id)
    return (await session.scalars(query)).all()


async def status_counts(
    session: AsyncSession, therapist_id: int | None = None
) -> dict[AppointmentStatus, int]:
    """How many requests are in each state; with `therapist_id`, of that calendar only."""
    query = select(AppointmentRequest.status, func.count()).group_by(AppointmentRequest.status)
    if therapist_id is not None:
        query = query.where(AppointmentRequest.therapist_id == therapist_id)
    rows = await session.execute(query)
    return {AppointmentStatus(status): count for status, count in rows}


async def notified_of(session: AsyncSession, request: AppointmentRequest) -> Sequence[User]:
    """Who the practice's notices about a request go to: the owners, and its therapist when it
    names one (another therapist never hears of it)."""
    query = select(User).where(policy.notified_of(User, request.therapist_id)).order_by(User.id)
    return (await session.scalars(query)).all()


async def lock_therapist_time(session: AsyncSession) -> None:
    """Serialise every write that places the therapist's time, until this transaction ends.

    Appointments share the slots' lock: both take the one therapist's time, so an overlap
    check made under it sees every appointment and slot committed before it.
    """
    await lock_slot_times(session)


async def overlapping_appointment(
    session: AsyncSession, time: TimeRange, *, therapist_id: int, excluding: str
) -> str | None:
    """Another scheduled appointment of this therapist's that overlaps `time`: another
    therapist may see a client at the same time."""
    found: str | None = await session.scalar(
        select(AppointmentRequest.id)
        .where(
            *scheduled_appointment_overlapping(time),
            AppointmentRequest.therapist_id == therapist_id,
            AppointmentRequest.id != excluding,
        )
        .limit(1)
    )
    return found


async def overlapping_offered_slot(
    session: AsyncSession, time: TimeRange, *, therapist_id: int
) -> int | None:
    """A slot of this therapist's overlapping `time` that someone booked or still can book.

    An open slot counts too: a client could book it the moment after the appointment is
    scheduled, and bookings do not take the therapist-time lock. A closed slot nobody booked
    does not (it can only reopen under that lock, which checks appointments).
    """
    found: int | None = await session.scalar(
        select(Schedule.id)
        .where(
            Schedule.therapist_id == therapist_id,
            or_(Schedule.booked_count > 0, Schedule.is_available.is_(True)),
            time.overlap_condition(Schedule.start_at, Schedule.end_at),
        )
        .limit(1)
    )
    return found
